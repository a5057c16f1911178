using System.Net;
using System.Net.Sockets;
using Musubi.Core.Networks;
using Xunit;

namespace Musubi.Core.Tests.Networks;

public sealed class IpPrefixTests
{
    [Theory]
    [InlineData("203.0.113.0/24", "203.0.113.0", true)]
    [InlineData("203.0.113.0/24", "203.0.113.255", true)]
    [InlineData("203.0.113.0/24", "203.0.112.255", false)]
    [InlineData("203.0.113.0/24", "203.0.114.0", false)]
    [InlineData("0.0.0.0/0", "255.255.255.255", true)]
    [InlineData("203.0.113.0/24", "::ffff:203.0.113.9", true)]
    [InlineData("203.0.113.0/24", "2001:db8::1", false)]
    [InlineData("2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true)]
    [InlineData("2001:db8::/32", "2001:db9::", false)]
    [InlineData("::/0", "192.0.2.1", false)]
    [InlineData("::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true)]
    public void Contains_tests_membership_within_one_family(string prefix, string address, bool expected) =>
        Assert.Equal(expected, IpPrefix.Parse(prefix).Contains(IPAddress.Parse(address)));

    [Fact]
    public void A_block_contains_its_sub_blocks_but_not_its_parent()
    {
        IpPrefix isp = IpPrefix.Parse("203.0.113.0/24");
        IpPrefix agency = IpPrefix.Parse("203.0.113.64/26");
        Assert.True(isp.Contains(agency));
        Assert.True(isp.Contains(isp));
        Assert.False(agency.Contains(isp));
    }

    [Fact]
    public void Constructor_refuses_host_bits_and_impossible_lengths()
    {
        Assert.Throws<ArgumentException>(() => IpPrefix.V4(0xC0000201, 24));
        Assert.Throws<ArgumentOutOfRangeException>(() => IpPrefix.V4(0, 33));
        Assert.Throws<ArgumentOutOfRangeException>(() => IpPrefix.V6(UInt128.Zero, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new IpPrefix(AddressFamily.InterNetwork, (UInt128)uint.MaxValue + 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new IpPrefix(AddressFamily.AppleTalk, UInt128.Zero, 0));
    }

    [Fact]
    public void Equal_prefixes_compare_equal_and_hash_alike()
    {
        Assert.Equal(IpPrefix.Parse("192.0.2.0/24"), IpPrefix.V4(0xC0000200, 24));
        Assert.Equal(IpPrefix.Parse("192.0.2.0/24").GetHashCode(), IpPrefix.V4(0xC0000200, 24).GetHashCode());
        Assert.NotEqual(IpPrefix.Parse("192.0.2.0/24"), IpPrefix.Parse("192.0.2.0/25"));
        Assert.NotEqual(IpPrefix.Parse("0.0.0.0/0"), IpPrefix.Parse("::/0"));
    }
}
