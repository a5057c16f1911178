using System.Net;
using Musubi.Core.Networks;
using Xunit;
using static Musubi.Core.Tests.Networks.TestIndex;

namespace Musubi.Core.Tests.Networks;

/// <summary>Which owner an address resolves to: nesting, block edges, both families.</summary>
public sealed class NetworkOwnershipIndexTests
{
    [Fact]
    public void More_specific_prefix_wins_over_its_parent()
    {
        var index = Build(("203.0.113.0/24", Isp), ("203.0.113.64/26", Agency));

        Assert.Equal(Agency, Lookup(index, "203.0.113.64"));
        Assert.Equal(Agency, Lookup(index, "203.0.113.100"));
        Assert.Equal(Agency, Lookup(index, "203.0.113.127"));
        Assert.Equal(Isp, Lookup(index, "203.0.113.63"));
        Assert.Equal(Isp, Lookup(index, "203.0.113.128"));
        Assert.Equal(Isp, Lookup(index, "203.0.113.0"));
        Assert.Equal(Isp, Lookup(index, "203.0.113.255"));
    }

    [Fact]
    public void Claim_order_does_not_change_which_nested_block_wins()
    {
        var index = Build(("203.0.113.64/26", Agency), ("203.0.113.0/24", Isp));

        Assert.Equal(Agency, Lookup(index, "203.0.113.70"));
        Assert.Equal(Isp, Lookup(index, "203.0.113.10"));
    }

    [Fact]
    public void Addresses_just_outside_a_block_are_not_owned()
    {
        var index = Build(("203.0.113.0/24", Isp));

        Assert.Equal(-1, Lookup(index, "203.0.112.255"));
        Assert.Equal(-1, Lookup(index, "203.0.114.0"));
        Assert.Equal(Isp, Lookup(index, "203.0.113.0"));
        Assert.Equal(Isp, Lookup(index, "203.0.113.255"));
    }

    [Fact]
    public void Deeply_nested_blocks_resolve_to_the_innermost_one()
    {
        var index = Build(
            ("10.0.0.0/8", 10), ("10.1.0.0/16", 16), ("10.1.2.0/24", 24), ("10.1.2.128/25", 25), ("10.1.2.200/32", 32));

        Assert.Equal(32, Lookup(index, "10.1.2.200"));
        Assert.Equal(25, Lookup(index, "10.1.2.199"));
        Assert.Equal(25, Lookup(index, "10.1.2.201"));
        Assert.Equal(24, Lookup(index, "10.1.2.127"));
        Assert.Equal(16, Lookup(index, "10.1.3.0"));
        Assert.Equal(10, Lookup(index, "10.2.0.0"));
        Assert.Equal(-1, Lookup(index, "11.0.0.0"));
        Assert.Equal(-1, Lookup(index, "9.255.255.255"));
    }

    [Fact]
    public void Parent_ownership_resumes_after_a_child_that_ends_with_it()
    {
        var index = Build(("10.0.0.0/8", 1), ("10.255.255.0/24", 2), ("11.0.0.0/8", 3));

        Assert.Equal(2, Lookup(index, "10.255.255.255"));
        Assert.Equal(3, Lookup(index, "11.0.0.0"));
        Assert.Equal(1, Lookup(index, "10.255.254.255"));
    }

    [Fact]
    public void The_first_and_last_addresses_of_the_space_are_handled()
    {
        var index = Build(("0.0.0.0/32", 1), ("255.255.255.255/32", 2), ("128.0.0.0/1", 3));

        Assert.Equal(1, Lookup(index, "0.0.0.0"));
        Assert.Equal(-1, Lookup(index, "0.0.0.1"));
        Assert.Equal(-1, Lookup(index, "127.255.255.255"));
        Assert.Equal(3, Lookup(index, "128.0.0.0"));
        Assert.Equal(3, Lookup(index, "255.255.255.254"));
        Assert.Equal(2, Lookup(index, "255.255.255.255"));
    }

    [Fact]
    public void A_default_route_claim_owns_every_unclaimed_address_of_its_family()
    {
        var index = Build(("0.0.0.0/0", 1), ("192.0.2.0/24", 2));

        Assert.Equal(1, Lookup(index, "0.0.0.0"));
        Assert.Equal(1, Lookup(index, "255.255.255.255"));
        Assert.Equal(2, Lookup(index, "192.0.2.1"));
        Assert.Equal(-1, Lookup(index, "2001:db8::1"));
    }

    [Fact]
    public void An_empty_index_owns_nothing()
    {
        var index = NetworkOwnershipIndex.Build([]);

        Assert.Equal(0, index.PrefixCount);
        Assert.Equal(-1, index.LookupV4(0));
        Assert.Equal(-1, index.LookupV4(uint.MaxValue));
        Assert.Equal(-1, index.LookupV6(UInt128.MaxValue));
        Assert.Null(index.LookupPrefix(IPAddress.Loopback));
    }

    [Fact]
    public void IPv6_blocks_nest_like_IPv4_ones()
    {
        var index = Build(("2001:db8::/32", Isp), ("2001:db8:abcd::/48", Agency), ("2001:db8:abcd:12::/64", University));

        Assert.Equal(University, Lookup(index, "2001:db8:abcd:12::1"));
        Assert.Equal(University, Lookup(index, "2001:db8:abcd:12:ffff:ffff:ffff:ffff"));
        Assert.Equal(Agency, Lookup(index, "2001:db8:abcd:13::"));
        Assert.Equal(Agency, Lookup(index, "2001:db8:abcd:11:ffff:ffff:ffff:ffff"));
        Assert.Equal(Isp, Lookup(index, "2001:db8:abce::"));
        Assert.Equal(Isp, Lookup(index, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"));
        Assert.Equal(-1, Lookup(index, "2001:db9::"));
        Assert.Equal(-1, Lookup(index, "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"));
    }

    [Fact]
    public void IPv6_edge_addresses_are_handled()
    {
        var index = Build(("::/128", 1), ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", 2), ("8000::/1", 3));

        Assert.Equal(1, index.LookupV6(UInt128.Zero));
        Assert.Equal(-1, index.LookupV6(UInt128.One));
        Assert.Equal(3, index.LookupV6(UInt128.MaxValue - 1));
        Assert.Equal(2, index.LookupV6(UInt128.MaxValue));
    }

    [Fact]
    public void Families_are_separate_and_mapped_IPv4_addresses_use_the_IPv4_blocks()
    {
        var index = Build(("192.0.2.0/24", 4), ("::/0", 6));

        Assert.Equal(4, Lookup(index, "192.0.2.10"));
        Assert.Equal(4, Lookup(index, "::ffff:192.0.2.10"));
        Assert.Equal(-1, Lookup(index, "198.51.100.1"));
        Assert.Equal(6, Lookup(index, "::c000:20a"));
        Assert.Equal(2, index.PrefixCount);
    }
}
