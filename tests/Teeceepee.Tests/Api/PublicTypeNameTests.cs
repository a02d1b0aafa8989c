using System.Net.Sockets;
using Teeceepee.Sockets;
using Xunit;

namespace Teeceepee.Tests.Api;

/// <summary>
/// Application code writes <c>using System.Net.Sockets;</c> beside <c>using Teeceepee.Sockets;</c>:
/// no public type of ours may share a simple name with a public type of System.Net.Sockets (CS0104).
/// </summary>
public class PublicTypeNameTests
{
    [Fact]
    public void NoPublicType_ClashesWith_SystemNetSockets()
    {
        var system = typeof(Socket).Assembly.GetExportedTypes()
            .Where(t => t.Namespace == "System.Net.Sockets")
            .Select(t => t.Name)
            .ToHashSet(StringComparer.Ordinal);
        var clashes = typeof(TcpConnection).Assembly.GetExportedTypes()
            .Where(t => system.Contains(t.Name))
            .Select(t => t.FullName)
            .ToList();
        Assert.Empty(clashes);
    }

    [Fact]
    public void BothNamespaces_Compile_Together()
    {
        // Compiles only because TcpConnectionListener does not clash with System.Net.Sockets.TcpListener.
        Type ours = typeof(TcpConnectionListener);
        Type theirs = typeof(TcpListener);
        Assert.NotEqual(ours.Namespace, theirs.Namespace);
    }
}
