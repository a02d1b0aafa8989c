using System.Net;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Wire;

public class NetAddressTests
{
    [Theory]
    [InlineData("2001:db8::1", "2001:db8::1")]
    [InlineData("2001:DB8:0:0:0:0:0:1", "2001:db8::1")]                    // RFC 5952 §4.3 lower case, §4.2 ::
    [InlineData("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1")]              // §4.2.3 first of equal runs
    [InlineData("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1")]           // §4.2.2 no :: for one zero field
    [InlineData("2001:0db8::0001", "2001:db8::1")]                         // §4.1 no leading zeros
    [InlineData("::", "::")]
    [InlineData("::1", "::1")]
    [InlineData("fe80::ff:fe00:a", "fe80::ff:fe00:a")]
    [InlineData("::ffff:198.18.0.1", "::ffff:198.18.0.1")]                 // §5 mapped addresses keep the dotted quad
    public void Parse_Format_Rfc5952(string text, string expected)
    {
        Assert.True(IPv6Address.TryParse(text, out var address));
        Assert.Equal(expected, address.ToString());
        Assert.Equal(IPAddress.Parse(text), address.ToIPAddress());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("198.18.0.1")]
    [InlineData("fe80::1%eth0")]
    [InlineData("2001:db8::1::2")]
    [InlineData("2001:db8:::1")]
    [InlineData("12345::")]
    public void Parse_Invalid_Fails(string? text) => Assert.False(IPv6Address.TryParse(text, out _));

    [Fact]
    public void ReadWrite_NetworkOrder()
    {
        var bytes = Convert.FromHexString("20010db8000000000000000000000001");
        var a = IPv6Address.Read(bytes);
        Assert.Equal(new IPv6Address(0x2001_0db8_0000_0000, 1), a);
        var back = new byte[16];
        a.WriteTo(back);
        Assert.Equal(bytes, back);
    }

    [Fact]
    public void Classification()
    {
        Assert.True(IPv6Address.Parse("fe80::1").IsLinkLocal);
        Assert.True(IPv6Address.Parse("febf::1").IsLinkLocal);
        Assert.False(IPv6Address.Parse("fec0::1").IsLinkLocal);
        Assert.True(IPv6Address.Parse("ff02::1").IsMulticast);
        Assert.False(IPv6Address.Parse("fd00::1").IsMulticast);
        Assert.True(IPv6Address.Loopback.IsLoopback);
        Assert.True(IPv6Address.Unspecified.IsUnspecified);
        Assert.True(IPv6Address.Parse("::ffff:1.2.3.4").IsIPv4Mapped);
        Assert.False(IPv6Address.Parse("::1.2.3.4").IsIPv4Mapped);
    }

    [Fact]
    public void SolicitedNode_Rfc4291()
    {
        Assert.Equal(IPv6Address.Parse("ff02::1:ff0e:8c6c"), IPv6Address.Parse("4037::01:800:200e:8c6c").SolicitedNode);
        Assert.Equal(IPv6Address.Parse("ff02::1:ff00:2"), IPv6Address.Parse("fd00:6:1::2").SolicitedNode);
    }

    [Fact]
    public void MulticastMac_Rfc2464()
    {
        Assert.Equal(MacAddress.Parse("33:33:00:00:00:01"), IPv6Address.AllNodes.MulticastMac);
        Assert.Equal(MacAddress.Parse("33:33:ff:0e:8c:6c"), IPv6Address.Parse("ff02::1:ff0e:8c6c").MulticastMac);
        Assert.Equal(MacAddress.Parse("33:33:00:00:00:16"), IPv6Address.AllMldv2Routers.MulticastMac);
    }

