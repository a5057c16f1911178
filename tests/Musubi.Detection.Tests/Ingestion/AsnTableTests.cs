using System.Net;
using Musubi.Detection.Ingestion;

namespace Musubi.Detection.Tests.Ingestion;

public sealed class AsnTableTests
{
    private static AsnTable Sample() => AsnTable.Load(Path.Combine(AppContext.BaseDirectory, "Data", "ip2asn-sample.tsv"));

    [Theory]
    [InlineData("1.0.0.0", 13335u, "CLOUDFLARENET")]
    [InlineData("1.0.0.255", 13335u, "CLOUDFLARENET")]
    [InlineData("203.0.113.5", 64500u, "EXAMPLE-NET Example Carrier")]
    [InlineData("::ffff:203.0.113.127", 64500u, "EXAMPLE-NET Example Carrier")]
    [InlineData("2001:db8::1", 64501u, "EXAMPLE-V6")]
    [InlineData("198.51.100.200", 64502u, null)]
    public void Addresses_inside_a_range_or_prefix_find_their_origin_as(string address, uint asn, string? name)
    {
        var system = Sample().Lookup(IPAddress.Parse(address));
        Assert.NotNull(system);
        Assert.Equal((asn, name), (system.Number, system.Name));
    }

    [Theory]
    [InlineData("1.0.1.5")] // AS 0: not routed
    [InlineData("1.0.4.0")]
    [InlineData("203.0.113.128")]
    [InlineData("0.0.0.0")]
    [InlineData("2001:db9::1")]
    [InlineData("::")]
    public void Addresses_outside_every_routed_range_have_none(string address) =>
        Assert.Null(Sample().Lookup(IPAddress.Parse(address)));

    [Fact]
    public void The_sample_loads_four_routed_ranges_and_an_empty_table_answers_nothing()
    {
        Assert.Equal(4, Sample().Count);
        Assert.Null(AsnTable.Empty.Lookup(IPAddress.Parse("1.0.0.1")));
        Assert.Same(AsnTable.Empty, AsnTable.Load(null));
    }

    [Theory]
    [InlineData("1.0.0.0\t1.0.0.255\tAS13335\tUS\tX\n1.0.0.0\t1.0.0.9\t2\tUS\tY\n", 2, "overlaps the range of line 1")]
    [InlineData("# c\n1.0.0.0\t1.0.0.255\tx13335\tUS\tX\n", 2, "not an AS number")]
    [InlineData("1.0.0.9\t1.0.0.0\t1\tUS\tX\n", 1, "end before range start")]
    [InlineData("1.0.0.0\t2001:db8::\t1\tUS\tX\n", 1, "one family")]
    [InlineData("\n\n1.0.0.0/33\t1\n", 3, "not an address prefix")]
    [InlineData("1.0.0.0 1.0.0.255 1\n", 1, "expected")]
    public void A_bad_line_is_refused_with_its_number_and_reason(string text, int line, string reason)
    {
        var e = Assert.Throws<AsnTableFormatException>(() => AsnTable.Parse(new StringReader(text)));
        Assert.Equal(line, e.Line);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }
}
