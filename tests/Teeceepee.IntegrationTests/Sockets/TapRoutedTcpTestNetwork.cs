using System.Diagnostics;
using System.Globalization;
using System.Net;
using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.Links;
using Teeceepee.Stack;
using Teeceepee.Tests.Sockets;
using Teeceepee.Wire;

namespace Teeceepee.IntegrationTests.Sockets;

/// <summary>
/// Two stacks on two TAP devices in one test namespace whose kernel routes between them: the client
/// at 198.18.0.2 (gateway 198.18.0.1) and the server at 198.18.1.2 (gateway 198.18.1.1). Every
/// segment crosses the kernel's IP forwarding, so the suite runs over real TAP links.
/// </summary>
public sealed class TapRoutedTcpTestNetwork : TcpTestNetwork
{
    private static int s_counter;
    private readonly TestNetwork _net;
    private readonly TapLink _serverLink;

    public TapRoutedTcpTestNetwork()
    {
        _net = TestNetwork.CreateTap("sock");
        string device = string.Create(CultureInfo.InvariantCulture, $"u{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}");
        try
        {
            _serverLink = new TapLink(device, 1500, offloads: false);
            Ip("link", "set", device, "netns", _net.Namespace);
            Ip("-n", _net.Namespace, "addr", "add", "198.18.1.1/24", "dev", device);
            Ip("-n", _net.Namespace, "link", "set", device, "up");
            _net.Exec("sysctl -qw net.ipv4.ip_forward=1");
            Client = new NetworkStack(_net.Link, new NetworkStackOptions
            {
                Address = IPv4Address.FromIPAddress(TestNetwork.StackAddress),
                Gateway = IPv4Address.FromIPAddress(TestNetwork.KernelAddress),
                Name = "client",
            });
            Server = new NetworkStack(_serverLink, new NetworkStackOptions
            {
                Address = IPv4Address.Parse("198.18.1.2"),
                Gateway = IPv4Address.Parse("198.18.1.1"),
                Name = "server",
            });
            Client.Start();
            Server.Start();
        }
        catch
        {
            _serverLink?.Dispose();
            _net.Dispose();
            throw;
        }
    }

    public override NetworkStack Client { get; }

    public override NetworkStack Server { get; }

    public override IPAddress ServerAddress { get; } = IPAddress.Parse("198.18.1.2");

    public override IPAddress SilentAddress { get; } = IPAddress.Parse("198.18.0.99");

    public override string Kind => "tap";

    /// <summary>The underlying test network (kernel namespace).</summary>
    public TestNetwork Network => _net;

    public override async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Server.DisposeAsync();
        _serverLink.Dispose();
        _net.Dispose();
    }

    private static void Ip(params string[] args)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"ip {string.Join(' ', args)} failed: {err}");
    }
}
