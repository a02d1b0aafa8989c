using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.AspNetCore;

/// <summary>
/// A Kestrel transport whose listeners are <see cref="Sockets.TcpConnectionListener"/>s on a <see cref="NetworkStack"/>,
/// or <see cref="Sockets.TcpGroupListener"/>s on every loop of a <see cref="NetworkStackGroup"/> (each connection's I/O
/// then runs on the loop that accepted it).
/// </summary>
/// <remarks>
/// The transport claims every endpoint Kestrel is given (<see cref="CanBind"/> is always true), so
/// none falls back to Kestrel's socket transport on the host kernel; <see cref="Map"/> says what each
/// endpoint becomes on the stack, and <see cref="BindAsync"/> refuses the ones the stack cannot serve
/// with a <see cref="NotSupportedException"/> that says why. The IPv6 wildcard [::] (Kestrel's
/// <c>ListenAnyIP</c>, <c>*</c> and <c>+</c>) is one dual-stack listener when the stack speaks IPv6
/// (IPv4 peers appear as IPv4-mapped addresses, as on Kestrel's socket transport), else 0.0.0.0.
/// </remarks>
public sealed class TeeceepeeTransportFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector, IDisposable
{
    private readonly NetworkStack _stack;
    private readonly NetworkStackGroup? _group;
    private readonly TeeceepeeTransportOptions _options;
    private readonly MemoryPool<byte> _pool;
    private readonly OutputBlockPool _outputPool = new();
    private readonly List<TeeceepeeConnectionListener> _listeners = [];

    /// <summary>
    /// Creates the factory; the input pipes' blocks come from <paramref name="pool"/> (default: <see cref="MemoryPool{T}.Shared"/>),
    /// the output pipes' from the transport's own pool of 64 KiB blocks.
    /// </summary>
    public TeeceepeeTransportFactory(NetworkStack stack, TeeceepeeTransportOptions? options = null, MemoryPool<byte>? pool = null)
    {
        ArgumentNullException.ThrowIfNull(stack);
        _stack = stack;
        _options = options ?? new TeeceepeeTransportOptions();
        _pool = pool ?? MemoryPool<byte>.Shared;
    }

    /// <summary>Creates the factory for every loop of <paramref name="group"/>: each endpoint is listened on by all loops, like <c>SO_REUSEPORT</c>.</summary>
    public TeeceepeeTransportFactory(NetworkStackGroup group, TeeceepeeTransportOptions? options = null, MemoryPool<byte>? pool = null)
        : this((group ?? throw new ArgumentNullException(nameof(group))).Primary, options, pool)
    {
        _group = group;
    }

    /// <summary>Connections accepted so far by each loop (loop 0 first; one entry without a group), over every bound endpoint.</summary>
    public IReadOnlyList<long> AcceptedPerLoop
    {
        get
        {
            var total = new long[_group?.Count ?? 1];
            lock (_listeners)
            {
                foreach (var listener in _listeners)
                {
                    var perLoop = listener.AcceptedPerLoop;
                    for (int i = 0; i < perLoop.Count && i < total.Length; i++)
                        total[i] += perLoop[i];
                }
            }
            return total;
        }
    }

    /// <summary>Always true: every endpoint is either served by the stack or refused by <see cref="BindAsync"/>, never handed to kernel sockets.</summary>
    public bool CanBind(EndPoint endpoint) => true;

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">The stack cannot serve <paramref name="endpoint"/> (the message says why).</exception>
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var local = Map(_stack, endpoint, out string? reason)
            ?? throw new NotSupportedException($"The Teeceepee transport cannot listen on {endpoint}: {reason}.");
        var listener = _group is null
            ? new TeeceepeeConnectionListener(_stack, local, _options, _pool, _outputPool)
            : new TeeceepeeConnectionListener(_group, local, _options, _pool, _outputPool);
        lock (_listeners)
            _listeners.Add(listener);
        return ValueTask.FromResult<IConnectionListener>(listener);
    }

    /// <summary>Stops the output pool's trimming and lets its blocks go.</summary>
    public void Dispose() => _outputPool.Dispose();

    /// <summary>
    /// The stack endpoint Kestrel's <paramref name="endpoint"/> is served on, or null with the reason the stack
    /// cannot serve it: [::] is all of the stack's addresses of both families when it speaks IPv6 (else 0.0.0.0);
    /// 0.0.0.0, the stack's IPv4 address and its IPv6 addresses are themselves (an IPv4-mapped IPv6 address is
    /// its IPv4 address); loopback, other addresses, IPv6 on a stack without it and non-IP endpoints are refused.
    /// </summary>
    public static IPEndPoint? Map(NetworkStack stack, EndPoint endpoint, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(endpoint);
        reason = null;
        if (endpoint is not IPEndPoint ip || ip.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            reason = "the stack serves TCP over IPv4 and IPv6 only (no Unix sockets or file handles)";
            return null;
        }
        var address = ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address;
        bool ipv6 = stack.IsIPv6Enabled;
        string hint = ListenHint(stack);
        if (address.Equals(IPAddress.IPv6Any))
            return new IPEndPoint(ipv6 ? IPAddress.IPv6Any : IPAddress.Any, ip.Port);
        if (IPAddress.IsLoopback(address))
        {
            reason = $"the stack has no loopback interface (localhost would not be private on it); {hint}";
            return null;
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (!ipv6)
            {
                reason = $"IPv6 is not enabled on the stack (give it an IPv6 address or SLAAC); {hint}";
                return null;
            }
            var v6 = IPv6Address.FromIPAddress(address);
            foreach (var own in stack.IPv6Addresses)
            {
                if (own.Address.Address == v6 && own.State != IPv6AddressState.Duplicate)
                    return new IPEndPoint(address, ip.Port);
            }
            reason = $"{address} is not one of the stack's IPv6 addresses; {hint}";
            return null;
        }
        var v4 = IPv4Address.FromIPAddress(address);
        if (!v4.IsUnspecified && v4 != stack.Address)
        {
            reason = $"{address} is not the stack's address ({(stack.Address.IsUnspecified ? "none yet" : stack.Address.ToString())}); {hint}";
            return null;
        }
        return new IPEndPoint(address, ip.Port);
    }

    private static string ListenHint(NetworkStack stack)
    {
        var own = new List<string>();
        if (!stack.Address.IsUnspecified)
            own.Add(stack.Address.ToString());
        foreach (var a in stack.IPv6Addresses)
        {
            if (a.State != IPv6AddressState.Duplicate && !a.Address.Address.IsLinkLocal)
                own.Add($"[{a.Address.Address}]");
        }
        string any = stack.IsIPv6Enabled ? "[::] (both families) or 0.0.0.0" : "0.0.0.0";
        return own.Count == 0 ? $"listen on {any}" : $"listen on {any} or on an address of the stack ({string.Join(", ", own)})";
    }
}
