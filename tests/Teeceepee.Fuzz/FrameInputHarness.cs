using System.Net;
using Teeceepee.Links;
using Teeceepee.Sockets;
using Teeceepee.Stack;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Fuzz;

/// <summary>
/// The fuzz target: the whole frame input path of one <see cref="NetworkStack"/> on a
/// <see cref="MemoryLink"/>, on virtual time. Every input starts from the same state, built by
/// frames as a peer would send them: the peer's MAC learnt by ARP, a listener on port 80 with one
/// established connection (3000 octets of the stack's data in flight), a second connection the
/// stack is opening (SYN-SENT) and a UDP socket on port 2000; and over IPv6 (static address and
/// SLAAC, duplicate address detection done, the peer learnt by a neighbour solicitation) a
/// listener on [2001:db8:f::2]:80 with one established connection. Then each record of the input
/// (<see cref="FrameInputReader"/>) arrives, and finally the stack's timers run for ten minutes
/// of virtual time with the peer silent.
/// <para>
/// Invariants, each a <see cref="FuzzInvariantException"/> (a crash to the fuzzer): no exception
/// leaves <see cref="NetworkStack.Poll"/>, none is swallowed inside it (<see cref="DropReason.InternalError"/>
/// stays 0), every frame the link delivers is counted (as a drop or by the layer that took it), the
/// stack's tables stay within their caps, it sends a bounded number of frames, and it never asks to
/// be polled again and again at the same instant.
/// </para>
/// </summary>
public sealed class FrameInputHarness : IDisposable
{
    /// <summary>The port the stack listens on.</summary>
    public const ushort ListenPort = 80;
    /// <summary>The peer's port of the established connection.</summary>
    public const ushort PeerPort = 40000;
    /// <summary>The peer's port the stack connects to (the connection stays in SYN-SENT).</summary>
    public const ushort ConnectPort = 9000;
    /// <summary>The stack's UDP port.</summary>
    public const ushort UdpPort = 2000;
    /// <summary>The peer's initial sequence number on the established connection.</summary>
    public const uint PeerIsn = 1000;
    /// <summary>The peer's port of the established IPv6 connection.</summary>
    public const ushort PeerPort6 = 40006;
    /// <summary>The peer's initial sequence number on the established IPv6 connection.</summary>
    public const uint PeerIsn6 = 6000;
    /// <summary>Octets the stack has sent on the established connection when the input starts.</summary>
    public const int DataInFlight = 3000;

    private const int MaxFramesOut = 5000;
    private static readonly TimeSpan s_timerHorizon = TimeSpan.FromMinutes(10);

    private readonly MemoryLink _peer;
    private readonly MemoryLink _stackEnd;
    private readonly byte[] _rx = new byte[2048];
    private readonly byte[] _scratch = new byte[ushort.MaxValue];
    private readonly NetworkStack _stack;
    private readonly UdpSocket _udp;
    private readonly TcpConnectionListener _listener;
    private readonly TcpConnectionListener _listener6;
    private readonly TcpConnection _client;
    private long _framesOut;
    // Operations left pending on purpose: the input decides how they end. Never awaited, so no
    // continuation runs on the thread pool while the next input executes (the fuzzer's stability).
    private ValueTask<int> _pendingSend;
    private ValueTask _pendingConnect;

