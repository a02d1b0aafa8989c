using Teeceepee.Tcp;

namespace Teeceepee.Tests.Tcp;

/// <summary>Hundreds of seeds: 256 KiB up and 100 KiB down with both sides shutting down, at 2 % and 20 % loss; failing seeds are named.</summary>
public class TcpSeedSweepTests
{
    [Fact]
    public void TwoHosts_SeedSweep_TwoWayWithShutdown_AllComplete()
    {
        var failures = new List<string>();
        long totalVirtual = 0;
        foreach (var loss in new[] { 0.02, 0.2 })
        {
            for (int seed = 100; seed < 200; seed++)
                RunOne(seed, loss, failures, ref totalVirtual);
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(totalVirtual > 0);
    }

    private static void RunOne(int seed, double loss, List<string> failures, ref long totalVirtual)
    {
        {
            var net = new TcpLoopback(seed, loss, reorder: 0.05, duplicate: 0.01);
            var payload = new byte[256 * 1024];
            new Random(seed).NextBytes(payload);
            var listener = net.B.Listen(new TcpEndpoint(TcpLoopback.AddressB, 5001));
            var client = net.A.Connect(net.Now, TcpLoopback.AddressA, new TcpEndpoint(TcpLoopback.AddressB, 5001));
            var back = new byte[100 * 1024];
            Tcb? server = null; int sent = 0, sentBack = 0; bool shut = false, shutBack = false; long got = 0, gotBack = 0; var chunk = new byte[32 * 1024];
            var start = net.Now;
            bool ok = net.Run(() => server is not null && server.IsReceiveFinished && client.IsReceiveFinished, () =>
            {
                if (server is null && listener.TryAccept(out var t)) server = t;
                if (sent < payload.Length) sent += client.Send(payload.AsSpan(sent)); else if (!shut) { client.Shutdown(); shut = true; }
                if (server is not null)
                {
                    int n; while ((n = server.Receive(chunk)) > 0) got += n;
                    if (sentBack < back.Length) sentBack += server.Send(back.AsSpan(sentBack)); else if (!shutBack) { server.Shutdown(); shutBack = true; }
                }
                int m; while ((m = client.Receive(chunk)) > 0) gotBack += m;
            }, 3_600_000);
            totalVirtual += (net.Now - start).Ticks / TimeSpan.TicksPerMillisecond;
            if (!ok || got != payload.Length || gotBack != back.Length)
                failures.Add($"seed {seed} loss {loss}: ok {ok} got {got} back {gotBack} client {client.GetInfo().Error} {client.State} server {server?.State} {server?.Error}");
        }
    }
}
