using System.Numerics;
using Teeceepee.Wire;

namespace Teeceepee.Dhcp;

/// <summary>
/// The DHCP client state machine (RFC 2131 §4.4, Figure 5), sans-I/O like the TCP Tcb: feed it
/// replies with <see cref="Process"/>, take what to send with <see cref="TryDispatch"/>, and call
/// again at <see cref="PollAt"/>. INIT → SELECTING (DISCOVER) → REQUESTING (REQUEST) → BOUND;
/// at T1 RENEWING (unicast REQUEST), at T2 REBINDING (broadcast REQUEST), at expiry the lease is
/// lost and the client starts over; a NAK starts over at once. Retransmissions back off
/// exponentially with jitter (§4.1). Not thread-safe: one owner drives it.
/// </summary>
public sealed class DhcpClient
{
    // What we ask the server for (option 55): mask, router, DNS, MTU, lease, T1, T2.
    private static readonly byte[] s_parameters = [1, 3, 6, 26, 51, 58, 59];

    private readonly MacAddress _mac;
    private readonly DhcpClientOptions _options;
    private readonly Random _random;
    private readonly byte[] _clientId;
    private DhcpOutgoing? _pending;
    private uint _xid;
    private Instant _exchangeStart;
    private Instant _nextSend = Instant.MaxValue;
    private Instant _requestSentAt;
    private int _attempt;
    private DhcpMessage _offer;
    private bool _leaseChanged;

    /// <summary>A client for the interface with MAC <paramref name="mac"/>; <paramref name="random"/> picks xids and jitter.</summary>
    public DhcpClient(MacAddress mac, DhcpClientOptions? options = null, Random? random = null)
    {
        _mac = mac;
        _options = options ?? new DhcpClientOptions();
        _random = random ?? new Random();
        _clientId = new byte[7];
        _clientId[0] = 1; // hardware type Ethernet, then the MAC (RFC 2132 §9.14)
        mac.WriteTo(_clientId.AsSpan(1));
    }

    /// <summary>Where the client is.</summary>
    public DhcpState State { get; private set; }

    /// <summary>The lease held (BOUND, RENEWING, REBINDING), else null.</summary>
    public DhcpLease? Lease { get; private set; }

    /// <summary>The transaction ID of the current exchange.</summary>
    public uint TransactionId => _xid;

    /// <summary>Replies ignored: another client's xid or MAC, an unexpected type for the state, a missing field.</summary>
    public long Ignored { get; private set; }

    /// <summary>Begins (or restarts) acquisition: the next dispatch is a DISCOVER.</summary>
    public void Start(Instant now) => Restart(now, "start");

    /// <summary>Stops: drops the lease (reported as a change) and sends nothing more.</summary>
    public void Stop()
    {
        if (Lease is not null)
        {
            Lease = null;
            _leaseChanged = true;
        }
        _pending = null;
        _nextSend = Instant.MaxValue;
        SetState(DhcpState.Stopped);
    }

    /// <summary>
    /// True once after the lease was acquired, renewed or lost; <paramref name="lease"/> is the new
    /// lease or null. The driver applies it to the stack.
    /// </summary>
    public bool TryTakeLeaseChange(out DhcpLease? lease)
    {
        lease = Lease;
        if (!_leaseChanged)
            return false;
        _leaseChanged = false;
        return true;
    }

    /// <summary>The next instant <see cref="TryDispatch"/> has work; <see cref="Instant.Zero"/> when a message waits.</summary>
    public Instant PollAt()
    {
        if (_pending is not null)
            return Instant.Zero;
        var at = _nextSend;
        if (Lease is { } lease)
        {
            at = State switch
            {
                DhcpState.Bound => Instant.Min(at, lease.RenewAt),
                DhcpState.Renewing => Instant.Min(at, lease.RebindAt),
                DhcpState.Rebinding => Instant.Min(at, lease.ExpiresAt),
                _ => at,
            };
        }
        return at;
    }

    /// <summary>Runs due timers and yields the next message to send, if any.</summary>
    public bool TryDispatch(Instant now, out DhcpOutgoing outgoing)
    {
        RunTimers(now);
        if (_pending is { } pending)
        {
            _pending = null;
            outgoing = pending;
            return true;
        }
        outgoing = default;
        return false;
    }

