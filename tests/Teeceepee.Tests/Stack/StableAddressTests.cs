using System.Text;
using Teeceepee.Stack;
using Teeceepee.Stack.Ndp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

/// <summary>
/// RFC 7217 stable identifiers: F(Prefix, Net_Iface, DAD_Counter, secret_key) with a secret that is the same on every
/// start of the host (derived from its machine ID, <see cref="HostStableSecret"/>), so two stacks on the same interface
/// and prefix form the same address, another prefix or interface another one, and a duplicate moves to the next
/// DAD_Counter (§6).
/// </summary>
public class StableAddressTests
{
    private static readonly IPv6Address Prefix = IPv6Address.Parse("fd00:7:217::");
    private static readonly IPv6Address OtherPrefix = IPv6Address.Parse("fd00:7:218::");
    private static readonly byte[] Secret = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    private static byte[] Advertisement(IPv6Address prefix) => Ipv6Peer.Ndp(new NdpRepr
    {
        Type = Icmpv6Type.RouterAdvertisement,
        CurrentHopLimit = 64,
        RouterLifetime = 1800,
        SourceLinkLayerAddress = RawPeer.PeerMac,
        Prefix = new NdpPrefixInformation(64, OnLink: true, Autonomous: true, 3600, 1800, prefix),
        PrefixCount = 1,
    }, Ipv6Peer.PeerLinkLocal, IPv6Address.AllNodes);

    /// <summary>A SLAAC stack on an interface called <paramref name="interfaceName"/> with its own seed (so its own MAC), after an RA for <paramref name="prefix"/>.</summary>
    private static async Task<(IPv6Address LinkLocal, IPv6Address Slaac)> AddressesOf(string? interfaceName, IPv6Address prefix, int seed, byte[]? secret = null)
    {
        await using var peer = new Ipv6Peer(o => o with { Slaac = true, Seed = seed, HardwareAddress = null, StableSecret = secret },
            staticAddress: false, interfaceName: interfaceName);
        peer.Start();
        peer.Send(Advertisement(prefix));
        var addresses = peer.Stack.IPv6Addresses;
        return (addresses.Single(a => a.Origin == IPv6AddressOrigin.LinkLocal).Address.Address,
            addresses.Single(a => a.Origin == IPv6AddressOrigin.Slaac).Address.Address);
    }

    [Fact]
    public void StableInterfaceId_SameInputs_SameIdentifier_AnyInputChanged_AnotherOne()
    {
        var iface = Encoding.UTF8.GetBytes("tap0");
        var address = StableInterfaceId.Create(Prefix, iface, 0, Secret);
        Assert.Equal(address, StableInterfaceId.Create(Prefix, iface, 0, Secret));
        Assert.True(address.IsInSameSubnet(Prefix, 64));

        var others = new[]
        {
            StableInterfaceId.Create(OtherPrefix, iface, 0, Secret).Low,
            StableInterfaceId.Create(Prefix, Encoding.UTF8.GetBytes("tap1"), 0, Secret).Low,
            StableInterfaceId.Create(Prefix, iface, 1, Secret).Low,
            StableInterfaceId.Create(Prefix, iface, 0, Secret.Reverse().ToArray()).Low,
        };
        Assert.DoesNotContain(address.Low, others);
        Assert.Equal(others.Length, others.Distinct().Count());
    }

