using System.Diagnostics;
using System.Net;
using Teeceepee.Cli.Options;
using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.Cli.Network;

/// <summary>The IPv6 side of the stack network: configuration, waiting for DAD and SLAAC, ping -6.</summary>
internal sealed partial class TeeceepeeNetwork
{
    /// <summary>
    /// The IPv6 part of the stack's configuration: a static address (<c>--ip 2001:db8::2/64</c>), SLAAC and the
    /// IPv6 router (<c>--gateway</c> with an IPv6 address, or BENCH_GW6).
    /// </summary>
    private static NetworkStackOptions WithIPv6(NetworkStackOptions stackOptions, LinkOptions options)
    {
        if (!options.HasIPv6 && options.Gateway6 is null)
            return stackOptions;
        return stackOptions with
        {
            IPv6 = true,
            IPv6Addresses = options.Address6 is null ? [] : [new IPv6AddressPrefix(IPv6Address.FromIPAddress(options.Address6), options.PrefixLength6)],
            IPv6Gateway = options.Gateway6 is null ? null : IPv6Address.FromIPAddress(options.Gateway6),
            Slaac = options.Slaac,
        };
    }

    /// <summary>How long a command waits for duplicate address detection on its static IPv6 address.</summary>
    internal static TimeSpan DadTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Waits until duplicate address detection (RFC 4862 §5.4) has finished on the static IPv6 address: a tentative
    /// address is no source (§5.4 "not assigned"), so a command that ran at once would find IPv6 unreachable.
    /// </summary>
    private async Task WaitForIPv6Async(IPAddress address, CancellationToken cancellationToken)
    {
        var wanted = IPv6Address.FromIPAddress(address);
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        while (true)
        {
            IPv6AddressState? state = null;
            foreach (var a in _stack.IPv6Addresses)
            {
                if (a.Address.Address == wanted)
                    state = a.State;
            }
            if (state == IPv6AddressState.Duplicate)
                throw new CliException($"IPv6 address {address} is already in use on {_deviceName} (duplicate address detection)");
            if (state is IPv6AddressState.Preferred or IPv6AddressState.Deprecated)
                return;
            if (System.Diagnostics.Stopwatch.GetElapsedTime(start) > DadTimeout)
                throw new CliException($"IPv6 address {address} on {_deviceName} did not finish duplicate address detection within {DadTimeout.TotalSeconds:0} s");
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>How long --slaac waits for a router advertisement and the address it brings (RS at 0, ~1 and ~5 s).</summary>
    internal static TimeSpan SlaacTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// --slaac: waits until a router advertisement arrived (the stack solicits one and repeats, RFC 4861 §6.3.7) and the
    /// address it made has passed duplicate address detection, so the command starts with a usable global source.
    /// Fails with one sentence when no advertisement came, when none offered a prefix, or when the address is taken.
    /// </summary>
    private async Task WaitForSlaacAsync(CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        while (true)
        {
            IPv6AddressInfo? slaac = null;
            foreach (var a in _stack.IPv6Addresses)
            {
                if (a.Origin == IPv6AddressOrigin.Slaac && (slaac is null || a.State is IPv6AddressState.Preferred))
                    slaac = a;
            }
            if (slaac is { State: IPv6AddressState.Preferred or IPv6AddressState.Deprecated } ready)
            {
                _trace?.WriteLine($"{_deviceName}: slaac {ready.Address} router {_stack.IPv6Gateway?.ToString() ?? "none"}"
                    + (_stack.IPv6DnsServers.Count > 0 ? $" dns {string.Join(' ', _stack.IPv6DnsServers)}" : ""));
                return;
            }
            if (slaac is { State: IPv6AddressState.Duplicate } taken)
                throw new CliException($"the SLAAC address {taken.Address.Address} is already in use on {_deviceName} (duplicate address detection)");
            if (Stopwatch.GetElapsedTime(start) > SlaacTimeout)
            {
                var stats = _stack.Stats;
                long advertisements = stats.Icmpv6In[(byte)Icmpv6Type.RouterAdvertisement];
                long solicitations = stats.Icmpv6Out[(byte)Icmpv6Type.RouterSolicitation];
                throw new CliException(advertisements == 0
                    ? $"no IPv6 router advertisement within {SlaacTimeout.TotalSeconds:0} s on {_deviceName} ({solicitations} router solicitations sent)"
                    : $"the router advertisements on {_deviceName} offered no prefix for SLAAC (an autonomous /64) within {SlaacTimeout.TotalSeconds:0} s");
            }
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>ICMPv6 echo over the stack's IPv6 host (ping -6 output: "Destination unreachable: Address unreachable" and the like).</summary>
    private async ValueTask<EchoResult> PingV6Async(IPAddress destination, int payloadSize, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
            timeout = NoPingTimeout;
        var target = IPv6Address.FromIPAddress(destination);
        var reply = await _stack.PingAsync(target, payloadSize, timeout, cancellationToken).ConfigureAwait(false);
        // A failure the stack found itself (no neighbour answer, no source or route) names our own address, as ping -6 does.
        string from = reply.Address.IsUnspecified || reply.Address == (NetAddress)target
            ? OwnIPv6Address(target.IsLinkLocal)
            : reply.Address.ToString();
        return reply.Status switch
        {
            PingStatus.Success => EchoResult.Reply(reply.TimeToLive, reply.DataSize + 8, reply.RoundTripTime),
            PingStatus.TimedOut => EchoResult.TimedOut,
            PingStatus.HostUnreachable => new EchoResult(false, 0, 0, reply.RoundTripTime, "Destination unreachable: Address unreachable", from),
            PingStatus.NetworkUnreachable => new EchoResult(false, 0, 0, reply.RoundTripTime, "Destination unreachable: No route", from),
            PingStatus.TimeExceeded => new EchoResult(false, 0, 0, reply.RoundTripTime, "Time exceeded: Hop limit", from),
            PingStatus.PacketTooBig => new EchoResult(false, 0, 0, reply.RoundTripTime, "Packet too big", from),
            _ => new EchoResult(false, 0, 0, reply.RoundTripTime, "Destination unreachable", from),
        };
    }

    // Our address of the destination's scope (link-local or global), for the "From" of ping -6's error lines.
    private string OwnIPv6Address(bool linkLocal)
    {
        string any = "::";
        foreach (var a in _stack.IPv6Addresses)
        {
            if (a.State == IPv6AddressState.Duplicate)
                continue;
            if (a.Address.Address.IsLinkLocal == linkLocal)
                return a.Address.Address.ToString();
            any = a.Address.Address.ToString();
        }
        return any;
    }
}
