using Teeceepee.Dns;
using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

/// <summary>
/// Router discovery and SLAAC on virtual time against a hand-driven router (<see cref="Ipv6Peer"/>): router
/// solicitations and their retransmissions (RFC 4861 §6.3.7), an address per advertised /64 with a stable identifier
/// (RFC 7217) and its lifetimes (RFC 4862 §5.5.3: preferred, deprecated, removed), the default router, RDNSS (RFC 8106).
/// </summary>
public class SlaacSimulationTests
{
    private static readonly IPv6Address Prefix = IPv6Address.Parse("fd00:6:5::");
    private static readonly IPv6Address DnsServer = IPv6Address.Parse("fd00:6:5::53");

    private static Ipv6Peer Create() => new(o => o with { Slaac = true }, staticAddress: false);

    private static byte[] Advertisement(uint valid, uint preferred, uint rdnssLifetime = 600, ushort routerLifetime = 1800) =>
        Ipv6Peer.Ndp(new NdpRepr
        {
            Type = Icmpv6Type.RouterAdvertisement,
            CurrentHopLimit = 64,
            RouterLifetime = routerLifetime,
            SourceLinkLayerAddress = RawPeer.PeerMac,
            Prefix = new NdpPrefixInformation(64, OnLink: true, Autonomous: true, valid, preferred, Prefix),
            PrefixCount = 1,
            Rdnss = new NdpRdnss(rdnssLifetime, DnsServer),
        }, Ipv6Peer.PeerLinkLocal, IPv6Address.AllNodes);

    private static int RouterSolicitations(List<byte[]> packets) =>
        packets.Count(p => Ipv6Peer.Icmpv6(p) is { Type: Icmpv6Type.RouterSolicitation });

    [Fact]
    public async Task Start_NoRouterAnswers_ThreeSolicitations_FourSecondsApart_ThenSilence()
    {
        await using var peer = Create();
        var sent = new List<(TimeSpan At, byte[] Packet)>();
        for (int ms = 0; ms <= 20_000; ms += 100)
        {
            peer.Raw.Advance(TimeSpan.FromMilliseconds(ms == 0 ? 0 : 100));
            foreach (var p in peer.ReceivedPackets())
                sent.Add((TimeSpan.FromMilliseconds(ms), p));
        }
        var solicitations = sent.Where(s => Ipv6Peer.Icmpv6(s.Packet) is { Type: Icmpv6Type.RouterSolicitation }).ToList();

        // RFC 4861 §6.3.7: MAX_RTR_SOLICITATIONS (3), RTR_SOLICITATION_INTERVAL (4 s) apart once the link-local
        // address may be used (the first, from ::, goes before DAD ends), to all-routers.
        Assert.Equal(3, solicitations.Count);
        Assert.All(solicitations, s => Assert.Equal(IPv6Address.AllRouters, IPv6Address.Read(s.Packet.AsSpan(IPv6Packet.Field.Destination))));
        Assert.Equal(TimeSpan.FromSeconds(4), solicitations[2].At - solicitations[1].At);
        Assert.True(IPv6Address.Read(solicitations[2].Packet.AsSpan(IPv6Packet.Field.Source)).IsLinkLocal);
        Assert.Equal(3, peer.Stack.Stats.Icmpv6Out[(byte)Icmpv6Type.RouterSolicitation]);
        Assert.Null(peer.Stack.IPv6Gateway);
    }

    /// <summary>The times of the router solicitations a stack seeded with <paramref name="seed"/> sends in its first 10 s (1 ms steps).</summary>
    private static async Task<List<TimeSpan>> SolicitationTimes(int seed)
    {
        // No DAD: the link-local address is usable at once, so every solicitation follows the §6.3.7 schedule.
        await using var peer = new Ipv6Peer(o => o with { Slaac = true, Seed = seed }, dad: false, staticAddress: false);
        var times = new List<TimeSpan>();
        for (int ms = 0; ms <= 10_000; ms++)
        {
            peer.Raw.Advance(TimeSpan.FromMilliseconds(ms == 0 ? 0 : 1));
            foreach (var p in peer.ReceivedPackets())
            {
                if (Ipv6Peer.Icmpv6(p) is { Type: Icmpv6Type.RouterSolicitation })
                    times.Add(TimeSpan.FromMilliseconds(ms));
            }
        }
        return times;
    }

    [Fact]
    public async Task Start_FirstSolicitation_WaitsARandomDelayOfAtMostOneSecond_ThenFourSecondsApart()
    {
        var firsts = new List<TimeSpan>();
        for (int seed = 1; seed <= 6; seed++)
        {
            var times = await SolicitationTimes(seed);
            // RFC 4861 §6.3.7: a random delay in [0, MAX_RTR_SOLICITATION_DELAY = 1 s] before the first, then
            // RTR_SOLICITATION_INTERVAL (4 s) between them, MAX_RTR_SOLICITATIONS (3) in all.
            Assert.Equal(3, times.Count);
            Assert.InRange(times[0], TimeSpan.Zero, TimeSpan.FromSeconds(1));
            Assert.Equal(TimeSpan.FromSeconds(4), times[1] - times[0]);
            Assert.Equal(TimeSpan.FromSeconds(4), times[2] - times[1]);
            firsts.Add(times[0]);
        }
        Assert.True(firsts.Distinct().Count() >= 4, string.Join(", ", firsts)); // random, not one fixed delay
        Assert.Equal(firsts[2], (await SolicitationTimes(3))[0]); // and reproducible from the seed
    }

