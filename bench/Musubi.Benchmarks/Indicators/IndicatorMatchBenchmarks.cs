using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Musubi.Detection.Indicators;

namespace Musubi.Benchmarks.Indicators;

/// <summary>
/// 1,000,000 JSON-line events against 1,000,000 active indicators of every kind, on one thread; every figure is per
/// event (Op/s = events per second). Baselines in the same run: a plain <see cref="Utf8JsonReader"/> pass over the
/// same lines, and GNU <c>LC_ALL=C grep -F -c -f patterns events.jsonl</c> with the indicators' exact values as
/// patterns, over the first <see cref="GrepEventCount"/> of the same lines (grep's figure includes starting the
/// process and compiling its patterns, spread over those lines).
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
[OperationsPerSecond]
public class IndicatorMatchBenchmarks
{
    public const int EventCount = 1_000_000;
    public const int IndicatorCount = 1_000_000;

    /// <summary>
    /// grep reads the first 100,000 of the same lines (its cost per line does not depend on how many lines follow;
    /// a whole-file pass took over six minutes on the shared machine), so its Op/s is per event too.
    /// </summary>
    public const int GrepEventCount = 100_000;

    private byte[] data = null!;
    private int[] lineStarts = null!;
    private IndicatorSnapshot snapshot = null!;
    private readonly List<IndicatorHit> hits = new(16);
    private string folder = null!;

    [GlobalSetup]
    public void Setup()
    {
        var records = SyntheticIndicators.Mixed(IndicatorCount, seed: 7);
        var now = new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var watch = Stopwatch.StartNew();
        snapshot = IndicatorSnapshot.Build(records, now);
        var buildTime = watch.Elapsed;
        var after = GC.GetTotalMemory(forceFullCollection: true);

        data = SyntheticIndicators.Events(EventCount, records, hitPercent: 1.0, seed: 11);
        var starts = new List<int>(EventCount + 1) { 0 };
        for (var i = 0; i < data.Length; i++)
        {
            if (data[i] == '\n')
            {
                starts.Add(i + 1);
            }
        }

        lineStarts = [.. starts];
        folder = Path.Combine(Path.GetTempPath(), "musubi-bench-indicators");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "events.jsonl"), data.AsSpan(0, lineStarts[GrepEventCount]).ToArray());
        File.WriteAllText(Path.Combine(folder, "patterns.txt"), SyntheticIndicators.FixedStringPatterns(records));

        var eventsWithHits = 0;
        var totalHits = 0;
        for (var i = 0; i < EventCount; i++)
        {
            hits.Clear();
            snapshot.Scan(Line(i), hits, now.UtcTicks);
            totalHits += hits.Count;
            eventsWithHits += hits.Count > 0 ? 1 : 0;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"// {snapshot.Count:N0} indicators compiled in {buildTime.TotalSeconds:F1} s ({snapshot.Rejected.Count} rejected): " +
            $"{snapshot.ApproximateBytes / 1048576.0:F1} MiB by array sizes, {(after - before) / 1048576.0:F1} MiB of heap growth; " +
            $"events file {data.Length / 1048576.0:F1} MiB, {data.Length / (double)EventCount:F0} bytes per event; " +
            $"matcher: {eventsWithHits:N0} events with a hit, {totalHits:N0} hits (grep reads the first {GrepEventCount:N0} lines)"));
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = EventCount, Description = "Baseline: Utf8JsonReader pass")]
    public int JsonReaderPass()
    {
        var tokens = 0;
        for (var i = 0; i < EventCount; i++)
        {
            var reader = new Utf8JsonReader(Line(i));
            while (reader.Read())
            {
                tokens++;
            }
        }

        return tokens;
    }

    [Benchmark(OperationsPerInvoke = EventCount, Description = "Indicator matcher (1M indicators)")]
    public int Matcher()
    {
        var found = 0;
        var now = DateTimeOffset.UtcNow.UtcTicks;
        for (var i = 0; i < EventCount; i++)
        {
            hits.Clear();
            snapshot.Scan(Line(i), hits, now);
            found += hits.Count;
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = GrepEventCount, Description = "GNU grep -F -c -f (exact values, 100k lines)")]
    public long GnuGrep() => Grep();

    private ReadOnlySpan<byte> Line(int i) => data.AsSpan(lineStarts[i], lineStarts[i + 1] - lineStarts[i] - 1);

    private long Grep()
    {
        var start = new ProcessStartInfo("grep", ["-F", "-c", "-f", Path.Combine(folder, "patterns.txt"), Path.Combine(folder, "events.jsonl")])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.Environment["LC_ALL"] = "C";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode > 1)
        {
            throw new InvalidOperationException($"grep exited with {process.ExitCode}");
        }

        return long.Parse(output.Trim(), CultureInfo.InvariantCulture);
    }
}