    /// <summary>Builds the starting state (deterministic: same seed, same virtual clock).</summary>
    public FrameInputHarness()
    {
        (_peer, _stackEnd) = MemoryLink.CreatePair(new LinkCapabilities(LinkMedium.Ethernet, 1500), queueCapacity: 256, withReadinessFd: false);
        _stack = new NetworkStack(_stackEnd, new NetworkStackOptions
        {
            Address = PeerFrames.StackAddress,
            HardwareAddress = PeerFrames.StackMac,
            IPv6Addresses = [new IPv6AddressPrefix(PeerFrames6.StackAddress, 64)],
            Slaac = true,
            StableSecret = PeerFrames6.StableSecret,
            Seed = 1,
            SendGratuitousArp = false,
            Trace = null,
            // Small buffers: a fresh stack per input must be cheap (buffers are allocated zeroed).
            Tcp = new TcpConfig { SendBufferSize = 8 * 1024, ReceiveBufferSize = 8 * 1024 },
        });
        _udp = new UdpSocket(_stack, UdpPort);
        _listener = new TcpConnectionListener(_stack, new IPEndPoint(PeerFrames.StackAddress.ToIPAddress(), ListenPort));
        _listener.Start(backlog: 8);

        // Duplicate address detection (RFC 4862 §5.4) of the link-local and static addresses ends unanswered.
        Poll();
        Discard();
        Now += TimeSpan.FromSeconds(2);
        Poll();
        Discard();
        if (_stack.IPv6Addresses.Count(a => a.State == IPv6AddressState.Preferred) < 2)
            throw new InvalidOperationException("setup: the IPv6 addresses did not become preferred");
        // (A tentative address cannot be bound, as on Linux: the listener comes after DAD.)
        _listener6 = new TcpConnectionListener(_stack, new IPEndPoint(PeerFrames6.StackAddress.ToIPAddress(), ListenPort));
        _listener6.Start(backlog: 8);

        Deliver(PeerFrames.Arp());
        Server = Accept(_listener, PeerFrames.Tcp, PeerPort, PeerIsn, 1460, out uint stackIsn);
        StackIsn = stackIsn;
        // Kept, never awaited: see _pendingSend.
#pragma warning disable CA2012
        _pendingSend = Server.SendAsync(new byte[DataInFlight]);
        _client = new TcpConnection(_stack);
        _pendingConnect = _client.ConnectAsync(new IPEndPoint(PeerFrames.PeerAddress.ToIPAddress(), ConnectPort));
#pragma warning restore CA2012
        Poll();
        ClientPort = (ushort)(_client.LocalEndPoint?.Port ?? 0);
        while (TryNextSegment(out var segment))
        {
            if (segment.Control == TcpControl.Syn && segment.SourcePort == ClientPort)
                ClientIsn = segment.SeqNumber.Value;
        }
        Server6 = EstablishIPv6();
    }

    // The peer solicits the stack's address (so the stack learns its MAC), then opens a connection over IPv6.
    private TcpConnection EstablishIPv6()
    {
        Deliver(PeerFrames6.Ndp(NdpRepr.NeighborSolicitation(PeerFrames6.StackAddress, PeerFrames.PeerMac), PeerFrames6.PeerAddress, PeerFrames6.StackAddress.SolicitedNode));
        Discard();
        var server = Accept(_listener6, PeerFrames6.Tcp, PeerPort6, PeerIsn6, 1440, out uint stackIsn);
        StackIsn6 = stackIsn;
        return server;
    }

    // The peer's three-way handshake to the listener (either family, by the frame builder given); the accepted connection.
    private TcpConnection Accept(TcpConnectionListener listener, Func<TcpRepr, ReadOnlySpan<byte>, byte[]> frame, ushort peerPort, uint peerIsn, ushort mss, out uint stackIsn)
    {
        Deliver(frame(new TcpRepr
        {
            SourcePort = peerPort, DestinationPort = ListenPort, Control = TcpControl.Syn, SeqNumber = new SeqNumber(peerIsn),
            WindowLength = 65535, MaxSegmentSize = mss, WindowScale = 7, SackPermitted = true, Timestamp = new TcpTimestamp(100, 0),
        }, default));
        if (!TryNextSegment(out var synAck) || synAck.Control != TcpControl.Syn)
            throw new InvalidOperationException($"setup: the stack did not answer the SYN from port {peerPort}");
        stackIsn = synAck.SeqNumber.Value;
        Discard();
        Deliver(frame(new TcpRepr
        {
            SourcePort = peerPort, DestinationPort = ListenPort, SeqNumber = new SeqNumber(peerIsn + 1), AckNumber = synAck.SeqNumber + 1,
            WindowLength = 512, Timestamp = new TcpTimestamp(101, synAck.Timestamp?.Value ?? 0),
        }, default));
        var accept = listener.AcceptAsync();
        Poll();
        Discard();
        if (!accept.IsCompletedSuccessfully)
            throw new InvalidOperationException($"setup: the handshake from port {peerPort} did not complete");
        return accept.Result;
    }