    [Fact]
    public async Task Advertisement_FormsStableAddress_LearnsRouterAndRdnss_ThenDeprecatesAndRemovesIt()
    {
        await using var peer = Create();
        peer.Start();
        peer.Send(Advertisement(valid: 600, preferred: 300));
        peer.Raw.Advance(TimeSpan.FromSeconds(2)); // DAD of the new address

        var slaac = peer.Stack.IPv6Addresses.Single(a => a.Origin == IPv6AddressOrigin.Slaac);
        var address = slaac.Address.Address;
        Assert.Equal(IPv6AddressState.Preferred, slaac.State);
        Assert.True(address.IsInSameSubnet(Prefix, 64));
        // RFC 7217: not the modified EUI-64 of the MAC (02:00:00:00:00:02 would give ::ff:fe00:2 behind 00:00:00).
        Assert.NotEqual(0x0000_00FF_FE00_0002UL, address.Low);
        Assert.Equal(Ipv6Peer.PeerLinkLocal, peer.Stack.IPv6Gateway);
        Assert.Equal([DnsServer], peer.Stack.IPv6DnsServers);
        Assert.Contains(DnsServer.ToIPAddress(), new DnsResolver(peer.Stack).EffectiveServers);
        Assert.Equal(0, RouterSolicitations(peer.ReceivedPackets())); // the advertisement ended the solicitations

        // The same identifier every time for this prefix and interface (stable, not random).
        await using (var again = Create())
        {
            again.Start();
            again.Send(Advertisement(valid: 600, preferred: 300));
            Assert.Equal(address, again.Stack.IPv6Addresses.Single(a => a.Origin == IPv6AddressOrigin.Slaac).Address.Address);
        }

        peer.Raw.Advance(TimeSpan.FromSeconds(299)); // 301 s after the advertisement
        var deprecated = peer.Stack.IPv6Addresses.Single(a => a.Origin == IPv6AddressOrigin.Slaac);
        Assert.Equal(IPv6AddressState.Deprecated, deprecated.State);
        Assert.True(peer.Stack.IsOurIPv6Address(address)); // still ours for existing traffic (RFC 4862 §5.5.4)

        peer.Raw.Advance(TimeSpan.FromSeconds(300)); // 601 s
        Assert.DoesNotContain(peer.Stack.IPv6Addresses, a => a.Origin == IPv6AddressOrigin.Slaac);
        Assert.False(peer.Stack.IsOurIPv6Address(address));
        Assert.Empty(peer.Stack.IPv6DnsServers); // RFC 8106 §5.3.1: its lifetime ended too
        Assert.Empty(new DnsResolver(peer.Stack).EffectiveServers);
    }

    [Theory]
    [InlineData(300u)] // deprecated when its preferred lifetime runs out
    [InlineData(0u)]   // deprecated at once by an advertisement (found by fuzzing: a busy loop)
    public async Task DeprecatedAddress_NextTimerIsItsValidLifetime_NotAPastDeadline(uint preferred)
    {
        await using var peer = Create();
        peer.Start();
        peer.Send(Advertisement(valid: 600, preferred: 300));
        peer.Raw.Advance(TimeSpan.FromSeconds(2));
        if (preferred == 0)
            peer.Send(Advertisement(valid: 600, preferred: 0));
        peer.Raw.Advance(TimeSpan.FromSeconds(preferred == 0 ? 1 : 299));
        Assert.Equal(IPv6AddressState.Deprecated, peer.Stack.IPv6Addresses.Single(a => a.Origin == IPv6AddressOrigin.Slaac).State);

        // Nothing is due after a poll: a deadline left at the deprecation instant would make the loop spin.
        var next = peer.Stack.PollAt();
        Assert.True(next > peer.Raw.Now, $"the stack asks to be polled at {next}, now is {peer.Raw.Now}");
    }

    [Fact]
    public async Task Advertisement_ShortValidLifetimeForAnAddressWithMoreThanTwoHours_IsCutToTwoHoursOnly()
    {
        await using var peer = Create();
        peer.Start();
        peer.Send(Advertisement(valid: NdpPrefixInformation.Infinite, preferred: NdpPrefixInformation.Infinite));
        peer.Raw.Advance(TimeSpan.FromSeconds(2));
        // RFC 4862 §5.5.3 (e): an unauthenticated advertisement cannot end the address sooner than in two hours.
        peer.Send(Advertisement(valid: 10, preferred: 10));
        peer.Raw.Advance(TimeSpan.FromMinutes(30));
        var address = peer.Stack.IPv6Addresses.Single(a => a.Origin == IPv6AddressOrigin.Slaac);
        Assert.Equal(IPv6AddressState.Deprecated, address.State);
        peer.Raw.Advance(TimeSpan.FromMinutes(91));
        Assert.DoesNotContain(peer.Stack.IPv6Addresses, a => a.Origin == IPv6AddressOrigin.Slaac);
    }

    [Fact]
    public async Task Advertisement_RdnssLifetimeZero_WithdrawsTheServers()
    {
        await using var peer = Create();
        peer.Start();
        peer.Send(Advertisement(valid: 600, preferred: 300));
        Assert.Equal([DnsServer], peer.Stack.IPv6DnsServers);
        peer.Send(Advertisement(valid: 600, preferred: 300, rdnssLifetime: 0));
        Assert.Empty(peer.Stack.IPv6DnsServers);
    }
}
