using Teeceepee.Tcp;

namespace Teeceepee.Tests.Tcp;

/// <summary>Random settings per seed (tiny buffers, options on and off, Nagle, delayed ACKs, small MSS) under loss: every byte arrives once, in order.</summary>
public class TcpConfigSweepTests
{
    [Fact]
    public void TwoHosts_RandomConfigsPerSeed_TwoWayTransfersComplete()
    {
        var failures = new List<string>();
        for (int seed = 1; seed <= 200; seed++)
        {
            var r = new Random(seed);
            var config = TcpConfig.Default with
            {
                SendBufferSize = r.Next(2) == 0 ? 1024 * r.Next(1, 16) : 256 * 1024,
                ReceiveBufferSize = r.Next(2) == 0 ? 1024 * r.Next(1, 16) : 256 * 1024,
                Timestamps = r.Next(2) == 0,
                Sack = r.Next(2) == 0,
                WindowScaling = r.Next(2) == 0,
                NoDelay = r.Next(2) == 0,
                DelayedAckTimeout = r.Next(3) == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(40),
                MaxSegmentSize = r.Next(3) == 0 ? r.Next(100, 1460) : 1460,
            };
            double loss = r.Next(3) == 0 ? 0 : r.NextDouble() * 0.1;
            var net = new TcpLoopback(seed, loss, reorder: r.NextDouble() * 0.05, duplicate: r.NextDouble() * 0.02, config: config);
            var payload = new byte[r.Next(1, 200_000)];
            r.NextBytes(payload);
            var back = new byte[r.Next(0, 50_000)];
            r.NextBytes(back);
            var listener = net.B.Listen(new TcpEndpoint(TcpLoopback.AddressB, 5001));
            var client = net.A.Connect(net.Now, TcpLoopback.AddressA, new TcpEndpoint(TcpLoopback.AddressB, 5001));
            Tcb? server = null; int sent = 0, sentBack = 0; bool shut = false, shutBack = false;
            var got = new MemoryStream(); var gotBack = new MemoryStream(); var chunk = new byte[r.Next(1, 5000)];
            bool ok = net.Run(() => server is not null && server.IsReceiveFinished && client.IsReceiveFinished, () =>
            {
                if (server is null && listener.TryAccept(out var t)) server = t;
                if (sent < payload.Length) sent += client.Send(payload.AsSpan(sent, Math.Min(payload.Length - sent, r.Next(1, 70000)))); else if (!shut) { client.Shutdown(); shut = true; }
                if (server is not null)
                {
                    int n; while ((n = server.Receive(chunk)) > 0) got.Write(chunk, 0, n);
                    if (sentBack < back.Length) sentBack += server.Send(back.AsSpan(sentBack)); else if (!shutBack) { server.Shutdown(); shutBack = true; }
                }
                int m; while ((m = client.Receive(chunk)) > 0) gotBack.Write(chunk, 0, m);
            }, 3_600_000);
            if (!ok || !got.ToArray().AsSpan().SequenceEqual(payload) || !gotBack.ToArray().AsSpan().SequenceEqual(back))
                failures.Add($"seed {seed} loss {loss:F3} cfg {config.SendBufferSize}/{config.ReceiveBufferSize} ts {config.Timestamps} sack {config.Sack} ws {config.WindowScaling} nodelay {config.NoDelay} dack {config.DelayedAckTimeout.TotalMilliseconds} mss {config.MaxSegmentSize}: ok {ok} got {got.Length}/{payload.Length} back {gotBack.Length}/{back.Length} client {client.State} {client.Error} server {server?.State} {server?.Error} t={net.Now}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
