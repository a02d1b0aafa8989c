using System.Security.Cryptography;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Tcp;

/// <summary>Two hosts on the seeded shuttle: half-close, simultaneous open, TIME-WAIT reuse, transfers both ways.</summary>
public class TcpHostScenarioTests
{
    private static readonly TcpEndpoint ServerEndpoint = new(TcpLoopback.AddressB, 80);

    private static (Tcb Client, Tcb Server) Open(TcpLoopback net, ushort clientPort = 0)
    {
        var listener = net.B.Listen(ServerEndpoint);
        var client = net.A.Connect(net.Now, TcpLoopback.AddressA, ServerEndpoint, localPort: clientPort);
        Tcb? server = null;
        Assert.True(net.Run(() => server is not null && client.State == TcpState.Established, () => { if (server is null && listener.TryAccept(out var t)) server = t; }, 60_000));
        listener.Close();
        return (client, server!);
    }

    /// <summary>Pumps <paramref name="data"/> into <paramref name="from"/> and collects what <paramref name="to"/> reads; optionally shuts down after.</summary>
    private sealed class Transfer(Tcb from, Tcb to, byte[] data, bool shutdownAfter)
    {
        private int _sent;
        private bool _shut;
        private readonly byte[] _chunk = new byte[16384];

        public MemoryStream Received { get; } = new();

        public bool Complete => Received.Length == data.Length;

        public void Step()
        {
            if (_sent < data.Length)
                _sent += from.Send(data.AsSpan(_sent));
            else if (shutdownAfter && !_shut)
            {
                from.Shutdown();
                _shut = true;
            }
            int n;
            while ((n = to.Receive(_chunk)) > 0)
                Received.Write(_chunk, 0, n);
        }
    }

