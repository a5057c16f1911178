using System.Text;
using Musubi.Detection.Indicators;
using static Musubi.Detection.Tests.Indicators.IndicatorTestKit;

namespace Musubi.Detection.Tests.Indicators;

public sealed class IndicatorMatcherTests
{
    [Fact]
    public void Every_kind_matches_a_field_of_its_shape()
    {
        var snapshot = Build(
            (IndicatorKind.Ipv4, "203.0.113.7"),
            (IndicatorKind.Ipv4, "198.51.100.0/24"),
            (IndicatorKind.Ipv6, "2001:db8::1"),
            (IndicatorKind.Ipv6, "2001:db8:aaaa::/48"),
            (IndicatorKind.Domain, "evil.example"),
            (IndicatorKind.Url, "http://bad.example/payload.exe"),
            (IndicatorKind.Md5, "44d88612fea8a8f36de82e1278abb02f"),
            (IndicatorKind.Sha1, "3395856ce81f2b7382dee72602f798b642f14140"),
            (IndicatorKind.Sha256, "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"),
            (IndicatorKind.Email, "phish@mail.example"));

        Assert.Equal(10, snapshot.Count);
        Assert.Empty(snapshot.Rejected);
        Assert.Equal(["203.0.113.7"], ValueMatches(snapshot, "203.0.113.7"));
        Assert.Equal(["198.51.100.0/24"], ValueMatches(snapshot, "198.51.100.200"));
        Assert.Equal(["2001:db8::1"], ValueMatches(snapshot, "2001:db8::1"));
        Assert.Equal(["2001:db8:aaaa::/48"], ValueMatches(snapshot, "2001:db8:aaaa:1::5"));
        Assert.Equal(["evil.example"], ValueMatches(snapshot, "evil.example"));
        Assert.Equal(["http://bad.example/payload.exe"], ValueMatches(snapshot, "http://bad.example/payload.exe"));
        Assert.Equal(["44d88612fea8a8f36de82e1278abb02f"], ValueMatches(snapshot, "44d88612fea8a8f36de82e1278abb02f"));
        Assert.Equal(["3395856ce81f2b7382dee72602f798b642f14140"], ValueMatches(snapshot, "3395856ce81f2b7382dee72602f798b642f14140"));
        Assert.Equal(["275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"],
            ValueMatches(snapshot, "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"));
        Assert.Equal(["phish@mail.example"], ValueMatches(snapshot, "phish@mail.example"));
        Assert.Empty(ValueMatches(snapshot, "203.0.113.8"));
        Assert.Empty(ValueMatches(snapshot, "good.example"));
        Assert.Empty(ValueMatches(snapshot, "http://bad.example/other.exe"));
    }

    [Fact]
    public void An_event_reports_each_field_that_matched_with_its_name_and_value()
    {
        var snapshot = Build((IndicatorKind.Ipv4, "203.0.113.7"), (IndicatorKind.Domain, "evil.example"));
        var json = """{"src":{"ip":"10.0.0.1","port":5555},"dst":{"ip":"203.0.113.7"},"query":"www.EVIL.example","n":203}""";
        var bytes = Encoding.UTF8.GetBytes(json);
        var hits = new List<IndicatorHit>();
        Assert.True(snapshot.Scan(bytes, hits, Now.UtcTicks));

        var matches = hits.Select(h => snapshot.Describe(bytes, h)).ToList();
        Assert.Collection(matches,
            m =>
            {
                Assert.Equal(("ip", "203.0.113.7", "203.0.113.7", IndicatorKind.Ipv4), (m.Field, m.ObservedValue, m.IndicatorValue, m.Kind));
                Assert.Equal("indicator--0", m.IndicatorId);
                Assert.Equal(80, m.Confidence);
            },
            m => Assert.Equal(("query", "www.EVIL.example", "evil.example"), (m.Field, m.ObservedValue, m.IndicatorValue)));
    }

