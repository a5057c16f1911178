using Musubi.Core.Networks;
using Xunit;

namespace Musubi.Core.Tests.Networks;

public sealed class DomainOwnershipIndexTests
{
    private const int Registry = 1;
    private const int Ministry = 2;
    private const int Agency = 3;
    private const int LookupRounds = 20_000;

    private static readonly DomainOwnershipIndex Index = DomainOwnershipIndex.Build(
    [
        ("example.jp", Registry),
        ("go.example.jp", Ministry),
        ("agency.go.example.jp", Agency),
        ("xn--r8jz45g.jp", Agency),
    ]);

    [Theory]
    [InlineData("example.jp", Registry)]
    [InlineData("www.example.jp", Registry)]
    [InlineData("a.b.example.jp", Registry)]
    [InlineData("go.example.jp", Ministry)]
    [InlineData("mail.go.example.jp", Ministry)]
    [InlineData("agency.go.example.jp", Agency)]
    [InlineData("x.y.agency.go.example.jp", Agency)]
    [InlineData("notagency.go.example.jp", Ministry)]
    [InlineData("badexample.jp", -1)]
    [InlineData("example.jp.evil.com", -1)]
    [InlineData("jp", -1)]
    [InlineData("", -1)]
    [InlineData("WWW.Example.JP", Registry)]
    [InlineData("www.example.jp.", Registry)]
    [InlineData("www.例え.jp", Agency)]
    [InlineData("www.xn--r8jz45g.jp", Agency)]
    public void The_longest_suffix_on_a_label_boundary_wins(string hostName, int expected) =>
        Assert.Equal(expected, Index.Lookup(hostName));

    [Fact]
    public void LookupDomain_names_the_matching_claim()
    {
        Assert.Equal(("go.example.jp", Ministry), Index.LookupDomain("mail.GO.example.jp"));
        Assert.Equal(("example.jp", Registry), Index.LookupDomain("example.jp"));
        Assert.Null(Index.LookupDomain("badexample.jp"));
    }

    [Fact]
    public void Exact_duplicate_claims_by_different_owners_are_reported_and_the_first_wins()
    {
        var index = DomainOwnershipIndex.Build(
        [
            ("example.jp", Registry),
            ("example.jp", Ministry),
            ("other.jp", Agency),
            ("example.jp", Registry),
            ("example.jp", Ministry),
            ("other.jp", Registry),
        ]);

        Assert.Equal(Registry, index.Lookup("www.example.jp"));
        Assert.Equal(Agency, index.Lookup("other.jp"));
        Assert.Equal(2, index.DomainCount);
        Assert.Equal(
            [new DomainConflict("example.jp", Registry, Ministry), new DomainConflict("other.jp", Agency, Registry)],
            index.Conflicts);
    }

    [Theory]
    [InlineData("Example.jp")]
    [InlineData("example.jp.")]
    [InlineData("*.example.jp")]
    [InlineData("例え.jp")]
    [InlineData("jp")]
    public void Claims_that_are_not_normalised_are_refused(string domain) =>
        Assert.Throws<ArgumentException>(() => DomainOwnershipIndex.Build([(domain, Registry)]));

    [Fact]
    public void Ascii_lookups_do_not_allocate()
    {
        RunLookups();
        long before = GC.GetAllocatedBytesForCurrentThread();
        int sum = RunLookups();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // See the same test for networks: a few bytes may come from the runtime, not from the lookups.
        Assert.Equal(LookupRounds * (Agency + Registry - 1), sum);
        Assert.True(allocated < LookupRounds, $"{allocated} bytes allocated by {LookupRounds * 3} lookups");
    }

    private static int RunLookups()
    {
        int sum = 0;
        for (int i = 0; i < LookupRounds; i++)
        {
            sum += Index.Lookup("deep.www.agency.go.example.jp") + Index.Lookup("WWW.EXAMPLE.JP") + Index.Lookup("nobody.test");
        }

        return sum;
    }
}