    /// <summary>The stack's initial sequence number on the established connection.</summary>
    public uint StackIsn { get; }

    /// <summary>The stack's initial sequence number on the connection it is opening.</summary>
    public uint ClientIsn { get; }

    /// <summary>The stack's port of the connection it is opening.</summary>
    public ushort ClientPort { get; }

    /// <summary>The established connection (accepted on <see cref="ListenPort"/>).</summary>
    public TcpConnection Server { get; }

    /// <summary>The established IPv6 connection (accepted on [2001:db8:f::2]:<see cref="ListenPort"/>).</summary>
    public TcpConnection Server6 { get; }

    /// <summary>The stack's initial sequence number on the established IPv6 connection.</summary>
    public uint StackIsn6 { get; private set; }

    /// <summary>The stack under test.</summary>
    public NetworkStack Stack => _stack;

    /// <summary>Virtual time now.</summary>
    public Instant Now { get; private set; } = Instant.FromMilliseconds(1000);

    /// <summary>Runs one fuzz input on a fresh harness; throws <see cref="FuzzInvariantException"/> when it breaks an invariant.</summary>
    public static void Run(ReadOnlySpan<byte> input)
    {
        using var harness = new FrameInputHarness();
        harness.Feed(input);
    }

    /// <summary>Delivers every record of <paramref name="input"/>, then (unless told not to) runs the timers, checking the invariants.</summary>
    public void Feed(ReadOnlySpan<byte> input, bool runTimers = true)
    {
        var reader = new FrameInputReader(input);
        while (reader.TryRead(out var record))
        {
            Now += record.Delay;
            var frame = _scratch.AsSpan(0, record.Frame.Length);
            record.Frame.CopyTo(frame);
            if (record.FixChecksums)
                ChecksumFixer.Fix(frame);
            DeliverChecked(frame);
        }
        if (runTimers)
            RunTimers();
        CheckBounds();
    }

    private void DeliverChecked(ReadOnlySpan<byte> frame)
    {
        var before = _stack.Stats;
        if (!_peer.TrySend(Now, frame))
        {
            // Longer than the link's MTU or empty: the link refuses it, the stack never sees it.
            Poll();
            Discard();
            return;
        }
        Poll();
        Discard();
        var after = _stack.Stats;
        if (after.FramesIn - before.FramesIn != 1)
            throw new FuzzInvariantException($"one frame delivered, FramesIn moved by {after.FramesIn - before.FramesIn}");
        if (Accounted(after) - Accounted(before) < 1)
            throw new FuzzInvariantException("a frame was neither dropped with a reason nor taken by a layer's counter");
        CheckInternalErrors(after);
    }

    // Every frame ends as a drop (with a reason) or in the counter of the layer that took it.
    private static long Accounted(NetworkStackStats s) =>
        s.Drops.Total + s.ArpRequestsIn + s.ArpRepliesIn + s.IPv4PacketsIn + s.IPv6PacketsIn;

    private void RunTimers()
    {
        var end = Now + s_timerHorizon;
        int sameInstant = 0;
        for (int i = 0; i < 10_000; i++)
        {
            var next = _stack.PollAt();
            if (next > end)
                break;
            if (next <= Now)
            {
                // Work due now is fine once (a backlog, a command); for ever is a livelock.
                if (++sameInstant > 64)
                    throw new FuzzInvariantException($"the stack asks to be polled at {Now} again and again");
            }
            else
            {
                sameInstant = 0;
                Now = next;
            }
            Poll();
            Discard();
        }
        CheckInternalErrors(_stack.Stats);
    }