    [Theory]
    [InlineData("evil.com", true)]
    [InlineData("a.evil.com", true)]
    [InlineData("a.b.c.evil.com", true)]
    [InlineData("EVIL.COM", true)]
    [InlineData("evil.com.", true)]
    [InlineData("notevil.com", false)]
    [InlineData("evil.com.au", false)]
    [InlineData("evil.co", false)]
    [InlineData("com", false)]
    [InlineData("a-evil.com", false)]
    [InlineData("evil_com", false)]
    public void A_domain_matches_itself_and_its_subdomains_on_label_boundaries(string observed, bool matches)
    {
        var snapshot = Build((IndicatorKind.Domain, "Evil.com."));
        Assert.Equal(matches, ValueMatches(snapshot, observed).SequenceEqual(["evil.com"]));
    }

    [Fact]
    public void Nested_cidrs_and_an_address_inside_them_all_match()
    {
        var snapshot = Build(
            (IndicatorKind.Ipv4, "10.0.0.0/8"),
            (IndicatorKind.Ipv4, "10.20.0.0/16"),
            (IndicatorKind.Ipv4, "10.20.30.0/24"),
            (IndicatorKind.Ipv4, "10.20.30.40"),
            (IndicatorKind.Ipv4, "0.0.0.0/0"));

        Assert.Equal(["0.0.0.0/0", "10.0.0.0/8", "10.20.0.0/16", "10.20.30.0/24", "10.20.30.40"], ValueMatches(snapshot, "10.20.30.40"));
        Assert.Equal(["0.0.0.0/0", "10.0.0.0/8", "10.20.0.0/16", "10.20.30.0/24"], ValueMatches(snapshot, "10.20.30.41"));
        Assert.Equal(["0.0.0.0/0", "10.0.0.0/8", "10.20.0.0/16"], ValueMatches(snapshot, "10.20.31.1"));
        Assert.Equal(["0.0.0.0/0", "10.0.0.0/8"], ValueMatches(snapshot, "10.21.0.0"));
        Assert.Equal(["0.0.0.0/0"], ValueMatches(snapshot, "11.0.0.0"));
    }

    [Fact]
    public void Cidr_boundaries_are_exact_and_host_bits_are_masked()
    {
        var snapshot = Build((IndicatorKind.Ipv4, "192.0.2.77/26"), (IndicatorKind.Ipv4, "198.51.100.5/31"));
        Assert.Equal(["192.0.2.64/26"], ValueMatches(snapshot, "192.0.2.64"));
        Assert.Equal(["192.0.2.64/26"], ValueMatches(snapshot, "192.0.2.127"));
        Assert.Empty(ValueMatches(snapshot, "192.0.2.63"));
        Assert.Empty(ValueMatches(snapshot, "192.0.2.128"));
        Assert.Equal(["198.51.100.4/31"], ValueMatches(snapshot, "198.51.100.5"));
        Assert.Empty(ValueMatches(snapshot, "198.51.100.6"));
    }

    [Theory]
    [InlineData("2001:db8::1")]
    [InlineData("2001:DB8::1")]
    [InlineData("2001:0db8:0000:0000:0000:0000:0000:0001")]
    [InlineData("2001:db8:0:0::1")]
    [InlineData("2001:db8::0:1")]
    [InlineData("fe80::1%eth0", false)]
    [InlineData("[2001:db8::1]:443")]
    [InlineData("http://[2001:DB8::1]:8080/x")]
    public void Ipv6_text_forms_of_one_address_all_match(string observed, bool matches = true)
    {
        var snapshot = Build((IndicatorKind.Ipv6, "2001:0DB8::0001"), (IndicatorKind.Ipv6, "fe80::2"));
        Assert.Equal(matches, ValueMatches(snapshot, observed).SequenceEqual(["2001:db8::1"]));
    }

    [Fact]
    public void Ipv6_cidrs_nest_and_mapped_ipv4_addresses_match_ipv4_indicators()
    {
        var snapshot = Build(
            (IndicatorKind.Ipv6, "2001:db8::/32"),
            (IndicatorKind.Ipv6, "2001:db8:1::/48"),
            (IndicatorKind.Ipv6, "::/0"),
            (IndicatorKind.Ipv4, "192.0.2.0/24"));

        Assert.Equal(["2001:db8:1::/48", "2001:db8::/32", "::/0"], ValueMatches(snapshot, "2001:db8:1:2::3"));
        Assert.Equal(["2001:db8::/32", "::/0"], ValueMatches(snapshot, "2001:db8:2::3"));
        Assert.Equal(["::/0"], ValueMatches(snapshot, "2001:db9::"));
        Assert.Equal(["192.0.2.0/24", "::/0"], ValueMatches(snapshot, "::ffff:192.0.2.10"));
    }

