using System.Text;
using Musubi.Core;
using Musubi.Feeds.Parsers;
using Musubi.Feeds.Parsing;

namespace Musubi.Feeds.Tests;

public sealed class ParserTests
{
    [Fact]
    public void Spamhaus_drop_yields_one_network_per_line_at_the_list_time()
    {
        var sink = FeedCorpus.Parse(new SpamhausDropParser(), FeedCorpus.File("spamhaus", "drop.txt"));
        Assert.Empty(sink.Errors);
        Assert.Equal(["1.4.0.0/17", "2a06:e480::/29"], sink.Events.Select(e => e.Source.ToString()));
        Assert.All(sink.Events, e => Assert.Equal(new DateTimeOffset(2015, 9, 14, 4, 39, 22, TimeSpan.Zero), e.Time));
        Assert.Equal("SBL256893", sink.Events[0].Extras!["extra.blocklist"]);
        Assert.Equal([5, 6], sink.Events.Select(e => e.Line));
    }

    [Fact]
    public void Spamhaus_asndrop_yields_the_asn_and_country()
    {
        var sink = FeedCorpus.Parse(new SpamhausAsnDropParser(), FeedCorpus.File("spamhaus", "asndrop.txt"));
        Assert.Empty(sink.Errors);
        Assert.Equal([260u, 10516u], sink.Events.Select(e => e.SourceAsn));
        Assert.Equal("AE", sink.Events[0].Country);
        Assert.Equal("", sink.Events[1].Country);
    }