    private void CheckBounds()
    {
        var options = _stack.Options;
        // Each frame can open at most one connection; the setup made two.
        int connections = _stack.Tcp.ConnectionCount;
        if (connections > 2 + FrameInputReader.MaxRecords)
            throw new FuzzInvariantException($"{connections} TCP connections after at most {FrameInputReader.MaxRecords} frames");
        if (_stack.ReassemblyHeldBytes > options.ReassemblyMaxBytes || _stack.ReassemblyCount > options.ReassemblyMaxDatagrams)
            throw new FuzzInvariantException($"reassembly holds {_stack.ReassemblyHeldBytes} octets in {_stack.ReassemblyCount} datagrams, past its caps");
        if (_stack.ArpEntryCount > options.ArpCacheCapacity)
            throw new FuzzInvariantException($"ARP cache holds {_stack.ArpEntryCount} entries, cap {options.ArpCacheCapacity}");
        if (_stack.NeighborCount > options.NeighborCacheCapacity)
            throw new FuzzInvariantException($"neighbour cache holds {_stack.NeighborCount} entries, cap {options.NeighborCacheCapacity}");
        if (_framesOut > MaxFramesOut)
            throw new FuzzInvariantException($"the stack sent {_framesOut} frames for at most {FrameInputReader.MaxRecords} in");
    }

    private static void CheckInternalErrors(NetworkStackStats stats)
    {
        long errors = stats.Drops[DropReason.InternalError];
        if (errors != 0)
            throw new FuzzInvariantException($"{errors} exception(s) caught inside the loop (DropReason.InternalError)");
    }

    private void Deliver(byte[] frame)
    {
        if (!_peer.TrySend(Now, frame))
            throw new InvalidOperationException("setup: the link refused a frame");
        Poll();
    }

    private void Poll()
    {
        try
        {
            _stack.Poll(Now);
        }
        catch (Exception e)
        {
            throw new FuzzInvariantException($"{e.GetType().Name} escaped NetworkStack.Poll: {e.Message}", e);
        }
    }

    private void Discard()
    {
        while (_peer.TryReceive(Now, _rx, out _))
            _framesOut++;
    }

    // The next TCP segment the stack sent over either family, skipping other frames (setup only).
    private bool TryNextSegment(out TcpRepr segment)
    {
        while (_peer.TryReceive(Now, _rx, out int length))
        {
            if (!EthernetFrame.TryParse(_rx.AsSpan(0, length), out var eth, out _))
                continue;
            if (eth.EtherType == EtherType.IPv4 && IPv4Packet.TryParse(eth.Payload, out var ip, out _) && ip.Protocol == IpProtocol.Tcp
                && TcpSegment.TryParse(ip.Payload, out var tcp, out _)
                && TcpRepr.TryParse(tcp, ip.Source, ip.Destination, true, out segment, out _))
                return true;
            if (eth.EtherType == EtherType.IPv6 && IPv6Packet.TryParse(eth.Payload, out var ip6, out _) && ip6.NextHeader == IpProtocol.Tcp
                && TcpSegment.TryParse(ip6.Payload, out var tcp6, out _)
                && TcpRepr.TryParse(tcp6, ip6.Source, ip6.Destination, true, out segment, out _))
                return true;
        }
        segment = default;
        return false;
    }

    /// <summary>Releases the stack and the link.</summary>
    public void Dispose()
    {
        _client.Abort();
        Server.Abort();
        Server6.Abort();
        _listener.Stop();
        _listener6.Stop();
        _udp.Dispose();
        _stack.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _peer.Dispose();
        _stackEnd.Dispose();
    }
}
