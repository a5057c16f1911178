using System.Net.Sockets;
using Musubi.Core.Networks;
using Xunit;

namespace Musubi.Core.Tests.Networks;

public sealed class CidrParsingTests
{
    [Theory]
    [InlineData("192.0.2.0/24", "192.0.2.0/24")]
    [InlineData("  192.0.2.0/24 ", "192.0.2.0/24")]
    [InlineData("0.0.0.0/0", "0.0.0.0/0")]
    [InlineData("255.255.255.255/32", "255.255.255.255/32")]
    [InlineData("192.0.2.7", "192.0.2.7/32")]
    [InlineData("10.0.0.0/8", "10.0.0.0/8")]
    [InlineData("2001:db8::/32", "2001:db8::/32")]
    [InlineData("2001:DB8:0:0:0:0:0:0/32", "2001:db8::/32")]
    [InlineData("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1/128")]
    [InlineData("::/0", "::/0")]
    [InlineData("::1", "::1/128")]
    [InlineData("2001:db8:0:1:0:0:0:0/64", "2001:db8:0:1::/64")]
    [InlineData("2001:0:0:1:0:0:0:0/64", "2001:0:0:1::/64")]
    [InlineData("2001:db8:1:0:1::/80", "2001:db8:1:0:1::/80")]
    [InlineData("fe80::/10", "fe80::/10")]
    [InlineData("::192.0.2.0/120", "::c000:200/120")]
    public void Valid_networks_parse_to_their_canonical_form(string text, string canonical)
    {
        Assert.True(NetworkParsing.TryParseCidr(text, out IpPrefix prefix, out string error), error);
        Assert.Equal(canonical, prefix.ToString());
        Assert.Equal(string.Empty, error);
    }

    [Theory]
    [InlineData("192.0.2.1/24", "host bits are set: did you mean 192.0.2.0/24?")]
    [InlineData("10.1.2.3/8", "host bits are set: did you mean 10.0.0.0/8?")]
    [InlineData("2001:db8::1/32", "host bits are set: did you mean 2001:db8::/32?")]
    [InlineData("1::/0", "host bits are set: did you mean ::/0?")]
    [InlineData("1.0.0.0/0", "host bits are set: did you mean 0.0.0.0/0?")]
    [InlineData("192.0.2.0/33", "prefix length '33' is not valid: use a number from 0 to 32 for IPv4")]
    [InlineData("2001:db8::/129", "prefix length '129' is not valid: use a number from 0 to 128 for IPv6")]
    [InlineData("192.0.2.0/-1", "prefix length '-1' is not valid: use a number from 0 to 32 for IPv4")]
    [InlineData("192.0.2.0/2x", "prefix length '2x' is not valid: use a number from 0 to 32 for IPv4")]
    [InlineData("192.0.2.0/24/24", "prefix length '24/24' is not valid: use a number from 0 to 32 for IPv4")]
    [InlineData("192.0.2.0/", "the prefix length after '/' is missing")]
    [InlineData("/24", "the address before '/' is missing")]
    [InlineData("", "enter an address or network such as 192.0.2.0/24 or 2001:db8::/32")]
    [InlineData("   ", "enter an address or network such as 192.0.2.0/24 or 2001:db8::/32")]
    [InlineData(null, "enter an address or network such as 192.0.2.0/24 or 2001:db8::/32")]
    [InlineData("hello", "'hello' is not a valid IPv4 address: use four numbers from 0 to 255 without leading zeros, such as 192.0.2.1")]
    [InlineData("256.0.0.0/8", "'256.0.0.0' is not a valid IPv4 address: use four numbers from 0 to 255 without leading zeros, such as 192.0.2.1")]
    [InlineData("010.0.0.0/8", "'010.0.0.0' is not a valid IPv4 address: use four numbers from 0 to 255 without leading zeros, such as 192.0.2.1")]
    [InlineData("10.1/16", "'10.1' is not a valid IPv4 address: use four numbers from 0 to 255 without leading zeros, such as 192.0.2.1")]
    [InlineData("1.2.3.4.5", "'1.2.3.4.5' is not a valid IPv4 address: use four numbers from 0 to 255 without leading zeros, such as 192.0.2.1")]
    [InlineData("2001:db8:::/48", "'2001:db8:::' is not a valid IPv6 address, such as 2001:db8::1")]
    [InlineData("2001:db8::1::2", "'2001:db8::1::2' is not a valid IPv6 address, such as 2001:db8::1")]
    [InlineData("1:2:3:4:5:6:7:8:9", "'1:2:3:4:5:6:7:8:9' is not a valid IPv6 address, such as 2001:db8::1")]
    [InlineData("2001:db8:12345::", "'2001:db8:12345::' is not a valid IPv6 address, such as 2001:db8::1")]
    [InlineData("fe80::1%eth0", "'fe80::1%eth0' has a zone id ('%...'): enter the address without it")]
    [InlineData("192.0.2.1:443", "'192.0.2.1:443' looks like an address with a port: enter the address only")]
    [InlineData("::ffff:192.0.2.0/120", "this is an IPv4-mapped IPv6 network: enter it as IPv4, 192.0.2.0/24")]
    public void Invalid_networks_are_rejected_with_a_precise_message(string? text, string expected)
    {
        Assert.False(NetworkParsing.TryParseCidr(text, out IpPrefix prefix, out string error));
        Assert.Equal(expected, error);
        Assert.Equal(default, prefix);
    }

    [Fact]
    public void Parse_throws_a_format_exception_carrying_the_field_error()
    {
        var exception = Assert.Throws<FormatException>(() => IpPrefix.Parse("192.0.2.1/24"));
        Assert.Equal("host bits are set: did you mean 192.0.2.0/24?", exception.Message);
    }

    [Fact]
    public void Parsed_prefix_exposes_family_network_and_length()
    {
        IpPrefix v4 = IpPrefix.Parse("192.0.2.64/26");
        Assert.Equal(AddressFamily.InterNetwork, v4.Family);
        Assert.Equal((UInt128)0xC0000240u, v4.Network);
        Assert.Equal(26, v4.Length);
        Assert.Equal((UInt128)0xC000027Fu, v4.Last);

        IpPrefix v6 = IpPrefix.Parse("2001:db8::/32");
        Assert.Equal(AddressFamily.InterNetworkV6, v6.Family);
        Assert.Equal(new UInt128(0x2001_0db8_0000_0000, 0), v6.Network);
        Assert.Equal(128, v6.MaxLength);
    }

    [Fact]
    public void Canonical_text_parses_back_to_the_same_prefix()
    {
        foreach (string text in new[] { "192.0.2.0/24", "2001:db8:0:0:1::/80", "::/0", "0.0.0.0/0" })
        {
            IpPrefix prefix = IpPrefix.Parse(text);
            Assert.Equal(prefix, IpPrefix.Parse(prefix.ToString()));
        }
    }
}
