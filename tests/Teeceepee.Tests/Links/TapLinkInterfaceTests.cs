using Teeceepee.Links;

namespace Teeceepee.Tests.Links;

/// <summary>TapLink's offload overloads must be what <see cref="ILink"/> calls, not the interface's defaults that ignore descriptors.</summary>
public class TapLinkInterfaceTests
{
    [Theory]
    [InlineData(nameof(ILink.TryReceive), 4)]
    [InlineData(nameof(ILink.TrySend), 3)]
    public void DescriptorOverloads_MapToTapLinksOwnMethods(string name, int parameters)
    {
        var map = typeof(TapLink).GetInterfaceMap(typeof(ILink));
        int index = Array.FindIndex(map.InterfaceMethods, m => m.Name == name && m.GetParameters().Length == parameters);
        Assert.True(index >= 0);
        Assert.Equal(typeof(TapLink), map.TargetMethods[index].DeclaringType);
    }
}