    /// <summary>Takes a reply from a server (already parsed); false when it was ignored.</summary>
    public bool Process(Instant now, in DhcpMessage message)
    {
        if (!message.IsReply || message.TransactionId != _xid || message.ClientHardwareAddress != _mac)
            return Ignore("not ours");
        switch (State, message.MessageType)
        {
            case (DhcpState.Selecting, DhcpMessageType.Offer):
                // §4.4.1: take the first acceptable offer and request it, same xid, broadcast.
                if (message.YourAddress.IsUnspecified || message.ServerIdentifier is null)
                    return Ignore("offer without address or server id");
                _offer = message;
                _attempt = 0;
                SetState(DhcpState.Requesting);
                SendSelectingRequest(now);
                return true;

            case (DhcpState.Requesting, DhcpMessageType.Ack):
                if (message.ServerIdentifier is { } id && id != _offer.ServerIdentifier)
                    return Ignore("ack from another server");
                return Bind(now, message, _offer.ServerIdentifier!.Value);

            case (DhcpState.Renewing or DhcpState.Rebinding, DhcpMessageType.Ack):
                return Bind(now, message, message.ServerIdentifier ?? Lease!.ServerIdentifier);

            case (DhcpState.Requesting or DhcpState.Renewing or DhcpState.Rebinding, DhcpMessageType.Nak):
                // §3.1 step 4 / §4.4.5: the address is not ours (any more): start over.
                if (State == DhcpState.Requesting && message.ServerIdentifier is { } nakId && nakId != _offer.ServerIdentifier)
                    return Ignore("nak from another server");
                Restart(now, "nak");
                return true;

            default:
                return Ignore($"{message.MessageType} in {State}");
        }
    }

    private bool Bind(Instant now, in DhcpMessage ack, IPv4Address server)
    {
        if (ack.YourAddress.IsUnspecified || ack.LeaseTime is not { } seconds)
            return Ignore("ack without address or lease time");
        var duration = seconds == uint.MaxValue ? TimeSpan.MaxValue : TimeSpan.FromSeconds(seconds);
        // §4.4.5 defaults: T1 = 0.5, T2 = 0.875 of the lease; keep T1 <= T2 <= lease.
        var t2 = ack.RebindingTime is { } r ? TimeSpan.FromSeconds(r) : duration == TimeSpan.MaxValue ? TimeSpan.MaxValue : duration * 0.875;
        var t1 = ack.RenewalTime is { } n ? TimeSpan.FromSeconds(n) : duration == TimeSpan.MaxValue ? TimeSpan.MaxValue : duration * 0.5;
        if (t2 > duration)
            t2 = duration;
        if (t1 > t2)
            t1 = t2;
        var mask = ack.SubnetMask ?? _offer.SubnetMask;
        Lease = new DhcpLease
        {
            Address = ack.YourAddress,
            PrefixLength = PrefixFromMask(mask),
            Router = ack.Routers is { Count: > 0 } routers ? routers[0] : null,
            DnsServers = ack.DnsServers ?? [],
            ServerIdentifier = server,
            Mtu = ack.InterfaceMtu,
            Start = _requestSentAt,
            Duration = duration,
            RenewalTime = t1,
            RebindingTime = t2,
        };
        _leaseChanged = true;
        _nextSend = Instant.MaxValue;
        _pending = null;
        SetState(DhcpState.Bound);
        Trace($"lease {Lease}");
        return true;
    }

    private void RunTimers(Instant now)
    {
        switch (State)
        {
            case DhcpState.Init:
                _xid = (uint)_random.NextInt64(0, 1L << 32);
                _exchangeStart = now;
                _attempt = 0;
                SetState(DhcpState.Selecting);
                SendDiscover(now);
                break;
            case DhcpState.Selecting when now >= _nextSend:
                _attempt++;
                SendDiscover(now);
                break;
            case DhcpState.Requesting when now >= _nextSend:
                if (++_attempt >= _options.RequestAttempts)
                {
                    Restart(now, "no ack");
                    RunTimers(now);
                    break;
                }
                SendSelectingRequest(now);
                break;
            case DhcpState.Bound when now >= Lease!.RenewAt:
                SetState(DhcpState.Renewing);
                _xid = (uint)_random.NextInt64(0, 1L << 32);
                _exchangeStart = now;
                SendRenewal(now, Lease.RebindAt, Lease.ServerIdentifier);
                break;
            case DhcpState.Renewing when now >= Lease!.RebindAt:
                SetState(DhcpState.Rebinding);
                SendRenewal(now, Lease.ExpiresAt, IPv4Address.Broadcast);
                break;
            case DhcpState.Renewing when now >= _nextSend:
                SendRenewal(now, Lease!.RebindAt, Lease.ServerIdentifier);
                break;
            case DhcpState.Rebinding when now >= Lease!.ExpiresAt:
                // §4.4.5: the lease expired: give up the address and start over.
                Restart(now, "lease expired");
                RunTimers(now);
                break;
            case DhcpState.Rebinding when now >= _nextSend:
                SendRenewal(now, Lease!.ExpiresAt, IPv4Address.Broadcast);
                break;
        }
    }