    [Fact]
    public void Spamhaus_cert_yields_every_row_with_bot_classification()
    {
        string path = FeedCorpus.File("spamhaus", "cert.txt");
        var sink = FeedCorpus.Parse(new SpamhausCertParser(), path);
        Assert.Empty(sink.Errors);
        Assert.Equal(FeedCorpus.DataLines(path, ";"), sink.Events.Count);
        Assert.All(sink.Events, FeedCorpus.AssertSourced);
        var first = sink.Events[0];
        Assert.Equal("asprox", FeedCorpus.S(first.MalwareName));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1441008970), first.Time);
        Assert.Equal("intrusion-attempts", FeedCorpus.S(sink.Events.Single(e => FeedCorpus.S(e.MalwareName) == "sshauth").Taxonomy));
        Assert.Equal("vulnerable", FeedCorpus.S(sink.Events.Single(e => FeedCorpus.S(e.MalwareName) == "openrelay").Taxonomy));
    }

    [Theory]
    [InlineData("infected_20171031.txt")]
    [InlineData("certname_20190327.txt")]
    public void Cymru_cap_yields_one_event_per_row(string file)
    {
        string path = FeedCorpus.File("cymru", file);
        var sink = FeedCorpus.Parse(new CymruCapParser(), path);
        Assert.Empty(sink.Errors);
        Assert.Equal(FeedCorpus.DataLines(path, "#"), sink.Events.Count);
        Assert.All(sink.Events, e =>
        {
            FeedCorpus.AssertSourced(e);
            Assert.Equal("172.16.0.21", e.Source.ToString());
            Assert.NotNull(e.Time);
        });
    }

    [Fact]
    public void Cymru_comments_give_malware_destination_and_ports()
    {
        var sink = FeedCorpus.Parse(new CymruCapParser(), FeedCorpus.File("cymru", "certname_20190327.txt"));
        var e = sink.Events[1];
        Assert.Equal("nivdort", FeedCorpus.S(e.MalwareName));
        Assert.Equal("172.16.0.22", e.Destination.ToString());
        Assert.Equal(80, e.DestinationPort);
        Assert.Equal("tcp", FeedCorpus.S(e.ProtocolTransport));
        var infected = FeedCorpus.Parse(new CymruCapParser(), FeedCorpus.File("cymru", "infected_20171031.txt"));
        Assert.Equal(0u, infected.Events[^1].SourceAsn); // "0" is no ASN
        Assert.Equal("conficker", FeedCorpus.S(infected.Events[5].MalwareName));
    }

    [Fact]
    public void Microsoft_ctip_yields_one_event_per_object_at_its_line()
    {
        string path = FeedCorpus.File("microsoft", "ctip.txt");
        var sink = FeedCorpus.Parse(new MicrosoftCtipParser(), path);
        int objects = File.ReadAllLines(path).Count(l => l.Trim() is "{");
        Assert.Empty(sink.Errors);
        Assert.Equal(objects, sink.Events.Count);
        Assert.Equal(2, sink.Events[0].Line);
        Assert.Equal("224.0.5.8", sink.Events[0].Source.ToString());
        Assert.Equal(1204, sink.Events[0].SourcePort);
        Assert.Equal("b85-r2s", FeedCorpus.S(sink.Events[0].MalwareName));
        Assert.All(sink.Events, FeedCorpus.AssertSourced);
    }

    [Fact]
    public void Blocklistde_yields_one_event_per_address()
    {
        string path = FeedCorpus.File("blocklistde", "imap.txt");
        var sink = FeedCorpus.Parse(new BlocklistDeParser(), path);
        Assert.Empty(sink.Errors);
        Assert.Equal(6, sink.Events.Count);
        Assert.Equal("brute-force", FeedCorpus.S(sink.Events[0].Type));
    }

    [Fact]
    public void Dshield_block_skips_comments_and_the_column_header()
    {
        var sink = FeedCorpus.Parse(new DShieldBlockParser(), FeedCorpus.File("dshield", "block.txt"));
        Assert.Empty(sink.Errors);
        Assert.Equal(["43.229.53.0/24", "194.63.140.0/24"], sink.Events.Select(e => e.Source.ToString()));
        Assert.Equal("JP", sink.Events[0].Country);
        Assert.Equal(new DateTimeOffset(2015, 12, 15, 15, 33, 38, TimeSpan.Zero), sink.Events[0].Time);
    }

    public static TheoryData<string> DataPlaneFiles() =>
        new(["dnsrd", "dnsrdany", "dnsversion", "proto41", "sipinvitation", "sipquery", "sipregistration", "smtpdata", "smtpgreet", "sshclient", "sshpwauth", "telnetlogin", "vncrfb"]);

    [Theory]
    [MemberData(nameof(DataPlaneFiles))]
    public void Every_dataplane_feed_yields_an_event_or_an_error_per_row(string feed)
    {
        string path = FeedCorpus.File("dataplane", feed + ".txt");
        var sink = FeedCorpus.Parse(new DataPlaneParser(), path);
        Assert.Equal(FeedCorpus.DataLines(path, "#"), sink.Events.Count + sink.Errors.Count);
        Assert.All(sink.Events, e =>
        {
            FeedCorpus.AssertSourced(e);
            Assert.Equal("dataplane-" + feed, FeedCorpus.S(e.Identifier));
            Assert.NotNull(e.Time);
        });
        if (feed == "sshclient")
        {
            // A row cut short in the corpus ("14080 | Telmex Colombia S.A., CO |"): reported with its line.
            var error = Assert.Single(sink.Errors);
            Assert.Equal(68, error.Line);
        }
        else
        {
            Assert.Empty(sink.Errors);
        }
    }

    [Fact]
    public void Dataplane_as_names_may_contain_pipes()
    {
        var sink = FeedCorpus.Parse(new DataPlaneParser(), FeedCorpus.File("dataplane", "sshpwauth.txt"));
        var e = sink.Events.Single(x => x.Line == 73);
        Assert.Equal("1.2.3.4", e.Source.ToString());
        Assert.Equal("TEST-AS company | With | pipe", e.Extras!["extra.source.as_name"]);
    }

    [Fact]
    public void Feodotracker_reads_the_html_table()
    {
        var sink = FeedCorpus.Parse(new FeodoTrackerParser(), FeedCorpus.File("html_table", "feodotracker.html"));
        Assert.Empty(sink.Errors);
        Assert.Equal(2, sink.Events.Count);
        var e = sink.Events[0];
        Assert.Equal("94.177.255.18", e.Source.ToString());
        Assert.Equal("dridex", FeedCorpus.S(e.MalwareName));
        Assert.Equal(199883u, e.SourceAsn);
        Assert.Equal("GB", e.Country);
        Assert.Equal("online", e.Extras!["extra.status"]);
        Assert.Equal("c2-server", FeedCorpus.S(e.Type));
        Assert.True(e.Line > 90);
    }

    [Fact]
    public void Generic_csv_maps_columns_constants_and_a_time_format()
    {
        var mapping = CsvMapping.Parse("""
            {"feed_name": "Partner CERT", "delimiter": ";", "time_format": "dd/MM/yyyy HH:mm",
             "columns": {"addr": "source.ip", "seen": "time.source", "family": "malware.name", "note": "extra.note"},
             "constants": {"classification.taxonomy": "malicious-code", "classification.type": "infected-system"},
             "required": ["source.ip", "time.source"]}
            """u8);
        byte[] csv = Encoding.UTF8.GetBytes("# exported\naddr;seen;family;note\n192.0.2.7;24/11/2026 13:05;Emotet;first\nnot-an-ip;24/11/2026 13:06;x;\n198.51.100.1;2026-11-24;x;\n");
        var sink = FeedCorpus.Parse(new GenericCsvParser(mapping), csv, "partner.csv");
        var e = Assert.Single(sink.Events);
        Assert.Equal("192.0.2.7", e.Source.ToString());
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 13, 5, 0, TimeSpan.Zero), e.Time);
        Assert.Equal("emotet", FeedCorpus.S(e.MalwareName));
        Assert.Equal("Partner CERT", FeedCorpus.S(e.FeedName));
        Assert.Equal("first", e.Extras!["extra.note"]);
        Assert.Equal([4, 5], sink.Errors.Select(x => x.Line));
        Assert.Contains("'not-an-ip' is not an IP address", sink.Errors[0].Reason, StringComparison.Ordinal);
        Assert.Contains("does not match the time format", sink.Errors[1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_csv_mapping_names_the_property()
    {
        Assert.Contains("columns", Assert.Throws<ValidationFailedException>(() => CsvMapping.Parse("{}"u8)).Message, StringComparison.Ordinal);
        Assert.Contains("delimiter", Assert.Throws<ValidationFailedException>(() => CsvMapping.Parse("{\"delimiter\": \";;\", \"columns\": {\"a\": \"source.ip\"}}"u8)).Message, StringComparison.Ordinal);
        Assert.Contains("1-based", Assert.Throws<ValidationFailedException>(() => CsvMapping.Parse("{\"header\": false, \"columns\": {\"a\": \"source.ip\"}}"u8)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Limits_reject_long_lines_and_too_many_fields_with_line_numbers()
    {
        byte[] data = Encoding.UTF8.GetBytes("192.0.2.1\n" + new string('1', 200) + "\n192.0.2.2\n");
        var sink = FeedCorpus.Parse(new BlocklistDeParser(), data, "ssh.txt", new FeedParseOptions { MaxLineBytes = 100 });
        Assert.Equal(2, sink.Events.Count);
        Assert.Equal(2, Assert.Single(sink.Errors).Line);

        byte[] csv = Encoding.UTF8.GetBytes("\"timestamp\",\"ip\"\n\"2010-02-10 00:00:00\",192.0.2.1," + string.Join(',', Enumerable.Repeat("x", 50)) + "\n");
        var wide = FeedCorpus.Parse(new ShadowserverParser(), csv, "scan_smb.csv", new FeedParseOptions { MaxFields = 20 });
        Assert.Contains("more than 20 fields", Assert.Single(wide.Errors, e => e.Line == 2).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parsing_stops_after_the_error_limit()
    {
        byte[] data = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("999.1.1.1\n", 50)));
        var sink = FeedCorpus.Parse(new BlocklistDeParser(), data, "ssh.txt", new FeedParseOptions { MaxErrors = 10 });
        Assert.Equal(10, sink.Errors.Count);
    }

    [Fact]
    public void Times_are_read_in_the_feeds_formats()
    {
        Assert.True(FeedTime.TryParse("2018-02-08T09:38:56.6512034Z"u8, out long a));
        Assert.Equal(new DateTimeOffset(2018, 2, 8, 9, 38, 56, 651, TimeSpan.Zero).ToUnixTimeMilliseconds(), a);
        Assert.True(FeedTime.TryParse("2019-03-22 11:18:52+09:00"u8, out long b));
        Assert.Equal(new DateTimeOffset(2019, 3, 22, 2, 18, 52, TimeSpan.Zero).ToUnixTimeMilliseconds(), b);
        Assert.True(FeedTime.TryParse("1441008970"u8, out long c));
        Assert.Equal(1441008970000, c);
        Assert.False(FeedTime.TryParse("2019-02-30 00:00:00"u8, out _));
        Assert.False(FeedTime.TryParse("yesterday"u8, out _));
    }
}
