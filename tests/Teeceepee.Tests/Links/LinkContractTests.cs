using System.Reflection;
using Teeceepee.Links;

namespace Teeceepee.Tests.Links;

/// <summary>
/// <see cref="ILink"/> has one receive and one send, both carrying the offload descriptor, and no default bodies; every
/// link and middleware implements each once, so a decorator cannot forward one overload and forget another.
/// </summary>
public class LinkContractTests
{
    private static readonly Type[] s_links = typeof(ILink).Assembly.GetTypes()
        .Where(t => typeof(ILink).IsAssignableFrom(t) && t.IsClass && !t.IsAbstract)
        .ToArray();

    [Fact]
    public void ILink_OneReceiveAndOneSend_WithDescriptors_NoDefaultBodies()
    {
        var methods = typeof(ILink).GetMethods();
        Assert.All(methods, m => Assert.True(m.IsAbstract, $"{m.Name} has a default body"));
        var receive = Assert.Single(methods, m => m.Name == nameof(ILink.TryReceive));
        var send = Assert.Single(methods, m => m.Name == nameof(ILink.TrySend));
        Assert.Equal(typeof(LinkOffload).MakeByRefType(), receive.GetParameters()[^1].ParameterType);
        Assert.True(receive.GetParameters()[^1].IsOut);
        Assert.Equal(typeof(LinkOffload).MakeByRefType(), send.GetParameters()[^1].ParameterType);
        Assert.True(send.GetParameters()[^1].IsIn);
    }

    [Fact]
    public void EveryLink_ImplementsOneReceiveAndOneSend()
    {
        Assert.Contains(typeof(TapLink), s_links);
        Assert.Contains(typeof(FaultInjector), s_links);
        foreach (var link in s_links)
        {
            var methods = link.GetMethods(BindingFlags.Public | BindingFlags.Instance);
            Assert.Single(methods, m => m.Name == nameof(ILink.TryReceive));
            Assert.Single(methods, m => m.Name == nameof(ILink.TrySend));
        }
    }

    [Fact]
    public void TapLink_OverridesTheSharedTunTapMethods()
    {
        Assert.True(typeof(TapLink).GetMethod(nameof(ILink.TryReceive))!.GetBaseDefinition().DeclaringType == typeof(TunTapLink));
        Assert.Equal(typeof(TapLink), typeof(TapLink).GetMethod(nameof(ILink.TryReceive))!.DeclaringType);
        Assert.Equal(typeof(TapLink), typeof(TapLink).GetMethod(nameof(ILink.TrySend))!.DeclaringType);
    }
}
