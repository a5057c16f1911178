using System.Net;
using Musubi.Core.Networks;
using Xunit;
using static Musubi.Core.Tests.Networks.TestIndex;

namespace Musubi.Core.Tests.Networks;

/// <summary>The other ways in: numbers, text, the matching block, and allocation.</summary>
public sealed class NetworkOwnershipEntryPointTests
{
    private const int LookupRounds = 20_000;

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
