using System.Globalization;
using Teeceepee.Links;
using Teeceepee.Stack;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.IntegrationTests.Scale;

/// <summary>
/// The stack side of <see cref="IdleConnectionsKernelTests"/>, run in a process of its own (<see cref="Program"/>), so that
/// its live heap holds the stack and nothing else: no other test's objects, whatever runs in parallel. It opens a TAP,
/// echoes each connection's first 64 octets on the TCB API on the loop (nothing above the stack holds per-connection
/// state but the list of TCBs), and answers commands on stdin, one per line:
/// <c>measure</c> prints <c>measure live=B pooled=B connections=N established=N holding=N shedfilter=0|1</c> after a full collection
/// (pooled: the rings the process-wide pool keeps for reuse; holding: connections holding a ring or a loss-recovery or
/// reassembly table; shedfilter: 1 while the 1 MiB filter of SYNs shed under overload is held, 2–4 s after the last); <c>forget</c> aborts every connection and prints
/// <c>forgotten N</c>; <c>quit</c> (or the end of stdin) ends it.
/// </summary>
internal static class IdleConnectionProbe
{
    /// <summary>The command line's first argument that runs the probe.</summary>
    public const string Command = "idle-probe";

    /// <summary>Octets each connection sends first (and gets back).</summary>
    public const int Exchange = 64;

    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output)
    {
        if (args.Length != 3 || !IPv4Address.TryParse(args[1], out var address) || !ushort.TryParse(args[2], CultureInfo.InvariantCulture, out ushort port))
        {
            await Console.Error.WriteLineAsync($"usage: {Command} TAP ADDRESS PORT");
            return 2;
        }
        await using var stack = new NetworkStack(new TapLink(args[0]), new NetworkStackOptions { Address = address, Name = "probe" });
        stack.Start();
        var listener = await stack.InvokeAsync((s, _) => s.Tcp.Listen(new TcpEndpoint(address, port), backlog: 1024));
        var server = new EchoServer(listener);
        var commands = Task.Run(input.ReadLine);
        await output.WriteLineAsync("ready");
        await output.FlushAsync();
        while (true)
        {
            if (commands.IsCompleted)
            {
                string? command = await commands;
                if (command is null or "quit")
                    return 0;
                await output.WriteLineAsync(command switch
                {
                    "measure" => await MeasureAsync(stack, server),
                    "forget" => $"forgotten {await stack.InvokeAsync((_, _) => server.Forget())}",
                    _ => $"unknown command {command}",
                });
                await output.FlushAsync();
                commands = Task.Run(input.ReadLine);
            }
            await stack.InvokeAsync((_, _) => server.Serve());
            await Task.Delay(10);
        }
    }

    private static async Task<string> MeasureAsync(NetworkStack stack, EchoServer server)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long live = GC.GetTotalMemory(forceFullCollection: true);
        long pooled = RingPool.Rings.RetainedBytes;
        var (count, established, holding, shedFilter) = await stack.InvokeAsync((_, _) => (
            server.Connections.Count,
            server.Connections.Count(t => t.State == TcpState.Established),
            server.Connections.Count(t => t.HasReceiveStorage || t.HasSendStorage || t.HasRecoveryStorage),
            stack.HoldsShedSynFilter ? 1 : 0));
        return string.Create(CultureInfo.InvariantCulture,
            $"measure live={live} pooled={pooled} connections={count} established={established} holding={holding} shedfilter={shedFilter} rss={Environment.WorkingSet}");
    }

    /// <summary>Loop side: accepts, reads each connection's first octets and sends them back once.</summary>
    private sealed class EchoServer(TcpListenerQueue listener)
    {
        private readonly List<(Tcb Tcb, int Echoed)> _pending = [];
        private readonly byte[] _buffer = new byte[Exchange];

        public List<Tcb> Connections { get; } = new(16384);

        public bool Serve()
        {
            while (listener.TryAccept(out var tcb))
            {
                Connections.Add(tcb);
                _pending.Add((tcb, 0));
            }
            for (int i = _pending.Count - 1; i >= 0; i--)
            {
                var (tcb, got) = _pending[i];
                got += tcb.Receive(_buffer.AsSpan(got));
                if (got < _buffer.Length)
                {
                    _pending[i] = (tcb, got);
                    continue;
                }
                tcb.Send(_buffer);
                _pending.RemoveAt(i);
            }
            return true;
        }

        public int Forget()
        {
            int n = Connections.Count;
            foreach (var tcb in Connections)
                tcb.Abort();
            Connections.Clear();
            _pending.Clear();
            return n;
        }
    }
}
