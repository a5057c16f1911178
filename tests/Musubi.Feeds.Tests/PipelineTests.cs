using System.Text;
using Microsoft.Extensions.Time.Testing;
using Musubi.Core.Networks;
using Musubi.Feeds.Events;
using Musubi.Feeds.Parsers;
using Musubi.Feeds.Parsing;
using Musubi.Feeds.Pipeline;

namespace Musubi.Feeds.Tests;

public sealed class PipelineTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 10, 15, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);

    private static FeedEvent Event(string ip, string type = "infected-system", string malware = "mirai", int minutesAgo = 5, uint asn = 0, int port = -1)
    {
        var e = FeedEvent.Empty;
        Assert.True(FeedAddress.TryParse(Encoding.ASCII.GetBytes(ip), out e.Source), ip);
        e.Taxonomy = FeedSymbols.Intern("malicious-code");
        e.Type = FeedSymbols.Intern(type);
        e.MalwareName = FeedSymbols.Intern(malware);
        e.FeedName = FeedSymbols.Intern("test feed");
        e.TimeSource = Start.AddMinutes(-minutesAgo).ToUnixTimeMilliseconds();
        e.SourceAsn = asn;
        e.SourcePort = port;
        return e;
    }

    [Fact]
    public void Validation_refuses_events_without_time_classification_or_a_plausible_time()
    {
        var validator = new EventValidator(new ValidationOptions { MaxAge = TimeSpan.FromDays(7) }, _time);
        Assert.Null(validator.Check(Event("192.0.2.1")));
        var noTime = Event("192.0.2.1");
        noTime.TimeSource = FeedEvent.NoTime;
        Assert.Equal("no time.source", validator.Check(noTime));
        var noClass = Event("192.0.2.1");
        noClass.Type = 0;
        Assert.Equal("no classification", validator.Check(noClass));
        Assert.Equal("time.source is in the future", validator.Check(Event("192.0.2.1", minutesAgo: -120)));
        Assert.Equal("time.source is older than the maximum age", validator.Check(Event("192.0.2.1", minutesAgo: 8 * 24 * 60)));
        Assert.Equal("no source", validator.Check(FeedEvent.Empty with { Taxonomy = 1, Type = 1 }));
    }

    [Fact]
    public void A_repeat_within_the_window_is_dropped_and_accepted_again_after_it()
    {
        var dedup = new Deduplicator(new DeduplicationOptions { Window = TimeSpan.FromHours(1) }, _time);
        Assert.True(dedup.IsNew(Event("192.0.2.1")));
        Assert.False(dedup.IsNew(Event("192.0.2.1", minutesAgo: 1)));
        Assert.True(dedup.IsNew(Event("192.0.2.2")));
        Assert.True(dedup.IsNew(Event("192.0.2.1", malware: "emotet")));
        _time.Advance(TimeSpan.FromMinutes(59));
        Assert.False(dedup.IsNew(Event("192.0.2.1")));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(dedup.IsNew(Event("192.0.2.1")));
        Assert.Equal(2, dedup.Duplicates);
    }

    [Fact]
    public void The_key_fields_are_configurable()
    {
        var byHost = new Deduplicator(new DeduplicationOptions { Key = DedupFields.SourceAddress }, _time);
        Assert.True(byHost.IsNew(Event("192.0.2.1", port: 1)));
        Assert.False(byHost.IsNew(Event("192.0.2.1", port: 2, malware: "other")));
        var byHostAndPort = new Deduplicator(new DeduplicationOptions { Key = DedupFields.SourceAddress | DedupFields.SourcePort }, _time);
        Assert.True(byHostAndPort.IsNew(Event("192.0.2.1", port: 1)));
        Assert.True(byHostAndPort.IsNew(Event("192.0.2.1", port: 2)));
        Assert.False(byHostAndPort.IsNew(Event("192.0.2.1", port: 2)));
    }

    [Fact]
    public void Memory_is_bounded_by_the_capacity_forgetting_the_oldest_keys()
    {
        var dedup = new Deduplicator(new DeduplicationOptions { Capacity = 100 }, _time);
        for (int i = 0; i < 1000; i++)
        {
            Assert.True(dedup.IsNew(Event($"10.0.{i / 256}.{i % 256}")));
            Assert.True(dedup.Count <= 100);
        }

        Assert.Equal(900, dedup.Evicted);
        Assert.False(dedup.IsNew(Event("10.0.3.231"))); // i = 999, still remembered
        Assert.True(dedup.IsNew(Event("10.0.0.0")));    // the first, forgotten
    }

    [Fact]
    public void The_routing_table_reads_pyasn_ipasn_dat_with_longest_prefix_match()
    {
        var builder = new RoutingTableBuilder().AddPyAsn(File.ReadAllBytes(FeedCorpus.File("asn_lookup", "ipasn.dat")));
        builder.AddPyAsn("93.184.216.128/25\t64500\n"u8);
        Assert.Empty(builder.Errors);
        RoutingTable table = builder.Build();
        Assert.Equal(15133u, table.AsnOf(Address("93.184.216.34")));
        Assert.Equal(64500u, table.AsnOf(Address("93.184.216.200")));
        Assert.Equal(40528u, table.AsnOf(Address("192.0.43.10")));
        Assert.Equal(16876u, table.AsnOf(Address("2001:500:88::1")));
        Assert.Equal(0u, table.AsnOf(Address("198.51.100.1")));
    }

    [Fact]
    public void The_routing_table_reads_rir_delegated_stats_and_reports_bad_lines()
    {
        var builder = new RoutingTableBuilder().AddRirDelegated("""
            2|apnic|20261126|3|19830613|20261125|+1000
            apnic|*|ipv4|*|2|summary
            apnic|JP|ipv4|1.0.16.0|4096|20110412|allocated
            apnic|JP|ipv4|1.0.64.0|768|20110412|allocated
            apnic|AU|ipv6|2001:dc0::|32|20020801|allocated
            apnic|JP|asn|2497|2|19970101|allocated
            apnic|XYZ|ipv4|1.1.1.0|256|20110412|allocated
            apnic|JP|ipv4|1.2.3.x|256|20110412|allocated
            apnic|JP|ipv4
            """u8);
        Assert.Equal([7, 8, 9], builder.Errors.Select(e => e.Line));
        RoutingTable table = builder.Build();
        ushort jp = FeedEvent.PackCountry('J', 'P');
        Assert.Equal(jp, table.CountryOf(Address("1.0.31.255")));
        Assert.Equal(0, table.CountryOf(Address("1.0.32.0")));
        Assert.Equal(jp, table.CountryOf(Address("1.0.66.255")));   // 768 addresses: a /23 and a /24
        Assert.Equal(0, table.CountryOf(Address("1.0.67.0")));
        Assert.Equal(FeedEvent.PackCountry('A', 'U'), table.CountryOf(Address("2001:dc0::1")));
        Assert.Equal(jp, table.CountryOfAsn(2498));
        Assert.Equal(0, table.CountryOfAsn(2499));
    }

    [Fact]
    public void Enrichment_adds_owner_asn_and_country_but_keeps_what_the_feed_said()
    {
        var ownership = NetworkOwnershipIndex.Build([(IpPrefix.Parse("192.0.2.0/24"), 7), (IpPrefix.Parse("192.0.2.128/25"), 8)]);
        var routing = new RoutingTableBuilder().AddPyAsn("192.0.2.0/24\t64496\n"u8).AddRirDelegated("ripencc|NL|asn|64496|1|20000101|assigned\n"u8).Build();
        var enricher = new Enricher(ownership, routing);
        var a = Event("192.0.2.10");
        enricher.Enrich(ref a);
        Assert.Equal(7, a.Owner);
        Assert.Equal(64496u, a.SourceAsn);
        Assert.Equal("NL", a.Country);
        var b = Event("192.0.2.200", asn: 65000);
        enricher.Enrich(ref b);
        Assert.Equal(8, b.Owner);
        Assert.Equal(65000u, b.SourceAsn);
        var c = Event("203.0.113.1");
        enricher.Enrich(ref c);
        Assert.Equal(-1, c.Owner);
        Assert.Equal(0u, c.SourceAsn);
    }

    private static Router Router() => new(new RoutingOptions
    {
        Recipients = [new("agency", TimeSpan.FromHours(1)), new("isp-a", TimeSpan.FromDays(1)), new("scanner-desk", TimeSpan.FromHours(1))],
        Rules =
        [
            new RouteRule { Owner = 7, Type = "scanner", Inhibit = true },
            new RouteRule { Type = "scanner", Recipient = "scanner-desk" },
        ],
        OwnerRecipients = new Dictionary<int, string> { [7] = "agency" },
        AsnRecipients = new Dictionary<uint, string> { [64496] = "isp-a" },
    });

    [Fact]
    public void Routing_applies_inhibitions_then_rules_then_owner_then_isp()
    {
        Router router = Router();
        var owned = Event("192.0.2.1") with { Owner = 7, SourceAsn = 64496 };
        Assert.Equal(RouteOutcome.Routed, router.Route(owned, out int r1));
        Assert.Equal("agency", router.Recipients[r1].Id);
        var ispOnly = Event("198.51.100.1", asn: 64496);
        Assert.Equal(RouteOutcome.Routed, router.Route(ispOnly, out int r2));
        Assert.Equal("isp-a", router.Recipients[r2].Id);
        Assert.Equal(RouteOutcome.Inhibited, router.Route(Event("192.0.2.1", type: "scanner") with { Owner = 7 }, out _));
        Assert.Equal(RouteOutcome.Routed, router.Route(Event("198.51.100.1", type: "scanner", asn: 64496), out int r3));
        Assert.Equal("scanner-desk", router.Recipients[r3].Id);
        Assert.Equal(RouteOutcome.Unrouted, router.Route(Event("203.0.113.1", asn: 1), out int r4));
        Assert.Equal(-1, r4);
    }

    [Fact]
    public void Routing_configuration_errors_name_the_problem()
    {
        Assert.Contains("unknown recipient 'nobody'", Assert.Throws<ArgumentException>(() => new Router(new RoutingOptions
        {
            Recipients = [new("a", TimeSpan.FromHours(1))],
            OwnerRecipients = new Dictionary<int, string> { [1] = "nobody" },
        })).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new Router(new RoutingOptions { Recipients = [new("a", TimeSpan.Zero)] }));
        Assert.Throws<ArgumentException>(() => new Router(new RoutingOptions { Recipients = [new("a", TimeSpan.FromHours(1)), new("a", TimeSpan.FromHours(2))] }));
    }

    [Fact]
    public void Aggregation_closes_each_recipients_window_at_its_own_interval()
    {
        Router router = Router();
        var aggregator = new Aggregator(router.Recipients, _time);
        aggregator.Add(0, Event("192.0.2.1"));
        aggregator.Add(0, Event("192.0.2.2"));
        aggregator.Add(1, Event("198.51.100.1"));
        Assert.Equal(3, aggregator.InFlight);
        Assert.Empty(aggregator.TakeDue());
        _time.Advance(TimeSpan.FromMinutes(45)); // 11:00: the hourly window 10:00-11:00 ends
        var due = Assert.Single(aggregator.TakeDue());
        Assert.Equal("agency", due.Recipient.Id);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero), due.From);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 11, 0, 0, TimeSpan.Zero), due.To);
        Assert.Equal(["192.0.2.1", "192.0.2.2"], due.Events.All().Select(e => e.Source.ToString()));
        Assert.Equal(1, aggregator.InFlight);
        aggregator.Add(0, Event("192.0.2.3"));
        _time.Advance(TimeSpan.FromHours(13)); // 00:00 next day: the daily window and the 11:00 hourly one end
        var next = aggregator.TakeDue();
        Assert.Equal(["isp-a", "agency"], next.Select(b => b.Recipient.Id));
        Assert.Equal(0, aggregator.InFlight);
    }

    [Fact]
    public void Take_all_hands_out_open_windows()
    {
        var aggregator = new Aggregator(Router().Recipients, _time);
        aggregator.Add(2, Event("192.0.2.1"));
        Assert.Single(aggregator.TakeAll());
        Assert.Empty(aggregator.TakeAll());
    }

    [Fact]
    public void The_pipeline_counts_every_row_of_a_corpus_feed()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2019, 10, 1, 0, 0, 0, TimeSpan.Zero));
        var ownership = NetworkOwnershipIndex.Build([(IpPrefix.Parse("172.16.0.0/24"), 3)]);
        var pipeline = FeedPipeline.Create(time,
            new RoutingOptions { Recipients = [new("campus", TimeSpan.FromDays(1))], OwnerRecipients = new Dictionary<int, string> { [3] = "campus" } },
            new Enricher(ownership, RoutingTable.Empty),
            new ValidationOptions { MaxAge = TimeSpan.FromDays(60) });
        byte[] data = File.ReadAllBytes(FeedCorpus.File("cymru", "certname_20190327.txt"));
        new CymruCapParser().Parse(data, new FeedParseContext(pipeline, FeedParseOptions.Default with { Extras = false }));
        PipelineCounts c = pipeline.Counts;
        Assert.Equal(35, c.Received);
        Assert.Equal(c.Received, c.Invalid + c.Duplicates + c.Inhibited + c.Unrouted + c.Aggregated);
        Assert.True(c.Invalid > 0);     // rows from 2019-03 are older than 60 days on 2019-10-01; 2020 rows are in the future
        Assert.True(c.Aggregated > 0);
        var batch = Assert.Single(pipeline.Aggregator.TakeAll());
        Assert.Equal(c.Aggregated, batch.Events.Count);
        Assert.All(batch.Events.All(), e => Assert.Equal(3, e.Owner));
    }

    private static FeedAddress Address(string text)
    {
        Assert.True(FeedAddress.TryParse(Encoding.ASCII.GetBytes(text), out FeedAddress a), text);
        return a;
    }
}