    [Theory]
    [InlineData("1::2::3")]
    [InlineData("1:2:3:4:5:6:7:8:9")]
    [InlineData("12345::1")]
    [InlineData("1:2:3")]
    [InlineData(":1:2::")]
    [InlineData("1:")]
    [InlineData("g::1")]
    public void Malformed_ipv6_text_is_not_an_address(string text)
    {
        Assert.False(IndicatorText.TryParseIpv6(Encoding.ASCII.GetBytes(text), out _));
    }

    [Theory]
    [InlineData("HTTP://Bad.Example/a", "http://bad.example/a")]
    [InlineData("http://bad.example:80/a", "http://bad.example/a")]
    [InlineData("https://bad.example:443/a", "https://bad.example/a")]
    [InlineData("https://bad.example:8443/a", "https://bad.example:8443/a")]
    [InlineData("http://bad.example:0080/a", "http://bad.example/a")]
    [InlineData("http://bad.example:/a", "http://bad.example/a")]
    [InlineData("http://bad.example", "http://bad.example/")]
    [InlineData("http://bad.example.", "http://bad.example/")]
    [InlineData("http://bad.example?q=1", "http://bad.example/?q=1")]
    [InlineData("http://bad.example/%7Euser/%61", "http://bad.example/~user/a")]
    [InlineData("http://bad.example/a%2fb", "http://bad.example/a%2Fb")]
    [InlineData("http://bad.example/a%zz", "http://bad.example/a%zz")]
    [InlineData("http://bad.example/a/./b/../c", "http://bad.example/a/c")]
    [InlineData("http://bad.example/a/b/..", "http://bad.example/a/")]
    [InlineData("http://bad.example/../../x", "http://bad.example/x")]
    [InlineData("http://bad.example/A/B?X=Y#frag", "http://bad.example/A/B?X=Y")]
    [InlineData("http://User:Pw@Bad.Example/", "http://User:Pw@bad.example/")]
    [InlineData("http://[2001:DB8::1]:80/", "http://[2001:db8::1]/")]
    public void Urls_are_normalised(string url, string expected)
    {
        var input = Encoding.UTF8.GetBytes(url);
        var output = new byte[input.Length + 1];
        var length = UrlNormalizer.Normalize(input, output);
        Assert.Equal(expected, Encoding.UTF8.GetString(output, 0, length));
    }

    [Theory]
    [InlineData("bad.example/a")]
    [InlineData("://bad.example/")]
    [InlineData("http://:80/")]
    [InlineData("http://bad.example:99999/")]
    [InlineData("1http://x/")]
    public void Strings_that_are_not_absolute_urls_are_refused(string url)
    {
        var input = Encoding.UTF8.GetBytes(url);
        Assert.Equal(-1, UrlNormalizer.Normalize(input, new byte[input.Length + 1]));
    }

    [Fact]
    public void A_url_indicator_matches_its_spellings_with_any_query_and_its_host_matches_domain_and_address_indicators()
    {
        var snapshot = Build(
            (IndicatorKind.Url, "http://Bad.Example:80/dl/%7Ex.exe"),
            (IndicatorKind.Domain, "c2.example"),
            (IndicatorKind.Ipv4, "203.0.113.0/24"));

        Assert.Equal(["http://bad.example/dl/~x.exe"], ValueMatches(snapshot, "http://BAD.example/dl/./~x.exe"));
        Assert.Equal(["http://bad.example/dl/~x.exe"], ValueMatches(snapshot, "http://bad.example/dl/%7ex.exe?id=5#top"));
        Assert.Empty(ValueMatches(snapshot, "https://bad.example/dl/~x.exe"));
        Assert.Equal(["c2.example"], ValueMatches(snapshot, "https://beacon.c2.example/checkin"));
        Assert.Equal(["203.0.113.0/24"], ValueMatches(snapshot, "http://203.0.113.9:8080/"));
    }

