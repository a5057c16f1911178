using System.Net;
using Musubi.Core.Networks;
using Xunit;

namespace Musubi.Core.Tests.Networks;

public sealed class NetworkOwnershipIndexTests
{
    private const int Isp = 1;
    private const int Agency = 2;
    private const int University = 3;
    private const int LookupRounds = 20_000;

    private static NetworkOwnershipIndex Build(params (string Prefix, int Owner)[] claims) =>
        NetworkOwnershipIndex.Build(claims.Select(c => (IpPrefix.Parse(c.Prefix), c.Owner)));

    private static int Lookup(NetworkOwnershipIndex index, string address) => index.Lookup(IPAddress.Parse(address));

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

    [Fact]
    public void Exact_duplicate_claims_by_different_owners_are_reported_and_the_first_wins()
    {
        var index = Build(
            ("198.51.100.0/24", Isp),
            ("203.0.113.0/24", Agency),
            ("198.51.100.0/24", University),
            ("198.51.100.0/24", Isp),
            ("2001:db8::/32", Agency),
            ("2001:db8::/32", Isp),
            ("198.51.100.0/24", University));

        Assert.Equal(Isp, Lookup(index, "198.51.100.1"));
        Assert.Equal(Agency, Lookup(index, "2001:db8::1"));
        Assert.Equal(3, index.PrefixCount);
        Assert.Equal(
            [
                new PrefixConflict(IpPrefix.Parse("198.51.100.0/24"), Isp, University),
                new PrefixConflict(IpPrefix.Parse("2001:db8::/32"), Agency, Isp),
            ],
            index.Conflicts);
    }

    [Fact]
    public void The_same_owner_claiming_a_block_twice_is_not_a_conflict()
    {
        var index = Build(("198.51.100.0/24", Isp), ("198.51.100.0/24", Isp));

        Assert.Empty(index.Conflicts);
        Assert.Equal(1, index.PrefixCount);
    }

    [Fact]
    public void Nested_blocks_of_different_owners_are_not_conflicts()
    {
        var index = Build(("203.0.113.0/24", Isp), ("203.0.113.64/26", Agency));

        Assert.Empty(index.Conflicts);
    }

    [Fact]
    public void Building_twice_from_the_same_claims_gives_the_same_answers_and_conflicts()
    {
        (string, int)[] claims = [("10.0.0.0/8", 1), ("10.0.0.0/8", 2), ("10.0.0.0/16", 3), ("10.0.0.0/8", 3)];

        var first = Build(claims);
        var second = Build(claims);

        Assert.Equal(first.Conflicts, second.Conflicts);
        Assert.Equal(1, first.Lookup(IPAddress.Parse("10.1.0.0")));
        Assert.Equal(first.Lookup(IPAddress.Parse("10.1.0.0")), second.Lookup(IPAddress.Parse("10.1.0.0")));
    }

    [Fact]
    public void LookupPrefix_names_the_matching_block()
    {
        var index = Build(("203.0.113.0/24", Isp), ("203.0.113.64/26", Agency), ("2001:db8::/32", University));

        Assert.Equal((IpPrefix.Parse("203.0.113.64/26"), Agency), index.LookupPrefix(IPAddress.Parse("203.0.113.65")));
        Assert.Equal((IpPrefix.Parse("203.0.113.0/24"), Isp), index.LookupPrefix(IPAddress.Parse("203.0.113.200")));
        Assert.Equal((IpPrefix.Parse("2001:db8::/32"), University), index.LookupPrefix(IPAddress.Parse("2001:db8::5")));
        Assert.Null(index.LookupPrefix(IPAddress.Parse("198.51.100.1")));
    }

    [Fact]
    public void LookupV4_takes_the_address_in_host_order()
    {
        var index = Build(("192.0.2.0/24", Isp));

        Assert.Equal(Isp, index.LookupV4(0xC0000201));
        Assert.Equal(-1, index.LookupV4(0x010200C0));
    }

    [Theory]
    [InlineData("203.0.113.70", true, Agency)]
    [InlineData("203.0.113.1", true, Isp)]
    [InlineData("198.51.100.1", true, -1)]
    [InlineData("2001:db8::1", true, University)]
    [InlineData("::ffff:203.0.113.70", true, Agency)]
    [InlineData("not an address", false, -1)]
    [InlineData("203.0.113.070", false, -1)]
    [InlineData("", false, -1)]
    [InlineData("fe80::1%eth0", false, -1)]
    public void TryLookup_parses_text_and_reports_unparseable_input(string text, bool parsed, int expectedOwner)
    {
        var index = Build(("203.0.113.0/24", Isp), ("203.0.113.64/26", Agency), ("2001:db8::/32", University));

        Assert.Equal(parsed, index.TryLookup(text, out int owner));
        Assert.Equal(expectedOwner, owner);
    }

    [Fact]
    public void Lookups_do_not_allocate()
    {
        var index = Build(("203.0.113.0/24", Isp), ("2001:db8::/32", Agency));
        IPAddress v4 = IPAddress.Parse("203.0.113.9");
        IPAddress v6 = IPAddress.Parse("2001:db8::9");
        RunLookups(index, v4, v6);

        long before = GC.GetAllocatedBytesForCurrentThread();
        int sum = RunLookups(index, v4, v6);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // The runtime may allocate a few bytes on this thread while it re-compiles hot methods; one allocation per
        // lookup would be at least 24 bytes each.
        Assert.Equal(LookupRounds * (Isp + Agency + Isp + Agency + Isp), sum);
        Assert.True(allocated < LookupRounds, $"{allocated} bytes allocated by {LookupRounds * 5} lookups");
    }

    [Fact]
    public void Claims_with_negative_owners_or_default_prefixes_are_refused()
    {
        Assert.Throws<ArgumentException>(() => NetworkOwnershipIndex.Build([(IpPrefix.Parse("192.0.2.0/24"), -1)]));
        Assert.Throws<ArgumentException>(() => NetworkOwnershipIndex.Build([(default(IpPrefix), 1)]));
    }

    [Fact]
    public void A_null_address_is_a_caller_bug_not_an_unowned_address()
    {
        var index = Build(("0.0.0.0/0", Isp));

        Assert.Throws<ArgumentNullException>(() => index.Lookup(null!));
        Assert.Throws<ArgumentNullException>(() => index.LookupPrefix(null!));
    }

    private static int RunLookups(NetworkOwnershipIndex index, IPAddress v4, IPAddress v6)
    {
        int sum = 0;
        for (int i = 0; i < LookupRounds; i++)
        {
            sum += index.Lookup(v4) + index.Lookup(v6) + index.LookupV4(0xCB007109);
            index.TryLookup("2001:db8::77", out int owner6);
            index.TryLookup("203.0.113.77", out int owner4);
            sum += owner6 + owner4;
        }

        return sum;
    }
}
