using System.Net;
using Teeceepee.Cli.Options;
using Teeceepee.Links;
using Teeceepee.Sockets;
using Teeceepee.Stack;

namespace Teeceepee.Cli.Network;

// --loops N (issue 13 item 4): a multi-queue TAP with one stack loop per queue (NetworkStackGroup).
internal sealed partial class TeeceepeeNetwork
{
    private const int LinkErrnoInvalid = 22;

    private NetworkStackGroup? _group;
    private IReadOnlyList<TapLink> _queues = [];

    /// <summary>The loops when --loops gave more than one, else null.</summary>
    public NetworkStackGroup? Group => _group;

    /// <summary>
    /// With more than one loop asked for (or defaulted): opens the TAP's queues and starts one loop per queue. Null when
    /// one loop it is: --loops 1, a link other than a TAP, options the group does not combine with, or (the loops only
    /// defaulted) a TAP made single-queue by someone else.
    /// </summary>
    private static TeeceepeeNetwork? TryFromQueues(LinkOptions options, TextWriter? trace)
    {
        if (options.Loops <= 1)
            return null;
        string? why = options.Kind != LinkKind.Tap ? "needs a TAP link (--tap)"
            : options.PcapFile is not null ? "does not combine with --pcap yet"
            : options.HasFaults ? "does not combine with fault injection yet"
            : options.PlotDirectory is not null ? "does not combine with --plot yet"
            : options.Dhcp ? "does not combine with --dhcp yet (the lease would configure loop 0 only)"
            : options.TraceFrames ? "does not combine with frame tracing"
            : null;
        if (why is not null)
        {
            if (options.LoopsGiven)
                throw CliException.Usage($"--loops {options.Loops} {why}");
            return null;
        }
        IReadOnlyList<TapLink> queues;
        try
        {
            queues = TapLink.OpenQueues(options.Device!, options.Loops, options.Mtu, options.Offloads);
        }
        catch (LinkException e) when (e.Errno == LinkErrnoInvalid)
        {
            if (options.LoopsGiven)
            {
                throw new CliException($"TAP device {options.Device} has one queue: --loops {options.Loops} needs a multi-queue TAP "
                    + $"(ip tuntap add dev {options.Device} mode tap multi_queue), or --loops 1");
            }
            trace?.WriteLine($"{options.Device}: single-queue TAP, so one loop (a multi-queue TAP would take {options.Loops})");
            return null;
        }
        catch (LinkException)
        {
            return null; // the single-queue open that follows says what is wrong, in the usual words
        }
        try
        {
            OpenTap(queues[0], options.Offloads, trace);
            RaiseQueue(queues[0], trace);
            var stackOptions = CreateStackOptions(options, trace, plot: null) with { Loops = queues.Count };
            NetworkStackGroup group;
            try
            {
                group = new NetworkStackGroup(queues, stackOptions);
            }
            catch (ArgumentException e)
            {
                throw CliException.Usage(e.Message);
            }
            group.Start();
            var stack = group.Primary;
            string offloadSuffix = queues[0].Capabilities.Offloads != LinkOffloads.None ? " offloads" : "";
            string description = $"tap {options.Device} {DescribeAddresses(options)} mtu {stack.Mtu}{offloadSuffix} loops {group.Count}";
            trace?.WriteLine($"{options.Device}: {group.Count} queues, one loop each");
            return new TeeceepeeNetwork(stack, queues[0], queues[0], options.Device!, description, trace, options.Dns, "tap", offloadSuffix)
            {
                _group = group,
                _queues = queues,
                HasIPv6 = options.HasIPv6,
            };
        }
        catch
        {
            for (int i = queues.Count - 1; i >= 0; i--)
                queues[i].Dispose();
            throw;
        }
    }

    private StackGroupListener ListenOnEveryLoop(IPEndPoint local, int backlog, TcpConnectionOptions options)
    {
        var listener = new TcpGroupListener(_group!, local, options);
        try
        {
            listener.Start(backlog);
        }
        catch
        {
            _ = listener.DisposeAsync().AsTask();
            throw;
        }
        return new StackGroupListener(listener);
    }

    /// <summary>Per loop: frames read from its queue, handed over, taken over, TCP segments each way (bench-server's summary).</summary>
    public IReadOnlyList<NetworkStackStats> LoopStats => _group?.LoopStats ?? [_stack.Stats];

    /// <summary>The host's counters: the group's sum with --loops, else the stack's.</summary>
    public NetworkStackStats Stats => _group?.Stats ?? _stack.Stats;

    // Loops first (1..N-1, then 0), then the queues (0 last: it may have created the device).
    private async ValueTask DisposeLoopsAsync()
    {
        await _group!.DisposeAsync().ConfigureAwait(false);
        for (int i = _queues.Count - 1; i >= 1; i--)
            _queues[i].Dispose();
    }
}
