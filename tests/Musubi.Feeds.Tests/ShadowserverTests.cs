using System.Text;
using Musubi.Core;
using Musubi.Feeds.Parsers;
using Musubi.Feeds.Parsing;

namespace Musubi.Feeds.Tests;

public sealed class ShadowserverTests
{
    private static ShadowserverSchema TestSchema() =>
        ShadowserverSchema.Parse(File.ReadAllBytes(FeedCorpus.File("shadowserver", "schema.json.test")), "schema.json.test");

    [Fact]
    public void The_test_schema_maps_test_smb_through_required_optional_and_constant_fields()
    {
        var sink = FeedCorpus.Parse(new ShadowserverParser(TestSchema()), FeedCorpus.File("shadowserver", "test_smb.csv"));
        Assert.Empty(sink.Errors);
        Assert.Equal(3, sink.Events.Count);
        var e = sink.Events[0];
        Assert.Equal("192.168.0.1", e.Source.ToString());
        Assert.Equal(445, e.SourcePort);
        Assert.Equal(64512u, e.SourceAsn);
        Assert.Equal(new DateTimeOffset(2010, 2, 10, 0, 0, 0, TimeSpan.Zero), e.Time);
        Assert.Equal("vulnerable", FeedCorpus.S(e.Taxonomy));
        Assert.Equal("vulnerable-system", FeedCorpus.S(e.Type));
        Assert.Equal("test-smb", FeedCorpus.S(e.Identifier));
        Assert.Equal("tcp", FeedCorpus.S(e.ProtocolTransport));
        Assert.Equal("smb", FeedCorpus.S(e.ProtocolApplication));
        Assert.Equal("Test-Accessible-SMB", FeedCorpus.S(e.FeedName));
        Assert.Equal("node01.example.com", e.Extras!["source.reverse_dns"]);
        Assert.Equal("ZZ", e.Country);
        Assert.Equal("false", e.Extras["extra.smb_implant"]);
        Assert.Equal("SMB 2.1", e.Extras["extra.smb_version_string"]);
        Assert.Null(e.Extras["extra.source.naics"]); // invalidate_zero
        Assert.Equal(2, e.Line);
    }

    [Fact]
    public void Test_telnet_keeps_the_banner_and_takes_the_transport_from_the_protocol_column()
    {
        var sink = FeedCorpus.Parse(new ShadowserverParser(TestSchema()), FeedCorpus.File("shadowserver", "test_telnet.csv"));
        Assert.Empty(sink.Errors);
        Assert.Equal(2, sink.Events.Count);
        Assert.Equal("|MikroTik v6.45.3 (stable)|Login:", sink.Events[1].Extras!["extra.banner"]);
        Assert.Equal("tcp", FeedCorpus.S(sink.Events[1].ProtocolTransport));
        Assert.Equal(5678, sink.Events[1].SourcePort);
    }

    [Fact]
    public void A_missing_required_column_rejects_the_file_and_reports_every_row()
    {
        byte[] csv = Encoding.UTF8.GetBytes("\"timestamp\",\"port\"\n\"2010-02-10 00:00:00\",445\n\"2010-02-10 00:00:01\",445\n");
        var sink = FeedCorpus.Parse(new ShadowserverParser(TestSchema()), csv, "test_smb.csv");
        Assert.Empty(sink.Events);
        Assert.Equal(3, sink.Errors.Count);
        Assert.Equal(0, sink.Errors[0].Line);
        Assert.Contains("required column 'ip' (source.ip) is missing", sink.Errors[0].Reason, StringComparison.Ordinal);
        Assert.Equal([2, 3], sink.Errors.Skip(1).Select(e => e.Line));
    }

    [Fact]
    public void A_file_name_that_names_no_report_is_reported()
    {
        byte[] csv = Encoding.UTF8.GetBytes("\"timestamp\",\"ip\"\n\"2010-02-10 00:00:00\",192.0.2.1\n");
        var sink = FeedCorpus.Parse(new ShadowserverParser(TestSchema()), csv, "unknown_report.csv");
        Assert.Empty(sink.Events);
        Assert.Contains("no Shadowserver report matches the file name 'unknown_report.csv'", sink.Errors[0].Reason, StringComparison.Ordinal);
        Assert.Equal(2, sink.Errors[1].Line);
    }

