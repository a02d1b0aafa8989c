using System.Globalization;
using Teeceepee.Interop;
using Teeceepee.Links;
using Teeceepee.Stack;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Benchmarks;

/// <summary>
/// The bench contract's servers (sink 5001, source 5002, echo 5003) run straight on the stack's loop: one thread
/// drives <see cref="NetworkStack.Poll"/> and serves every connection through the sans-I/O <see cref="Tcb"/> API,
/// with no socket layer, tasks or cross-thread hand-off. It measures the stack core, the ceiling the public
/// API (<c>teeceepee bench-server</c>) can reach. Environment as the harness sets it: BENCH_TAP, BENCH_ADDR,
/// BENCH_GW, BENCH_MTU; BENCH_OFFLOAD=1 opens the TAP with offloads; BENCH_SNDBUF=N gives the source (5002) an N-octet send buffer.
/// </summary>
internal static class LoopBenchServer
{
    private enum Role
    {
        Sink,
        Source,
        Echo,
    }

    public static int Run()
    {
        string tap = Environment.GetEnvironmentVariable("BENCH_TAP") ?? "tap0";
        var address = IPv4Address.Parse(Environment.GetEnvironmentVariable("BENCH_ADDR") ?? "198.18.0.2");
        var gateway = IPv4Address.Parse(Environment.GetEnvironmentVariable("BENCH_GW") ?? "198.18.0.1");
        int mtu = int.Parse(Environment.GetEnvironmentVariable("BENCH_MTU") ?? "1500", CultureInfo.InvariantCulture);
        bool offload = Environment.GetEnvironmentVariable("BENCH_OFFLOAD") == "1";
        using var link = new TapLink(tap, mtu, offload);
        var stack = new NetworkStack(link, new NetworkStackOptions { Address = address, Gateway = gateway, Mtu = mtu, Name = "bench" });
        Console.WriteLine($"loop bench server on {link} at {address}, offloads {(offload ? "on (plain path: checksums completed in software)" : "off")}");

        var time = TimeProvider.System;
        stack.Poll(Instant.Now(time));
        var listeners = new (TcpListenerQueue Queue, Role Role)[]
        {
            (stack.Tcp.Listen(new TcpEndpoint(address, 5001), 1024), Role.Sink),
            (stack.Tcp.Listen(new TcpEndpoint(address, 5002), 1024, SourceConfig(stack.Tcp.DefaultConfig)), Role.Source),
            (stack.Tcp.Listen(new TcpEndpoint(address, 5003), 1024), Role.Echo),
        };
        var connections = new List<(Tcb Tcb, Role Role)>();
        var buffer = new byte[256 * 1024];
        var source = new byte[256 * 1024];
        new Random(1).NextBytes(source);
        using var epoll = new Epoll();
        epoll.Add(link.ReadinessFd, EpollEvents.In, 0);
        Span<EpollEvent> events = stackalloc EpollEvent[4];

        while (true)
        {
            var now = Instant.Now(time);
            stack.Poll(now);
            foreach (var (queue, role) in listeners)
            {
                while (queue.TryAccept(out var tcb))
                    connections.Add((tcb, role));
            }
            bool worked = false;
            for (int i = connections.Count - 1; i >= 0; i--)
            {
                var (tcb, role) = connections[i];
                if (Serve(tcb, role, buffer, source, ref worked))
                    continue;
                connections[i] = connections[^1];
                connections.RemoveAt(connections.Count - 1);
            }
            if (worked)
            {
                stack.Poll(now);
                continue;
            }
            var at = stack.PollAt();
            long waitTicks = at.Ticks - Instant.Now(time).Ticks;
            int timeout = at == Instant.MaxValue ? 100 : (int)Math.Clamp(waitTicks / TimeSpan.TicksPerMillisecond, 0, 100);
            if (timeout > 0)
                epoll.Wait(events, timeout);
        }
    }

    /// <summary>One round of one connection's role; false once it is finished and forgotten.</summary>
    /// <summary>The source's TCP settings: the stack's, with BENCH_SNDBUF (octets) as the send buffer when set.</summary>
    private static TcpConfig SourceConfig(TcpConfig defaults) =>
        Environment.GetEnvironmentVariable("BENCH_SNDBUF") is { Length: > 0 } size
            ? defaults with { SendBufferSize = int.Parse(size, CultureInfo.InvariantCulture) }
            : defaults;

    private static bool Serve(Tcb tcb, Role role, byte[] buffer, byte[] source, ref bool worked)
    {
        if (tcb.State == TcpState.Closed)
            return false;
        switch (role)
        {
            case Role.Sink:
                while (tcb.Receive(buffer) > 0)
                    worked = true;
                if (tcb.IsReceiveFinished && tcb.State is TcpState.CloseWait)
                {
                    tcb.Close();
                    worked = true;
                }
                return tcb.State is not (TcpState.LastAck or TcpState.Closed or TcpState.TimeWait);
            case Role.Source:
                if (tcb.Error != TcpError.None || !tcb.IsSendOpen)
                {
                    tcb.Abort();
                    return false;
                }
                while (tcb.Receive(buffer) > 0)
                {
                }
                int offset = 0;
                while (tcb.Send(source.AsSpan(offset)) is int n && n > 0)
                {
                    worked = true;
                    offset = (offset + n) % (source.Length / 2);
                }
                return true;
            default:
                int got;
                while ((got = tcb.Receive(buffer.AsSpan(0, 65536))) > 0)
                {
                    tcb.Send(buffer.AsSpan(0, got)); // echo sizes stay far below the send buffer
                    worked = true;
                }
                if (tcb.IsReceiveFinished && tcb.State is TcpState.CloseWait)
                {
                    tcb.Close();
                    worked = true;
                }
                return tcb.State is not (TcpState.LastAck or TcpState.Closed or TcpState.TimeWait);
        }
    }
}
