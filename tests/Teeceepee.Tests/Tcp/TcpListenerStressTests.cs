using Teeceepee.Tcp;

namespace Teeceepee.Tests.Tcp;

/// <summary>Many simultaneous clients against a tiny SYN queue and a small accept queue under loss: SYN cookies and retries get everyone through.</summary>
public class TcpListenerStressTests
{
    [Theory]
    [InlineData(1, 0.0)]
    [InlineData(2, 0.05)]
    [InlineData(3, 0.1)]
    public void TinyQueues_ManyClients_AllServedThroughCookiesAndRetries(int seed, double loss)
    {
        var config = TcpConfig.Default with { SynBacklog = 4, Backlog = 64, Msl = TimeSpan.FromMilliseconds(200) };
        var net = new TcpLoopback(seed, loss, reorder: 0.02, config: config);
        var listener = net.B.Listen(new TcpEndpoint(TcpLoopback.AddressB, 80));
        var clients = new List<Tcb>();
        for (int i = 0; i < 300; i++)
            clients.Add(net.A.Connect(net.Now, TcpLoopback.AddressA, new TcpEndpoint(TcpLoopback.AddressB, 80)));
        var served = new HashSet<ushort>();
        var servers = new List<Tcb>();
        var buf = new byte[64];
        bool done = net.Run(
            () => served.Count == clients.Count,
            () =>
            {
                while (listener.TryAccept(out var t))
                    servers.Add(t);
                foreach (var c in clients)
                {
                    if (c.State == TcpState.Established && c.SendQueueLength == 0 && c.IsSendOpen)
                    {
                        c.Send(BitConverter.GetBytes(c.LocalPort));
                        c.Shutdown();
                    }
                }
                foreach (var s in servers)
                {
                    if (s.Receive(buf) == 2)
                    {
                        served.Add(BitConverter.ToUInt16(buf));
                        s.Close();
                    }
                }
            },
            limitMs: 600_000);
        Assert.True(done, $"served {served.Count}/{clients.Count}, cookies {listener.SynCookiesSent}/{listener.SynCookiesAccepted}, dropped {listener.SynsDropped}, failed clients {clients.Count(c => c.Error != TcpError.None)}: {string.Join(",", clients.GroupBy(c => (c.State, c.Error)).Select(g => $"{g.Key}={g.Count()}"))} servers {string.Join(",", servers.GroupBy(c => (c.State, c.Error)).Select(g => $"{g.Key}={g.Count()}"))} t={net.Now}");
        Assert.All(clients, c => Assert.Equal(TcpError.None, c.Error));
        Assert.True(listener.SynCookiesAccepted > 0);
    }
}
