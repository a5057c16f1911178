using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Musubi.Feeds.Events;
using Musubi.Feeds.Parsers;
using Musubi.Feeds.Parsing;
using Musubi.Feeds.Pipeline;

namespace Musubi.Benchmarks.Feeds;

/// <summary>
/// Holds N feed rows in flight (parsed, de-duplicated, enriched, routed and waiting in their recipients' daily
/// windows) and reports the peak resident set. Rows arrive as reports of 100,000 rows each, written into one reused
/// buffer (the events reference their rows by offset, as a collector's stored file would).
/// dotnet run -c Release --project bench/Musubi.Benchmarks -- feeds-inflight 5000000
/// </summary>
public static class InFlightRun
{
    public static int Run(string[] args)
    {
        long target = args.Length > 1 ? long.Parse(args[1], CultureInfo.InvariantCulture) : 5_000_000;
        const int PerFile = 100_000;
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var pipeline = FeedPipeline.Create(TimeProvider.System, FeedBenchData.Recipients(), new Enricher(FeedBenchData.Ownership(), FeedBenchData.Routing()));
        var parser = new ShadowserverParser();
        var clock = Stopwatch.StartNew();
        long rows = 0;
        int file = 0;
        // One read buffer, reused for every report (as a collector reuses a pooled buffer): the events keep their raw
        // row as an offset and length, not a copy.
        byte[] buffer = new byte[FeedBenchData.MaxBytes(PerFile)];
        while (pipeline.Aggregator.InFlight < target && rows < target * 2)
        {
            int count = (int)Math.Min(PerFile, (target - pipeline.Aggregator.InFlight) * 10 / 9 + 10);
            int length = FeedBenchData.ScanSmbInto(buffer, count, rows, now);
            parser.Parse(buffer.AsSpan(0, length), new FeedParseContext(pipeline, new FeedParseOptions { FileName = "2026-11-26-scan_smb-jp.csv", Extras = false, SourceId = file++ }));
            rows += count;
        }

        clock.Stop();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        PipelineCounts c = pipeline.Counts;
        Console.WriteLine($"rows read:            {rows:N0} in {file} reports of up to {PerFile:N0}");
        Console.WriteLine($"duplicates dropped:   {c.Duplicates:N0}; invalid {c.Invalid:N0}; unrouted {c.Unrouted:N0}; rejected by the parser {c.Rejected:N0}");
        Console.WriteLine($"events in flight:     {pipeline.Aggregator.InFlight:N0} (de-duplication keys held: {pipeline.Deduplicator.Count:N0})");
        Console.WriteLine($"event size:           {Unsafe.SizeOf<FeedEvent>()} bytes");
        Console.WriteLine($"managed heap:         {GC.GetTotalMemory(false) / 1048576.0:N0} MiB after a full collection");
        Console.WriteLine($"resident set now:     {process.WorkingSet64 / 1048576.0:N0} MiB");
        Console.WriteLine($"peak resident set:    {process.PeakWorkingSet64 / 1048576.0:N0} MiB");
        Console.WriteLine($"elapsed:              {clock.Elapsed.TotalSeconds:N1} s (including generating the CSV text)");
        GC.KeepAlive(pipeline);
        return pipeline.Aggregator.InFlight >= target && process.PeakWorkingSet64 <= 2L * 1024 * 1024 * 1024 ? 0 : 1;
    }
}
