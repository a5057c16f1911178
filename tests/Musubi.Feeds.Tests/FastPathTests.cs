using System.Text;
using Microsoft.Extensions.Time.Testing;
using Musubi.Feeds.Events;
using Musubi.Feeds.Parsers;
using Musubi.Feeds.Parsing;
using Musubi.Feeds.Pipeline;

namespace Musubi.Feeds.Tests;

/// <summary>
/// The throughput work's fast paths give the same answers as the plain ones: the vectorised CSV record and field
/// split, the per-field cache of interned classification values, the de-duplication key, and the aggregator's shared
/// event store (arrival order per recipient across chunks, chunks released once their events left).
/// </summary>
public sealed class FastPathTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 10, 15, 0, TimeSpan.Zero);

    [Fact]
    public void Csv_records_and_fields_split_quotes_escapes_and_line_breaks_as_before()
    {
        byte[] data = Encoding.UTF8.GetBytes("a,\"b,c\",\"say \"\"hi\"\"\"\n\"two\nlines\",,x\r\nplain,\"\",\"q\"tail\nlast,\"open");
        var reader = new CsvRecordReader(data);
        var row = new CsvRow();
        var records = new List<(string[] Fields, int Line, string? Error)>();
        while (reader.Next(out ReadOnlySpan<byte> record, out int line, out _, out _))
        {
            string? error = row.Split(record, (byte)',', 64);
            records.Add(([.. Enumerable.Range(0, row.Count).Select(i => Encoding.UTF8.GetString(row[i]))], line, error));
        }

        Assert.Equal(4, records.Count);
        Assert.Equal(["a", "b,c", "say \"hi\""], records[0].Fields);
        Assert.Equal(["two\nlines", "", "x"], records[1].Fields);
        Assert.Equal(2, records[1].Line);
        Assert.Equal(["plain", "", "qtail"], records[2].Fields); // text after a closing quote is kept
        Assert.Equal(4, records[2].Line);
        Assert.Equal("column 2: a quoted field is not closed", records[3].Error);
        Assert.Equal(5, records[3].Line);
    }

    [Fact]
    public void Classification_values_repeated_row_after_row_keep_their_ids_and_changes_are_seen()
    {
        var mapping = new CsvMapping
        {
            FeedName = "partner",
            Columns = new Dictionary<string, string> { ["ip"] = "source.ip", ["malware"] = "malware.name", ["type"] = "classification.type" },
            Constants = new Dictionary<string, string> { ["classification.taxonomy"] = "malicious-code" },
        };
        string csv = "ip,malware,type\n192.0.2.1,Mirai,infected-system\n192.0.2.2,mirai,infected-system\n192.0.2.3,MIRAI-v2,infected-system\n"
                     + "192.0.2.4,Mirai,vulnerable-system\n192.0.2.5,Mirai,infected-system\n";
        var sink = new CollectingSink();
        new GenericCsvParser(mapping).Parse(Encoding.UTF8.GetBytes(csv), new FeedParseContext(sink, FeedParseOptions.Default with { FileName = "p.csv" }));
        Assert.Empty(sink.Errors);
        Assert.Equal(["mirai", "mirai", "mirai-v2", "mirai", "mirai"], sink.Events.Select(e => FeedSymbols.Get(e.MalwareName)));
        Assert.Equal(["infected-system", "infected-system", "infected-system", "vulnerable-system", "infected-system"], sink.Events.Select(e => FeedSymbols.Get(e.Type)));
        Assert.All(sink.Events, e => Assert.Equal("malicious-code", FeedSymbols.Get(e.Taxonomy)));
        Assert.Equal(sink.Events[0].MalwareName, sink.Events[1].MalwareName);
        Assert.NotEqual(sink.Events[1].MalwareName, sink.Events[2].MalwareName);
    }

    private static FeedEvent Event(string address, string? fqdn = null, int port = -1)
    {
        var e = FeedEvent.Empty;
        if (address.Contains('/', StringComparison.Ordinal))
        {
            Assert.True(FeedAddress.TryParseCidr(Encoding.ASCII.GetBytes(address), out e.Source));
        }
        else
        {
            Assert.True(FeedAddress.TryParse(Encoding.ASCII.GetBytes(address), out e.Source));
        }

        e.SourceFqdn = fqdn;
        e.SourcePort = port;
        e.Type = FeedSymbols.Intern("infected-system");
        return e;
    }

    [Fact]
    public void Dedup_keys_tell_families_prefixes_and_text_apart_and_equal_values_agree()
    {
        static ulong Key(FeedEvent e) => DeduplicationKey.Of(e, DedupFields.Default);
        Assert.Equal(Key(Event("2001:db8::1")), Key(Event("2001:0db8:0:0::1")));      // the same IPv6 address, two spellings
        Assert.NotEqual(Key(Event("2001:db8::1")), Key(Event("2001:db8::2")));
        Assert.NotEqual(Key(Event("2001:db8::1")), Key(Event("::ffff:0.0.0.1")));
        Assert.NotEqual(Key(Event("0.0.0.1")), Key(Event("::1")));                    // the same number, another family
        Assert.NotEqual(Key(Event("0.0.0.1")), Key(Event("::ffff:0.0.0.1")));
        Assert.NotEqual(Key(Event("192.0.2.0")), Key(Event("192.0.2.0/24")));          // a host is not its network
        Assert.NotEqual(Key(Event("2001:db8::/32")), Key(Event("2001:db8::/48")));
        Assert.Equal(Key(Event("192.0.2.1", "a.example")), Key(Event("192.0.2.1", new string("a.example".ToCharArray()))));
        Assert.NotEqual(Key(Event("192.0.2.1", "a.example")), Key(Event("192.0.2.1", "a.exampl")));
        Assert.NotEqual(Key(Event("192.0.2.1", "")), Key(Event("192.0.2.1")));        // empty text is not "absent"
        Assert.NotEqual(Key(Event("192.0.2.1", "abcd")), Key(Event("192.0.2.1", "abcde")));
        Assert.Equal(Key(Event("192.0.2.1", port: 1)), Key(Event("192.0.2.1", port: 2))); // the port is not in the default key
        Assert.NotEqual(DeduplicationKey.Of(Event("192.0.2.1", port: 1), DedupFields.Default | DedupFields.SourcePort),
            DeduplicationKey.Of(Event("192.0.2.1", port: 2), DedupFields.Default | DedupFields.SourcePort));
    }

    [Fact]
    public void The_aggregator_keeps_arrival_order_per_recipient_across_chunks_and_forgets_closed_windows()
    {
        var time = new FakeTimeProvider(Start);
        var recipients = new List<Recipient> { new("hourly", TimeSpan.FromHours(1)), new("daily", TimeSpan.FromDays(1)), new("other", TimeSpan.FromHours(1)) };
        var aggregator = new Aggregator(recipients, time);
        const int N = 40_000; // more than two chunks of the shared store
        for (int i = 0; i < N; i++)
        {
            var e = FeedEvent.Empty;
            e.Line = i;
            aggregator.Add(i % 3 == 0 ? 1 : i % 3 == 1 ? 0 : 2, e);
        }

        Assert.Equal(N, aggregator.InFlight);
        time.Advance(TimeSpan.FromMinutes(45));
        var due = aggregator.TakeDue();
        Assert.Equal(["hourly", "other"], due.Select(b => b.Recipient.Id).Order());
        var hourly = due.Single(b => b.Recipient.Id == "hourly");
        Assert.Equal(Enumerable.Range(0, N).Where(i => i % 3 == 1), hourly.Events.All().Select(e => e.Line));
        Assert.Equal(N - hourly.Events.Count - due.Single(b => b.Recipient.Id == "other").Events.Count, aggregator.InFlight);

        // The hourly recipient's next event opens a new window; the daily one's events are all still there, in order.
        var late = FeedEvent.Empty;
        late.Line = -1;
        aggregator.Add(0, late);
        time.Advance(TimeSpan.FromHours(14));
        var rest = aggregator.TakeDue();
        Assert.Equal([-1], rest.Single(b => b.Recipient.Id == "hourly").Events.All().Select(e => e.Line));
        Assert.Equal(Enumerable.Range(0, N).Where(i => i % 3 == 0), rest.Single(b => b.Recipient.Id == "daily").Events.All().Select(e => e.Line));
        Assert.Equal(0, aggregator.InFlight);
        Assert.Empty(aggregator.TakeAll());
    }
}
