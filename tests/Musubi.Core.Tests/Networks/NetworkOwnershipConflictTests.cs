using System.Net;
using Musubi.Core.Networks;
using Xunit;
using static Musubi.Core.Tests.Networks.TestIndex;

namespace Musubi.Core.Tests.Networks;

/// <summary>Exact-prefix conflicts and what the builder refuses.</summary>
public sealed class NetworkOwnershipConflictTests
{
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
    public void Claims_with_negative_owners_or_default_prefixes_are_refused()
    {
        Assert.Throws<ArgumentException>(() => NetworkOwnershipIndex.Build([(IpPrefix.Parse("192.0.2.0/24"), -1)]));
        Assert.Throws<ArgumentException>(() => NetworkOwnershipIndex.Build([(default(IpPrefix), 1)]));
    }
}
