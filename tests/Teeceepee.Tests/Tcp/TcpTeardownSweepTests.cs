using Teeceepee.Tcp;

namespace Teeceepee.Tests.Tcp;

/// <summary>Random teardown (close, shutdown, abort at random moments, either side) under loss: no exception, every connection ends, the tables drain.</summary>
public class TcpTeardownSweepTests
{
    [Fact]
    public void TwoHosts_RandomTeardowns_AllConnectionsEndAndTablesDrain()
    {
        var failures = new List<string>();
        for (int seed = 1; seed <= 300; seed++)
        {
            var r = new Random(seed);
            var config = TcpConfig.Default with
            {
                Msl = TimeSpan.FromMilliseconds(500),
                FinWait2Timeout = TimeSpan.FromSeconds(2),
                SendBufferSize = 8 * 1024,
                ReceiveBufferSize = 8 * 1024,
                UserTimeout = TimeSpan.FromSeconds(30),
            };
            var net = new TcpLoopback(seed, r.NextDouble() * 0.1, reorder: 0.02, duplicate: 0.01, config: config);
            var listener = net.B.Listen(new TcpEndpoint(TcpLoopback.AddressB, 5001));
            var clients = new List<Tcb>();
            var servers = new List<Tcb>();
            for (int i = 0; i < 5; i++)
                clients.Add(net.A.Connect(net.Now, TcpLoopback.AddressA, new TcpEndpoint(TcpLoopback.AddressB, 5001)));
            var data = new byte[3000];
            var sink = new byte[2000];
            long start = net.Now.TotalMilliseconds;
            net.Run(() => net.Now.TotalMilliseconds - start > 20_000, () =>
            {
                while (listener.TryAccept(out var t))
                    servers.Add(t);
                foreach (var tcb in r.Next(2) == 0 ? clients : servers)
                {
                    switch (r.Next(400))
                    {
                        case 0: tcb.Close(); break;
                        case 1: tcb.Shutdown(); break;
                        case 2: tcb.Abort(); break;
                        case < 100: tcb.Send(data.AsSpan(0, r.Next(data.Length))); break;
                        case < 200: tcb.Receive(sink); break;
                    }
                }
            }, 25_000);
            foreach (var tcb in clients.Concat(servers))
            {
                tcb.Close();
            }
            // Everything closes: graceful closes finish, TIME-WAIT (1 s) and orphaned FIN-WAIT-2 (2 s) expire.
            bool drained = net.Run(() => net.A.ConnectionCount == 0 && net.B.ConnectionCount == 0, () =>
            {
                while (listener.TryAccept(out var t))
                    t.Close();
                foreach (var tcb in clients.Concat(servers))
                    tcb.Receive(sink);
            }, 600_000);
            if (!drained)
                failures.Add($"seed {seed}: A {net.A.ConnectionCount} B {net.B.ConnectionCount}: " + string.Join(", ", clients.Concat(servers).Where(t => t.State != TcpState.Closed).Select(t => $"{t.LocalPort}->{t.RemotePort} {t.State}")));
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
