using System.Buffers;
using System.Net.Sockets;
using Teeceepee.Links;
using Teeceepee.Wire;

namespace Teeceepee.Stack;

public sealed partial class NetworkStack
{
    private void ProcessArp(Instant now, ReadOnlySpan<byte> payload)
    {
        if (!ArpPacket.TryParse(payload, out var packet, out var error) || !ArpRepr.TryParse(packet, out var arp, out error))
        {
            Drop((DropReason)error, "arp");
            return;
        }
        if (arp.Operation == ArpOperation.Request)
            _counters.ArpRequestsIn++;
        else
            _counters.ArpRepliesIn++;

        var sender = arp.SenderProtocolAddress;
        if (sender == Address && !Address.IsUnspecified)
        {
            // Someone else claims our address (RFC 5227 §2.4 calls it a conflict); never learn it.
            Drop(DropReason.ArpAddressConflict, "arp", arp.SenderHardwareAddress);
            return;
        }

        bool forUs = arp.TargetProtocolAddress == Address && !Address.IsUnspecified;
        // RFC 826 merge: refresh a mapping we already have from any ARP packet, and add the
        // sender's only when the packet is aimed at us. A probe (sender 0.0.0.0, RFC 5227) teaches nothing.
        if (!sender.IsUnspecified && arp.SenderHardwareAddress.IsUnicast)
        {
            var entry = _arp.Update(now, sender, arp.SenderHardwareAddress, create: forUs);
            if (entry is not null)
            {
                if (IsTracing && entry.QueuedCount > 0)
                    Trace($"arp resolved {sender} is-at {arp.SenderHardwareAddress}, sending {entry.QueuedCount} queued");
                FlushArpQueue(now, entry);
            }
        }

        if (!forUs)
        {
            Drop(DropReason.ArpNotForUs, "arp", arp.TargetProtocolAddress);
            return;
        }
        if (arp.Operation != ArpOperation.Request)
            return;

        var reply = new ArpRepr
        {
            Operation = ArpOperation.Reply,
            SenderHardwareAddress = HardwareAddress,
            SenderProtocolAddress = Address,
            TargetHardwareAddress = arp.SenderHardwareAddress,
            TargetProtocolAddress = sender,
        };
        SendArp(now, reply, arp.SenderHardwareAddress);
        _counters.ArpRepliesOut++;
    }

    /// <inheritdoc />
    void IArpHost.SendArpRequest(Instant now, IPv4Address address, MacAddress destination) => SendArpRequest(now, address, destination);

    /// <inheritdoc />
    void IArpHost.OnResolutionFailed(Instant now, IPv4Address address, int droppedFrames)
    {
        for (int i = 0; i < droppedFrames; i++)
            Drop(DropReason.ArpResolutionFailed, "arp", address);
        if (IsTracing)
            Trace($"arp {address} did not answer");
        // RFC 1122 §2.3.2.2: report the failure to whoever is waiting on that next hop.
        FailPingsVia(now, address);
        foreach (var endpoint in _udp.Endpoints)
        {
            if (endpoint.IsConnected && endpoint.RemoteAddress.IsIPv4 && TryRoute(endpoint.RemoteAddress.V4, out var hop) && hop == address)
                endpoint.ReportError(SocketError.HostUnreachable);
        }
        _tcp.OnPathFailed(now, remote => remote.IsIPv4 && TryRoute(remote.V4, out var nextHop) && nextHop == address);
    }

    private void SendArpRequest(Instant now, IPv4Address address, MacAddress destination)
    {
        var request = new ArpRepr
        {
            Operation = ArpOperation.Request,
            SenderHardwareAddress = HardwareAddress,
            SenderProtocolAddress = Address,
            TargetHardwareAddress = MacAddress.Zero,
            TargetProtocolAddress = address,
        };
        SendArp(now, request, destination);
        _counters.ArpRequestsOut++;
        if (IsTracing)
            Trace(address == Address ? $"arp announce {Address} is-at {HardwareAddress}" : $"arp who-has {address} tell {Address}");
    }

    private void SendArp(Instant now, in ArpRepr arp, MacAddress destination)
    {
        // Its own buffer: requests go out while an IP frame is being built in _tx or _fragment.
        var frame = _arpFrame.AsSpan();
        new EthernetRepr(HardwareAddress, destination, EtherType.Arp).Emit(frame);
        arp.Emit(frame[EthernetRepr.HeaderLength..]);
        Transmit(now, frame);
    }

    private void FlushArpQueue(Instant now, ArpEntry entry)
    {
        while (entry.TryDequeue(out var pending))
        {
            var frame = pending.Buffer.AsSpan(0, pending.Length);
            entry.HardwareAddress.WriteTo(frame);
            Transmit(now, frame, pending.Offload);
            ArrayPool<byte>.Shared.Return(pending.Buffer);
        }
    }

    /// <summary>
    /// Sends an IPv4 packet (at <paramref name="frame"/>[link header..]) to <paramref name="nextHop"/>:
    /// fills in the Ethernet header when the neighbour is known, else queues the frame while ARP resolves.
    /// </summary>
    private void TransmitToNeighbour(Instant now, IPv4Address nextHop, Span<byte> frame) => TransmitToNeighbour(now, nextHop, frame, LinkOffload.None);

    /// <summary>As above, with the frame's offload request (kept with the frame while ARP resolves).</summary>
    private void TransmitToNeighbour(Instant now, IPv4Address nextHop, Span<byte> frame, in LinkOffload offload)
    {
        if (Medium != Links.LinkMedium.Ethernet)
        {
            Transmit(now, frame, offload);
            return;
        }
        MacAddress destination;
        if (nextHop.IsBroadcast || nextHop == SubnetBroadcast)
            destination = MacAddress.Broadcast;
        else if (!_arp.TryLookup(now, nextHop, this, out destination))
        {
            new EthernetRepr(HardwareAddress, MacAddress.Zero, EtherType.IPv4).Emit(frame);
            var entry = _arp.BeginResolve(now, nextHop, this);
            if (entry is null)
            {
                Drop(DropReason.ArpCacheFull, "arp", nextHop);
                return;
            }
            MaterializeGather(); // the queue keeps a copy of the whole frame
            if (entry.Enqueue(frame, offload))
                Drop(DropReason.ArpQueueOverflow, "arp", nextHop);
            return;
        }
        new EthernetRepr(HardwareAddress, destination, EtherType.IPv4).Emit(frame);
        Transmit(now, frame, offload);
    }

    private void Transmit(Instant now, ReadOnlySpan<byte> frame) => Transmit(now, frame, LinkOffload.None);

    private void Transmit(Instant now, ReadOnlySpan<byte> frame, in LinkOffload offload)
    {
        bool sent = IsGatheredFrame(frame)
            ? _link.TrySend(now, new LinkFrame(frame[.._gatherAt], _gather.Span, _gather2.Span, offload)) // headers + ring slices
            : _link.TrySend(now, new LinkFrame(frame, offload));
        if (!sent)
        {
            Drop(DropReason.LinkSendFailed, "link");
            return;
        }
        _counters.FramesOut++;
        _counters.BytesOut += frame.Length;
    }
}
