using System.Diagnostics;
using System.Globalization;
using Musubi.Feeds.Events;
using Musubi.Feeds.Parsers;
using Musubi.Feeds.Parsing;
using Musubi.Feeds.Pipeline;

namespace Musubi.Benchmarks.Feeds;

/// <summary>
/// Where a feed row's time goes: the same 200,000 rows as <see cref="FeedPipelineBenchmarks"/> through ever longer
/// prefixes of the pipeline (split only; parse; + validate; + de-duplicate; + enrich; + route; + aggregate), each
/// timed with a Stopwatch (best of N runs) with the bytes allocated per row. The difference between two lines is
/// the cost of the stage added. A profiling aid, not a benchmark: the figures in docs/BENCHMARKS.md come from
/// BenchmarkDotNet.
/// dotnet run -c Release --project bench/Musubi.Benchmarks -- feeds-profile [runs]
/// </summary>
public static class StageProfile
{
    private const int Rows = 200_000;

    public static int Run(string[] args)
    {
        int runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 7;
        byte[] data = FeedBenchData.ScanSmb(Rows, 0, DateTimeOffset.UtcNow);
        var ownership = FeedBenchData.Ownership();
        var routing = FeedBenchData.Routing();
        var recipients = FeedBenchData.Recipients();
        var parser = new ShadowserverParser();
        var options = new FeedParseOptions { FileName = "2026-11-26-scan_smb-jp.csv", Extras = false };

        Measure("split (baseline)", runs, () => { Split(data); });
        for (int depth = 0; depth <= 5; depth++)
        {
            int d = depth;
            Measure(Names[d], runs, () =>
            {
                var sink = new Prefix(d, recipients, new Enricher(ownership, routing));
                parser.Parse(data, new FeedParseContext(sink, options));
            });
        }

        return 0;
    }

    private static readonly string[] Names =
        ["parse", "+ validate", "+ de-duplicate", "+ enrich", "+ route", "+ aggregate"];

    private static void Measure(string name, int runs, Action action)
    {
        action(); // warm-up
        double best = double.MaxValue;
        long allocated = 0;
        for (int i = 0; i < runs; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            action();
            clock.Stop();
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            best = Math.Min(best, clock.Elapsed.TotalNanoseconds / Rows);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-18} {best,8:N0} ns/row {1e9 / best,12:N0} rows/s {allocated / (double)Rows,8:N0} B/row"));
    }

    private static int Split(ReadOnlySpan<byte> rest)
    {
        int fields = 0;
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

    /// <summary>The pipeline's stages up to <c>depth</c> (0: none), in the order <see cref="FeedPipeline"/> runs them.</summary>
    private sealed class Prefix(int depth, RoutingOptions recipients, Enricher enricher) : IFeedSink
    {
        private readonly EventValidator _validator = new(new ValidationOptions(), TimeProvider.System);
        private readonly Deduplicator _dedup = new(new DeduplicationOptions { Capacity = Rows }, TimeProvider.System);
        private readonly Router _router = new(recipients);
        private Aggregator? _aggregator;
        public long Kept;

        public void OnEvent(in FeedEvent feedEvent)
        {
            if (depth >= 1 && _validator.Check(feedEvent) is not null)
            {
                return;
            }

            if (depth >= 2 && !_dedup.IsNew(feedEvent))
            {
                return;
            }

            FeedEvent e = feedEvent;
            if (depth >= 3)
            {
                enricher.Enrich(ref e);
            }

            int recipient = -1;
            if (depth >= 4 && _router.Route(e, out recipient) != RouteOutcome.Routed)
            {
                return;
            }

            if (depth >= 5)
            {
                (_aggregator ??= new Aggregator(_router.Recipients, TimeProvider.System)).Add(recipient, e);
            }

            Kept++;
        }

        public void OnError(in FeedError error) => throw new InvalidOperationException(error.ToString());
    }
}
