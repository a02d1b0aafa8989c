using System.Net;
using Teeceepee.Dns;

namespace Teeceepee.Tests.Dns;

/// <summary>RFC 6724 §6 with the default policy table; the cases are those of §10.2 (source chosen as §5 would).</summary>
public class DestinationAddressSelectionTests
{
    private static IPAddress[] Sort(params (string Destination, string? Source)[] candidates)
    {
        var sources = candidates.ToDictionary(c => IPAddress.Parse(c.Destination), c => c.Source is null ? null : IPAddress.Parse(c.Source));
        return DestinationAddressSelection.Sort(candidates.Select(c => IPAddress.Parse(c.Destination)).ToArray(), d => sources[d]);
    }

    private static IPAddress[] Addresses(params string[] text) => text.Select(IPAddress.Parse).ToArray();

    [Fact]
    public void Rule2_MatchingScope_PrefersGlobalIPv6OverIPv4FromLinkLocalSource() =>
        Assert.Equal(Addresses("2001:db8:1::1", "198.51.100.121"),
            Sort(("198.51.100.121", "169.254.13.78"), ("2001:db8:1::1", "2001:db8:1::2")));

    [Fact]
    public void Rule2_MatchingScope_PrefersIPv4WhenIPv6HasOnlyLinkLocalSource() =>
        Assert.Equal(Addresses("198.51.100.121", "2001:db8:1::1"),
            Sort(("2001:db8:1::1", "fe80::1"), ("198.51.100.121", "198.51.100.117")));

    [Fact]
    public void Rule6_HigherPrecedence_PrefersIPv6OverPrivateIPv4() =>
        Assert.Equal(Addresses("2001:db8:1::1", "10.1.2.3"),
            Sort(("10.1.2.3", "10.1.2.4"), ("2001:db8:1::1", "2001:db8:1::2")));

    [Fact]
    public void Rule8_SmallerScope_PrefersLinkLocal() =>
        Assert.Equal(Addresses("fe80::1", "2001:db8:1::1"),
            Sort(("2001:db8:1::1", "2001:db8:1::2"), ("fe80::1", "fe80::2")));

    [Fact]
    public void Rule5_MatchingLabel_Prefers6to4From6to4Source() =>
        Assert.Equal(Addresses("2002:c633:6401::1", "2001:db8:1::1"),
            Sort(("2001:db8:1::1", "2002:c633:6401::2"), ("2002:c633:6401::1", "2002:c633:6401::2")));

    [Fact]
    public void Rule6_HigherPrecedence_PrefersNativeOver6to4WhenBothLabelsMatch() =>
        Assert.Equal(Addresses("2001:db8:1::1", "2002:c633:6401::1"),
            Sort(("2002:c633:6401::1", "2002:c633:6401::2"), ("2001:db8:1::1", "2001:db8:1::2")));

    [Fact]
    public void Rule6_UlaBelowGlobal() =>
        Assert.Equal(Addresses("2001:db8:1::1", "fd00:1::1"),
            Sort(("fd00:1::1", "fd00:1::2"), ("2001:db8:1::1", "2001:db8:1::2")));

    [Fact]
    public void Rule9_LongestMatchingPrefix_WithinOneFamily() =>
        Assert.Equal(Addresses("2001:db8:1::1", "2001:db8:2::1"),
            Sort(("2001:db8:2::1", "2001:db8:1::2"), ("2001:db8:1::1", "2001:db8:1::2")));

    [Fact]
    public void Rule1_UnusableDestination_GoesLast() =>
        Assert.Equal(Addresses("198.18.0.5", "2001:db8::5"),
            Sort(("2001:db8::5", null), ("198.18.0.5", "198.18.0.2")));

    [Fact]
    public void Rule10_OtherwiseTheOrderStays() =>
        Assert.Equal(Addresses("198.18.0.7", "198.18.0.5", "198.18.0.6"),
            Sort(("198.18.0.7", "198.18.0.2"), ("198.18.0.5", "198.18.0.2"), ("198.18.0.6", "198.18.0.2")));

    [Fact]
    public void Interleave_AlternatesFamiliesFromTheFirst() =>
        Assert.Equal(Addresses("2001:db8::1", "198.18.0.1", "2001:db8::2", "198.18.0.2", "198.18.0.3"),
            HappyEyeballs.Interleave(Addresses("2001:db8::1", "2001:db8::2", "198.18.0.1", "198.18.0.2", "198.18.0.3")));
}