    [Fact]
    public void Hashes_match_in_any_case_and_inside_sysmon_hash_lists()
    {
        var snapshot = Build(
            (IndicatorKind.Md5, "44D88612FEA8A8F36DE82E1278ABB02F"),
            (IndicatorKind.Sha256, "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"));

        Assert.Equal(["44d88612fea8a8f36de82e1278abb02f"], ValueMatches(snapshot, "44d88612fea8a8f36de82e1278abb02f"));
        Assert.Equal(["44d88612fea8a8f36de82e1278abb02f"], ValueMatches(snapshot, "44D88612fea8a8f36de82e1278abb02F"));
        Assert.Equal(["275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"],
            ValueMatches(snapshot, "275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F"));
        Assert.Equal(["275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f", "44d88612fea8a8f36de82e1278abb02f"],
            ValueMatches(snapshot, "SHA1=3395856CE81F2B7382DEE72602F798B642F14140,MD5=44D88612FEA8A8F36DE82E1278ABB02F,SHA256=275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F,IMPHASH=00000000000000000000000000000000"));
        Assert.Empty(ValueMatches(snapshot, "44d88612fea8a8f36de82e1278abb02"));
    }

    [Fact]
    public void Email_addresses_match_case_insensitively_in_their_usual_wrappings_and_their_domain_matches_domains()
    {
        var snapshot = Build((IndicatorKind.Email, "Phish@Mail.Example"), (IndicatorKind.Domain, "spoof.example"));
        Assert.Equal(["phish@mail.example"], ValueMatches(snapshot, "PHISH@mail.example"));
        Assert.Equal(["phish@mail.example"], ValueMatches(snapshot, "mailto:phish@mail.example"));
        Assert.Equal(["phish@mail.example"], ValueMatches(snapshot, "Bank Support <phish@mail.example>"));
        Assert.Empty(ValueMatches(snapshot, "phish2@mail.example"));
        Assert.Equal(["spoof.example"], ValueMatches(snapshot, "ceo@hr.spoof.example"));
    }

    [Fact]
    public void Addresses_with_a_port_match_and_numbers_and_property_names_do_not()
    {
        var snapshot = Build((IndicatorKind.Ipv4, "203.0.113.7"), (IndicatorKind.Domain, "evil.example"));
        Assert.Equal(["203.0.113.7"], ValueMatches(snapshot, "203.0.113.7:443"));
        Assert.Empty(Matches(snapshot, """{"203.0.113.7":1,"evil.example":2,"n":2030113}"""));
        Assert.Empty(ValueMatches(snapshot, "203.0.113.07"));
        Assert.Empty(ValueMatches(snapshot, "203.0.113.7.5"));
    }

    [Fact]
    public void Escaped_json_strings_are_compared_unescaped_and_reported_as_they_were()
    {
        var snapshot = Build((IndicatorKind.Url, "http://bad.example/a/b"));
        var json = """{"u\u0072l":"http:\/\/bad.example\/a\/b"}""";
        var bytes = Encoding.UTF8.GetBytes(json);
        var hits = new List<IndicatorHit>();
        Assert.True(snapshot.Scan(bytes, hits, Now.UtcTicks));
        var match = Assert.Single(hits.Select(h => snapshot.Describe(bytes, h)));
        Assert.Equal(("url", "http://bad.example/a/b"), (match.Field, match.ObservedValue));
    }

    [Fact]
    public void Several_indicators_with_one_value_all_match_and_expired_ones_do_not()
    {
        var snapshot = IndicatorSnapshot.Build(
        [
            new IndicatorRecord(IndicatorKind.Domain, "evil.example", "indicator--a", 90),
            new IndicatorRecord(IndicatorKind.Domain, "EVIL.example", "indicator--b", null, Now.AddHours(1)),
            new IndicatorRecord(IndicatorKind.Domain, "evil.example", "indicator--c", 10, Now.AddHours(-1)),
        ], Now);

        Assert.Equal(2, snapshot.Count);
        Assert.Equal(1, snapshot.Expired);
        var bytes = """{"q":"evil.example"}"""u8.ToArray();
        var hits = new List<IndicatorHit>();
        snapshot.Scan(bytes, hits, Now.UtcTicks);
        Assert.Equal(["indicator--a", "indicator--b"], hits.Select(h => snapshot.IndicatorId(h.Indicator)).Order());

        // Two hours later indicator b has run out, without a rebuild.
        hits.Clear();
        snapshot.Scan(bytes, hits, Now.AddHours(2).UtcTicks);
        Assert.Equal(["indicator--a"], hits.Select(h => snapshot.IndicatorId(h.Indicator)));
    }

