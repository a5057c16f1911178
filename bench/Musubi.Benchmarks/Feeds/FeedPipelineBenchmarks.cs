using BenchmarkDotNet.Attributes;
using Musubi.Core.Networks;
using Musubi.Feeds.Parsers;
using Musubi.Feeds.Parsing;
using Musubi.Feeds.Pipeline;

namespace Musubi.Benchmarks.Feeds;

/// <summary>
/// Feed rows per second on one thread: parse → validate → de-duplicate → enrich → route → aggregate, against a plain
/// CSV split of the same bytes (find every comma and newline, nothing else) as the baseline.
/// dotnet run -c Release --project bench/Musubi.Benchmarks -- --filter '*FeedPipeline*'
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class FeedPipelineBenchmarks
{
    private const int Rows = 200_000;
    private byte[] _data = [];
    private NetworkOwnershipIndex _ownership = null!;
    private RoutingTable _routing = null!;
    private RoutingOptions _recipients = null!;

    [GlobalSetup]
    public void Setup()
    {
        _data = FeedBenchData.ScanSmb(Rows, 0, DateTimeOffset.UtcNow);
        _ownership = FeedBenchData.Ownership();
        _routing = FeedBenchData.Routing();
        _recipients = FeedBenchData.Recipients();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Rows)]
    public int PlainCsvSplit()
    {
        int fields = 0;
        ReadOnlySpan<byte> rest = _data;
        while (true)
        {
            int at = rest.IndexOfAny((byte)',', (byte)'\n');
            if (at < 0)
            {
                return fields;
            }

            fields++;
            rest = rest[(at + 1)..];
        }
    }

    [Benchmark(OperationsPerInvoke = Rows)]
    public int ParseOnly()
    {
        var sink = new CountingSink();
        new ShadowserverParser().Parse(_data, new FeedParseContext(sink, new FeedParseOptions { FileName = "2026-11-26-scan_smb-jp.csv", Extras = false }));
        return sink.Events;
    }

    [Benchmark(OperationsPerInvoke = Rows)]
    public long ParseDedupEnrichAggregate() => Run(extras: false);

    [Benchmark(OperationsPerInvoke = Rows)]
    public long ParseDedupEnrichAggregate_WithExtras() => Run(extras: true);

    private long Run(bool extras)
    {
        var pipeline = FeedPipeline.Create(TimeProvider.System, _recipients, new Enricher(_ownership, _routing),
            dedup: new DeduplicationOptions { Capacity = Rows });
        new ShadowserverParser().Parse(_data, new FeedParseContext(pipeline, new FeedParseOptions { FileName = "2026-11-26-scan_smb-jp.csv", Extras = extras }));
        if (pipeline.Counts.Aggregated < Rows * 8 / 10)
        {
            throw new InvalidOperationException($"only {pipeline.Counts.Aggregated} rows aggregated");
        }

        return pipeline.Counts.Aggregated;
    }

    private sealed class CountingSink : IFeedSink
    {
        public int Events { get; private set; }

        public void OnEvent(in Musubi.Feeds.Events.FeedEvent feedEvent) => Events++;

        public void OnError(in Musubi.Feeds.Events.FeedError error) => throw new InvalidOperationException(error.ToString());
    }
}