    [Fact]
    public void HostSecret_SameMachineId_SameKey_AnotherId_AnotherKey_NeverTheIdItself()
    {
        string dir = Directory.CreateTempSubdirectory("teeceepee-machine-id-").FullName;
        try
        {
            string a = Path.Combine(dir, "a"), b = Path.Combine(dir, "b"), missing = Path.Combine(dir, "missing");
            File.WriteAllText(a, "0123456789abcdef0123456789abcdef\n");
            File.WriteAllText(b, "fedcba9876543210fedcba9876543210\n");

            var key = HostStableSecret.Load([missing, a]);
            Assert.NotNull(key);
            Assert.Equal(32, key.Length);
            Assert.Equal(key, HostStableSecret.Load([a]));
            Assert.NotEqual(key, HostStableSecret.Load([b]));
            Assert.False(key.AsSpan().IndexOf("0123456789abcdef"u8) >= 0);
            Assert.Null(HostStableSecret.Load([missing]));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task TwoStacks_SameInterfaceAndPrefix_DefaultSecret_FormTheSameAddresses_AcrossStarts()
    {
        if (HostStableSecret.Value is null)
            return; // a host without a machine ID has no stable default (documented); nothing to compare
        // Different seeds: different MACs and random choices; the interface name and the host's key are what count.
        var first = await AddressesOf("tap7", Prefix, seed: 1);
        var second = await AddressesOf("tap7", Prefix, seed: 2);
        Assert.Equal(first, second);
    }

    [Fact]
    public async Task AnotherPrefixOrInterface_FormsAnotherAddress()
    {
        var first = await AddressesOf("tap7", Prefix, seed: 1, Secret);
        var otherPrefix = await AddressesOf("tap7", OtherPrefix, seed: 1, Secret);
        var otherInterface = await AddressesOf("tap8", Prefix, seed: 1, Secret);

        Assert.Equal(first.LinkLocal, otherPrefix.LinkLocal);
        Assert.NotEqual(first.Slaac.Low, otherPrefix.Slaac.Low);
        Assert.NotEqual(first.LinkLocal, otherInterface.LinkLocal);
        Assert.NotEqual(first.Slaac, otherInterface.Slaac);
        // The configured secret overrides the host's: another key, other addresses for the same interface.
        var otherKey = await AddressesOf("tap7", Prefix, seed: 1, Secret.Reverse().ToArray());
        Assert.NotEqual(first.Slaac, otherKey.Slaac);
    }

    [Fact]
    public async Task SlaacAddress_DuplicateFound_MovesToTheNextDadCounter_WhichIsAssigned()
    {
        await using var peer = new Ipv6Peer(o => o with { Slaac = true, StableSecret = Secret }, dad: true, staticAddress: false, interfaceName: "tap7");
        peer.Start();
        peer.Raw.Advance(TimeSpan.FromSeconds(2)); // the link-local address passes DAD
        peer.Send(Advertisement(Prefix));
        var first = peer.Stack.IPv6Addresses.Single(a => a.Origin == IPv6AddressOrigin.Slaac);
        Assert.Equal(IPv6AddressState.Tentative, first.State);
        Assert.Equal(StableInterfaceId.Create(Prefix, Encoding.UTF8.GetBytes("tap7"), 0, Secret), first.Address.Address);

        // Another node's DAD probe for the same tentative address (RFC 4862 §5.4.3): a duplicate.
        var probe = NdpRepr.NeighborSolicitation(first.Address.Address, null);
        peer.Send(Ipv6Peer.Ndp(probe, IPv6Address.Unspecified, first.Address.Address.SolicitedNode));
        peer.Raw.Advance(TimeSpan.FromSeconds(2));

        var second = peer.Stack.IPv6Addresses.Single(a => a.Origin == IPv6AddressOrigin.Slaac);
        Assert.Equal(StableInterfaceId.Create(Prefix, Encoding.UTF8.GetBytes("tap7"), 1, Secret), second.Address.Address);
        Assert.Equal(IPv6AddressState.Preferred, second.State);
        Assert.False(peer.Stack.IsOurIPv6Address(first.Address.Address));
        Assert.Equal(1, peer.Stack.Stats.DuplicateAddresses);
    }

    [Fact]
    public async Task SlaacAddress_DuplicateAfterIdgenRetries_StaysDuplicate()
    {
        await using var peer = new Ipv6Peer(o => o with { Slaac = true, StableSecret = Secret }, dad: true, staticAddress: false, interfaceName: "tap7");
        peer.Start();
        peer.Raw.Advance(TimeSpan.FromSeconds(2));
        peer.Send(Advertisement(Prefix));
        for (int i = 0; i <= StableInterfaceId.IdgenRetries; i++)
        {
            var tentative = peer.Stack.IPv6Addresses.Single(a => a.Origin == IPv6AddressOrigin.Slaac).Address.Address;
            peer.Send(Ipv6Peer.Ndp(NdpRepr.NeighborSolicitation(tentative, null), IPv6Address.Unspecified, tentative.SolicitedNode));
        }
        peer.Raw.Advance(TimeSpan.FromSeconds(2));

        // RFC 7217 §6: after IDGEN_RETRIES new identifiers, give up on the prefix.
        var last = peer.Stack.IPv6Addresses.Single(a => a.Origin == IPv6AddressOrigin.Slaac);
        Assert.Equal(IPv6AddressState.Duplicate, last.State);
        Assert.Equal(StableInterfaceId.IdgenRetries + 1, peer.Stack.Stats.DuplicateAddresses);
    }
}