    [Fact]
    public void Values_that_are_not_of_their_kind_are_rejected_with_a_reason()
    {
        var snapshot = IndicatorSnapshot.Build(
        [
            new IndicatorRecord(IndicatorKind.Ipv4, "300.1.1.1", "indicator--0"),
            new IndicatorRecord(IndicatorKind.Ipv4, "10.0.0.0/33", "indicator--1"),
            new IndicatorRecord(IndicatorKind.Ipv6, "2001:db8::g", "indicator--2"),
            new IndicatorRecord(IndicatorKind.Domain, "localhost", "indicator--3"),
            new IndicatorRecord(IndicatorKind.Url, "bad.example/x", "indicator--4"),
            new IndicatorRecord(IndicatorKind.Md5, "abc", "indicator--5"),
            new IndicatorRecord(IndicatorKind.Email, "nobody", "indicator--6"),
            new IndicatorRecord(IndicatorKind.Domain, "ok.example", "indicator--7", 101),
            new IndicatorRecord(IndicatorKind.Domain, "ok.example", "indicator--8"),
        ], Now);

        Assert.Equal(1, snapshot.Count);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7], snapshot.Rejected.Select(r => r.Index));
        Assert.Contains("IPv4", snapshot.Rejected[0].Reason);
        Assert.Contains("prefix length", snapshot.Rejected[1].Reason);
        Assert.Contains("32 hex digits", snapshot.Rejected[5].Reason);
        Assert.Contains("confidence", snapshot.Rejected[7].Reason);
    }

    [Fact]
    public void Unicode_domain_indicators_match_their_ascii_form()
    {
        var snapshot = Build((IndicatorKind.Domain, "bücher.example"));
        Assert.Equal(["xn--bcher-kva.example"], ValueMatches(snapshot, "shop.xn--bcher-kva.example"));
    }

    [Fact]
    public void Malformed_json_is_reported_and_does_not_throw()
    {
        var snapshot = Build((IndicatorKind.Domain, "evil.example"));
        var hits = new List<IndicatorHit>();
        Assert.False(snapshot.Scan("""{"a":"evil.example","b":"""u8, hits, Now.UtcTicks));
        Assert.False(snapshot.Scan("""{"a":"evil.example"]"""u8, hits, Now.UtcTicks));
        Assert.False(snapshot.Scan("not json"u8, hits, Now.UtcTicks));
    }

    [Fact]
    public async Task Readers_see_one_whole_snapshot_or_the_other_while_it_is_swapped()
    {
        var a = Build((IndicatorKind.Domain, "a.example"), (IndicatorKind.Ipv4, "192.0.2.1"));
        var b = Build((IndicatorKind.Domain, "b.example"), (IndicatorKind.Ipv4, "192.0.2.2"));
        var matcher = new IndicatorMatcher(a);
        var json = """{"x":"a.example","y":"b.example","z":"192.0.2.1","w":"192.0.2.2"}"""u8.ToArray();
        using var stop = new CancellationTokenSource();
        var seen = new int[2];
        var torn = 0;
        var readers = Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
        {
            var hits = new List<IndicatorHit>();
            while (!stop.IsCancellationRequested)
            {
                var snapshot = matcher.Current;
                hits.Clear();
                snapshot.Scan(json, hits, Now.UtcTicks);
                var values = hits.Select(h => snapshot.IndicatorValue(h.Indicator)).Order().ToArray();
                if (values.SequenceEqual(["192.0.2.1", "a.example"]))
                {
                    Interlocked.Increment(ref seen[0]);
                }
                else if (values.SequenceEqual(["192.0.2.2", "b.example"]))
                {
                    Interlocked.Increment(ref seen[1]);
                }
                else
                {
                    Interlocked.Increment(ref torn);
                }
            }
        })).ToArray();

        for (var i = 0; i < 2000 || Volatile.Read(ref seen[0]) == 0 || Volatile.Read(ref seen[1]) == 0; i++)
        {
            matcher.Replace(i % 2 == 0 ? b : a);
            Thread.Yield();
        }

        stop.Cancel();
        await Task.WhenAll(readers);
        Assert.Equal(0, torn);
        Assert.True(seen[0] > 0 && seen[1] > 0);
        Assert.True(matcher.Version >= 2000);
    }

    [Fact]
    public void A_million_mixed_indicators_fit_in_300_MB()
    {
        var records = SyntheticIndicators.Mixed(1_000_000, seed: 7);
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var snapshot = IndicatorSnapshot.Build(records, Now);
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(snapshot);

        Assert.Equal(1_000_000, snapshot.Count + snapshot.Rejected.Count);
        Assert.Empty(snapshot.Rejected);
        Assert.InRange(snapshot.ApproximateBytes, 1, 300L * 1024 * 1024);
        Assert.InRange(after - before, 1, 300L * 1024 * 1024);
        TestContext.Current.TestOutputHelper?.WriteLine($"1M indicators: {snapshot.ApproximateBytes / 1048576.0:F1} MiB by array sizes, {(after - before) / 1048576.0:F1} MiB by heap growth");
    }

    [Fact]
    public void IPv4_networks_shorter_than_a_slash_8_and_at_slash_8_edges_match_exactly()
    {
        // The per-/8 summary must cover every /8 a short prefix spans, and nothing next to it.
        var snapshot = Build(
            (IndicatorKind.Ipv4, "64.0.0.0/6"),
            (IndicatorKind.Ipv4, "100.255.255.255"),
            (IndicatorKind.Ipv4, "0.0.0.0/1"));

        Assert.Empty(ValueMatches(snapshot, "128.0.0.1"));
        Assert.Equal(["0.0.0.0/1", "64.0.0.0/6"], ValueMatches(snapshot, "64.0.0.0"));
        Assert.Equal(["0.0.0.0/1", "64.0.0.0/6"], ValueMatches(snapshot, "67.255.255.255"));
        Assert.Equal(["0.0.0.0/1"], ValueMatches(snapshot, "68.0.0.0"));
        Assert.Equal(["0.0.0.0/1"], ValueMatches(snapshot, "63.255.255.255"));
        Assert.Equal(["0.0.0.0/1", "100.255.255.255"], ValueMatches(snapshot, "100.255.255.255"));
        Assert.Equal(["0.0.0.0/1"], ValueMatches(snapshot, "100.255.255.254"));
        Assert.Empty(ValueMatches(snapshot, "128.0.0.0"));
        Assert.Empty(ValueMatches(snapshot, "255.255.255.255"));
        Assert.Equal(["0.0.0.0/1", "64.0.0.0/6"], ValueMatches(snapshot, "::ffff:65.1.2.3"));
    }

    [Fact]
    public void IPv4_lookups_agree_with_a_plain_scan_of_every_network()
    {
        // Random networks of every length against random addresses (and addresses inside the networks): the table,
        // the per-/16 lengths and the per-/8 summary together must give exactly what testing each network gives.
        var random = new Random(5);
        var networks = new List<(uint Network, int Length)>();
        for (var i = 0; i < 400; i++)
        {
            var length = i < 40 ? random.Next(1, 17) : random.Next(17, 33);
            var network = length == 0 ? 0u : (uint)random.NextInt64(0, 1L << 32) & (uint)(0xFFFFFFFFUL << (32 - length));
            networks.Add((network, length));
        }

        var snapshot = IndicatorSnapshot.Build(
            networks.Select((n, i) => new IndicatorRecord(IndicatorKind.Ipv4, $"{Dotted(n.Network)}/{n.Length}", $"indicator--{i}", 50)), Now);
        for (var i = 0; i < 3000; i++)
        {
            var address = i % 3 == 0
                ? networks[random.Next(networks.Count)].Network | ((uint)random.NextInt64(0, 1L << 32) & 0xFF)
                : (uint)random.NextInt64(0, 1L << 32);
            var expected = networks
                .Where(n => n.Length == 0 || (address & (uint)(0xFFFFFFFFUL << (32 - n.Length))) == n.Network)
                .Select(n => $"{Dotted(n.Network)}/{n.Length}").Distinct().Order(StringComparer.Ordinal).ToArray();
            var actual = ValueMatches(snapshot, Dotted(address)).Select(v => v.Contains('/') ? v : v + "/32").Distinct().ToArray();
            Assert.Equal(expected, actual.Order(StringComparer.Ordinal).ToArray());
        }

        static string Dotted(uint a) => $"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}";
    }
}