    [Theory]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::ffff", 64, true)]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:3::1", 64, false)]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:3::1", 63, true)]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:4::1", 63, false)]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:4::1", 61, true)]
    [InlineData("2001:db8::1", "2001:db8::2", 127, false)]
    [InlineData("2001:db8::2", "2001:db8::3", 127, true)]
    [InlineData("2001:db8::2", "2001:db8::3", 128, false)]
    [InlineData("2001:db8::2", "fe80::3", 0, true)]
    [InlineData("2001:db8::2", "2001:db9::3", 31, true)]
    [InlineData("2001:db8::2", "2001:db9::3", 32, false)]
    public void IsInSameSubnet(string a, string b, int prefix, bool expected) =>
        Assert.Equal(expected, IPv6Address.Parse(a).IsInSameSubnet(IPv6Address.Parse(b), prefix));

    [Theory]
    [InlineData("2001:db8:1:2:3:4:5:6", 64, "2001:db8:1:2::")]
    [InlineData("2001:db8:1:2:3:4:5:6", 48, "2001:db8:1::")]
    [InlineData("2001:db8:1:2:3:4:5:6", 96, "2001:db8:1:2:3:4::")]
    [InlineData("2001:db8:1:2:3:4:5:6", 128, "2001:db8:1:2:3:4:5:6")]
    [InlineData("2001:db8:1:2:3:4:5:6", 0, "::")]
    [InlineData("2001:db8:1:2:3:4:5:6", 65, "2001:db8:1:2::")]
    public void Prefix(string address, int length, string expected) =>
        Assert.Equal(IPv6Address.Parse(expected), IPv6Address.Parse(address).Prefix(length));

    [Fact]
    public void NetAddress_IPv4_HeldMapped()
    {
        var v4 = IPv4Address.Parse("198.18.0.1");
        NetAddress a = v4;
        Assert.True(a.IsIPv4);
        Assert.Equal(System.Net.Sockets.AddressFamily.InterNetwork, a.Family);
        Assert.Equal(v4, a.V4);
        Assert.Equal(IPv6Address.Parse("::ffff:198.18.0.1"), a.V6);
        Assert.Equal("198.18.0.1", a.ToString());
        Assert.Equal(IPAddress.Parse("198.18.0.1"), a.ToIPAddress());
        // A mapped IPv6 address is the same value as the IPv4 address it maps.
        Assert.Equal(a, new NetAddress(IPv6Address.Parse("::ffff:198.18.0.1")));
        Assert.Equal(a, NetAddress.FromIPAddress(IPAddress.Parse("::ffff:198.18.0.1")));
        Assert.Equal(a, NetAddress.Parse("198.18.0.1"));
    }

    [Fact]
    public void NetAddress_IPv6()
    {
        var a = NetAddress.Parse("2001:db8::1");
        Assert.True(a.IsIPv6);
        Assert.Equal("2001:db8::1", a.ToString());
        Assert.Equal(IPAddress.Parse("2001:db8::1"), a.ToIPAddress());
        Assert.NotEqual(NetAddress.IPv4Any, NetAddress.IPv6Any);
        Assert.True(NetAddress.IPv4Any.IsUnspecified);
        Assert.True(NetAddress.IPv6Any.IsUnspecified);
        Assert.True(NetAddress.Parse("ff02::1").IsMulticast);
        Assert.True(NetAddress.Parse("255.255.255.255").IsMulticast);
        Assert.True(NetAddress.Parse("::1").IsLoopback);
        Assert.True(NetAddress.Parse("127.0.0.9").IsLoopback);
        Assert.False(NetAddress.TryParse("nonsense", out _));
        Assert.Throws<FormatException>(() => NetAddress.Parse("1.2.3"));
    }

    [Fact]
    public void NetEndPoint_Format_And_Convert()
    {
        var v6 = NetEndPoint.FromIPEndPoint(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 443));
        Assert.Equal("[2001:db8::1]:443", v6.ToString());
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 443), v6.ToIPEndPoint());
        var mapped = NetEndPoint.FromIPEndPoint(new IPEndPoint(IPAddress.Parse("::ffff:198.18.0.1"), 80));
        Assert.Equal("198.18.0.1:80", mapped.ToString());
        Assert.True(mapped.Address.IsIPv4);
    }
}