    private void Restart(Instant now, string why)
    {
        Trace($"restart ({why})");
        if (Lease is not null)
        {
            Lease = null;
            _leaseChanged = true;
        }
        _pending = null;
        _nextSend = now;
        SetState(DhcpState.Init);
    }

    private DhcpMessage Template(Instant now) => new()
    {
        TransactionId = _xid,
        Seconds = (ushort)Math.Min(ushort.MaxValue, (now - _exchangeStart).TotalSeconds),
        ClientHardwareAddress = _mac,
        ClientIdentifier = _clientId,
        ParameterRequestList = s_parameters,
        HostName = _options.HostName,
    };

    private void SendDiscover(Instant now)
    {
        // The broadcast flag: we cannot take unicast IP before we are configured (RFC 2131 §4.1).
        var discover = Template(now) with { MessageType = DhcpMessageType.Discover, Broadcast = true };
        _pending = new DhcpOutgoing(discover, IPv4Address.Broadcast);
        _nextSend = now + Backoff(_attempt);
    }

    private void SendSelectingRequest(Instant now)
    {
        var request = Template(now) with
        {
            MessageType = DhcpMessageType.Request,
            Broadcast = true,
            RequestedAddress = _offer.YourAddress,
            ServerIdentifier = _offer.ServerIdentifier,
        };
        _requestSentAt = now;
        _pending = new DhcpOutgoing(request, IPv4Address.Broadcast);
        _nextSend = now + Backoff(_attempt);
    }

    private void SendRenewal(Instant now, Instant deadline, IPv4Address destination)
    {
        // §4.3.2: RENEWING/REBINDING put our address in ciaddr, no server id, no requested address.
        var request = Template(now) with { MessageType = DhcpMessageType.Request, ClientAddress = Lease!.Address };
        _requestSentAt = now;
        _pending = new DhcpOutgoing(request, destination);
        // §4.4.5: wait half the time left to T2 (or expiry), but at least the minimum (60 s).
        var wait = TimeSpan.FromTicks((deadline - now).Ticks / 2);
        if (wait < _options.MinimumRenewRetransmit)
            wait = _options.MinimumRenewRetransmit;
        _nextSend = now + wait;
    }

    /// <summary>Initial × 2^attempt, capped, ± jitter (RFC 2131 §4.1).</summary>
    internal TimeSpan Backoff(int attempt)
    {
        var wait = _options.InitialRetransmit * Math.Pow(2, Math.Min(attempt, 16));
        if (wait > _options.MaxRetransmit)
            wait = _options.MaxRetransmit;
        var jitter = _options.Jitter;
        if (jitter > wait / 4)
            jitter = wait / 4;
        return wait + TimeSpan.FromTicks((long)((_random.NextDouble() * 2 - 1) * jitter.Ticks));
    }

    private static int PrefixFromMask(IPv4Address? mask)
    {
        if (mask is not { } m)
            return 24;
        uint value = m.Value;
        int ones = BitOperations.LeadingZeroCount(~value);
        // A non-contiguous mask is not a prefix; fall back to the ones it starts with.
        return ones;
    }

    private bool Ignore(string why)
    {
        Ignored++;
        Trace($"ignored reply: {why}");
        return false;
    }

    private void SetState(DhcpState state)
    {
        if (state == State)
            return;
        Trace($"{State}=>{state}");
        State = state;
    }

    private void Trace(string message) => _options.Trace?.Invoke($"dhcp: {message}");
}