    public static TheoryData<int, double> Seeds()
    {
        var data = new TheoryData<int, double>();
        for (int seed = 11; seed <= 14; seed++)
        {
            data.Add(seed, 0.02);
            data.Add(seed, 0.1);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void BothDirectionsAtOnce_UnderLoss_ArriveIntact(int seed, double loss)
    {
        var net = new TcpLoopback(seed, loss, reorder: 0.05, duplicate: 0.01);
        var (client, server) = Open(net);
        var up = RandomNumberGenerator.GetBytes(512 * 1024);
        var down = RandomNumberGenerator.GetBytes(384 * 1024);
        var t1 = new Transfer(client, server, up, shutdownAfter: true);
        var t2 = new Transfer(server, client, down, shutdownAfter: true);
        Assert.True(net.Run(() => t1.Complete && t2.Complete && client.IsReceiveFinished && server.IsReceiveFinished, () => { t1.Step(); t2.Step(); }, 3_600_000),
            $"client {client.GetInfo()} server {server.GetInfo()}");
        Assert.Equal(SHA256.HashData(up), SHA256.HashData(t1.Received.ToArray()));
        Assert.Equal(SHA256.HashData(down), SHA256.HashData(t2.Received.ToArray()));
        // Both FINs crossed: both sides end in TIME-WAIT or CLOSED, never with an error.
        Assert.True(net.Run(() => net.A.ConnectionCount == 0 && net.B.ConnectionCount == 0, () => { }, 600_000));
        Assert.True(client.State is TcpState.Closed or TcpState.TimeWait && server.State is TcpState.Closed or TcpState.TimeWait);
        Assert.Equal(TcpError.None, client.Error);
        Assert.Equal(TcpError.None, server.Error);
        Assert.True(net.Run(() => net.A.ConnectionCount == 0 && net.B.ConnectionCount == 0, () => { }, 1_000));
    }

    [Fact]
    public void HalfClose_ClientShutsDown_ServerStillSendsResponse()
    {
        var net = new TcpLoopback(21, loss: 0.05, reorder: 0.05);
        var (client, server) = Open(net);
        var request = RandomNumberGenerator.GetBytes(100_000);
        var response = RandomNumberGenerator.GetBytes(300_000);
        var up = new Transfer(client, server, request, shutdownAfter: true);
        Assert.True(net.Run(() => up.Complete && server.IsReceiveFinished && client.State == TcpState.FinWait2, up.Step, 600_000));
        Assert.Equal(TcpState.CloseWait, server.State);
        Assert.Equal(TcpState.FinWait2, client.State);
        var down = new Transfer(server, client, response, shutdownAfter: true);
        Assert.True(net.Run(() => down.Complete && client.IsReceiveFinished, down.Step, 600_000));
        Assert.Equal(SHA256.HashData(request), SHA256.HashData(up.Received.ToArray()));
        Assert.Equal(SHA256.HashData(response), SHA256.HashData(down.Received.ToArray()));
        Assert.Equal(TcpState.TimeWait, client.State);
    }

    [Fact]
    public void SimultaneousOpen_BothConnect_BothEstablish()
    {
        var net = new TcpLoopback(31);
        var a = net.A.Connect(net.Now, TcpLoopback.AddressA, new TcpEndpoint(TcpLoopback.AddressB, 7000), localPort: 6000);
        var b = net.B.Connect(net.Now, TcpLoopback.AddressB, new TcpEndpoint(TcpLoopback.AddressA, 6000), localPort: 7000);
        Assert.True(net.Run(() => a.State == TcpState.Established && b.State == TcpState.Established, () => { }, 10_000));
        var t = new Transfer(a, b, [1, 2, 3], shutdownAfter: false);
        Assert.True(net.Run(() => t.Complete, t.Step, 10_000));
    }

    [Fact]
    public void SimultaneousClose_BothShutDown_BothPassThroughClosing()
    {
        var net = new TcpLoopback(32);
        var (client, server) = Open(net);
        var states = new HashSet<TcpState>();
        client.Shutdown();
        server.Shutdown();
        Assert.True(net.Run(() => net.A.ConnectionCount == 0 && net.B.ConnectionCount == 0, () => { states.Add(client.State); states.Add(server.State); }, 600_000));
        Assert.Contains(TcpState.Closing, states);
        Assert.Contains(TcpState.TimeWait, states);
    }

    [Fact]
    public void TimeWait_NewSynWithHigherSequence_ReopensTheFourTuple()
    {
        var net = new TcpLoopback(41);
        var listener = net.B.Listen(ServerEndpoint);
        var client = net.A.Connect(net.Now, TcpLoopback.AddressA, ServerEndpoint, localPort: 6000);
        Tcb? server = null;
        Assert.True(net.Run(() => server is not null, () => { if (server is null && listener.TryAccept(out var t)) server = t; }, 5_000));
        // The server closes first, so the server side holds TIME-WAIT.
        server!.Close();
        Assert.True(net.Run(() => client.IsReceiveFinished, () => { }, 5_000));
        client.Close();
        Assert.True(net.Run(() => server.State == TcpState.TimeWait && client.State == TcpState.Closed, () => { }, 5_000));
        var again = net.A.Connect(net.Now, TcpLoopback.AddressA, ServerEndpoint, localPort: 6000);
        Tcb? server2 = null;
        Assert.True(net.Run(() => server2 is not null && again.State == TcpState.Established, () => { if (server2 is null && listener.TryAccept(out var t)) server2 = t; }, 5_000));
        Assert.NotSame(server, server2);
    }

    [Fact]
    public void ServerAborts_ClientSeesConnectionReset()
    {
        var net = new TcpLoopback(51);
        var (client, server) = Open(net);
        server.Abort();
        Assert.True(net.Run(() => client.State == TcpState.Closed, () => { }, 5_000));
        Assert.Equal(TcpError.ConnectionReset, client.Error);
    }

    [Fact]
    public void PeerVanishes_DataRetransmissionsTimeOut()
    {
        var net = new TcpLoopback(61, config: TcpConfig.Default with { MaxRetransmissions = 4 });
        var (client, _) = Open(net);
        net.Loss = 1.0;
        client.Send(new byte[1000]);
        Assert.True(net.Run(() => client.State == TcpState.Closed, () => { }, 600_000));
        Assert.Equal(TcpError.TimedOut, client.Error);
        Assert.Equal(0, net.A.ConnectionCount);
    }
}