    [Fact]
    public void Dated_shadowserver_file_names_find_their_report()
    {
        Assert.Equal("scan_smb", ShadowserverSchema.BuiltIn.ForFile("2019-08-01-scan_smb-asn-jp.csv")!.Name);
        Assert.Equal("event4_sinkhole_http", ShadowserverSchema.BuiltIn.ForFile("2021-03-04-event4_sinkhole_http-jp.csv")!.Name);
        Assert.Null(ShadowserverSchema.BuiltIn.ForFile("notes.csv"));
    }

    [Fact]
    public void A_malformed_schema_names_the_report_and_property()
    {
        var e = Assert.Throws<ValidationFailedException>(() => ShadowserverSchema.Parse("{\"x\": {\"file_name\": \"x\", \"required_fields\": [[\"a\"]]}}"u8, "s.json"));
        Assert.Contains("x.required_fields[0]", e.Message, StringComparison.Ordinal);
        Assert.Throws<ValidationFailedException>(() => ShadowserverSchema.Parse("{\"x\": {}}"u8, "s.json"));
        Assert.Throws<ValidationFailedException>(() => ShadowserverSchema.Parse("[1"u8, "s.json"));
    }

    public static TheoryData<string> LegacyReports()
    {
        var data = new TheoryData<string>();
        string? folder = Musubi.Testing.Corpora.Path;
        if (folder is null)
        {
            data.Add("(corpora absent)");
            return data;
        }

        foreach (string file in Directory.GetFiles(Path.Combine(folder, "feeds", "shadowserver-legacy"), "*.csv").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(LegacyReports))]
    public void Every_legacy_report_parses_one_event_per_row_with_its_classification(string file)
    {
        string path = FeedCorpus.File("shadowserver-legacy", file);
        int rows = File.ReadAllLines(path).Count(l => l.Length > 0) - 1; // no record in these spans lines (checked with Python's csv)
        var sink = FeedCorpus.Parse(new ShadowserverParser(), path);
        Assert.Equal(rows, sink.Events.Count + sink.Errors.Count);
        string report = Path.GetFileNameWithoutExtension(file);
        if (report == "event4_honeypot_ddos_amp")
        {
            // The one real defect in the corpus: a five-octet source address. It is reported, not lost.
            var error = Assert.Single(sink.Errors);
            Assert.Equal(6, error.Line);
            Assert.Contains("'37.120.178.9.10' is not an IP address", error.Reason, StringComparison.Ordinal);
        }
        else
        {
            Assert.Empty(sink.Errors);
        }

        var expected = ShadowserverSchema.BuiltIn.ForFile(file)!;
        string identifier = expected.Constants.First(c => c.Key == "classification.identifier").Value;
        Assert.All(sink.Events, e =>
        {
            FeedCorpus.AssertSourced(e);
            Assert.NotNull(e.Time);
            Assert.Equal(identifier, FeedCorpus.S(e.Identifier));
            Assert.Equal("Shadowserver " + report, FeedCorpus.S(e.FeedName));
        });
        Assert.Equal(Enumerable.Range(2, rows).Where(l => !sink.Errors.Any(x => x.Line == l)), sink.Events.Select(e => e.Line));
    }

    [Fact]
    public void Short_rows_keep_their_values_and_text_after_a_closing_quote_is_kept()
    {
        var rdp = FeedCorpus.Parse(new ShadowserverParser(), FeedCorpus.File("shadowserver-legacy", "scan_rdp.csv"));
        Assert.Equal(2, rdp.Events.Count);
        var mdns = FeedCorpus.Parse(new ShadowserverParser(), FeedCorpus.File("shadowserver-legacy", "scan_mdns.csv"));
        Assert.Equal(3, mdns.Events.Count);
        Assert.Contains("vendor=Synology", mdns.Events[2].Extras!["extra.http_info"], StringComparison.Ordinal);
    }

    [Fact]
    public void Sinkhole_events_carry_malware_and_destination()
    {
        var sink = FeedCorpus.Parse(new ShadowserverParser(), FeedCorpus.File("shadowserver-legacy", "event4_sinkhole_http_referer.csv"));
        var e = sink.Events[0];
        Assert.Equal("178.162.203.211", e.Source.ToString());
        Assert.Equal("kovter", FeedCorpus.S(e.MalwareName));
        Assert.Equal("85.17.31.82", e.Destination.ToString());
        Assert.Equal("12106.mobapptrack.com", e.Extras!["destination.fqdn"]);
    }
}
