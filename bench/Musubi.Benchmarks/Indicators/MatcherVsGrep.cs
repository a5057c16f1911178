using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Musubi.Detection.Indicators;

namespace Musubi.Benchmarks.Indicators;

/// <summary>
/// <c>matcher-vs-grep [--grep-lines N] [--folder DIR]</c>: the indicator matcher, a plain <see cref="Utf8JsonReader"/>
/// pass and GNU <c>LC_ALL=C grep -F -c -f</c> over the same data as <see cref="IndicatorMatchBenchmarks"/> (the same
/// generator and seeds: 1,000,000 indicators, 1,000,000 JSON-line events), in one run, wall clock, best of 3 each.
/// BenchmarkDotNet gives up on grep (one pass takes minutes), so this mode times it as a process: over the first N
/// lines (default 100,000; 0 = the whole file), and once over an empty file to show the fixed cost of starting grep and
/// compiling its patterns. Prints events/s for each and the two ratios.
/// </summary>
public static class MatcherVsGrep
{
    public static int Run(string[] args)
    {
        var grepLines = 100_000;
        var folder = Path.Combine(Path.GetTempPath(), "musubi-matcher-vs-grep");
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--grep-lines" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var n) && n >= 0:
                    grepLines = n;
                    i++;
                    break;
                case "--folder" when i + 1 < args.Length:
                    folder = args[++i];
                    break;
                default:
                    Console.Error.WriteLine($"matcher-vs-grep: unknown or incomplete argument '{args[i]}' (usage: matcher-vs-grep [--grep-lines N] [--folder DIR])");
                    return 2;
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"machine: nproc {Environment.ProcessorCount}, {CpuModel()}, load average {LoadAverage()}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        var records = SyntheticIndicators.Mixed(IndicatorMatchBenchmarks.IndicatorCount, seed: 7);
        var now = new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);
        var snapshot = IndicatorSnapshot.Build(records, now);
        var data = SyntheticIndicators.Events(IndicatorMatchBenchmarks.EventCount, records, hitPercent: 1.0, seed: 11);
        var starts = new List<int>(IndicatorMatchBenchmarks.EventCount + 1) { 0 };
        for (var i = 0; i < data.Length; i++)
        {
            if (data[i] == '\n')
            {
                starts.Add(i + 1);
            }
        }

        var events = starts.Count - 1;
        if (grepLines == 0 || grepLines > events)
        {
            grepLines = events;
        }

        Directory.CreateDirectory(folder);
        var patterns = Path.Combine(folder, "patterns.txt");
        var grepFile = Path.Combine(folder, "events.jsonl");
        var empty = Path.Combine(folder, "empty.jsonl");
        File.WriteAllText(patterns, SyntheticIndicators.FixedStringPatterns(records));
        File.WriteAllBytes(grepFile, data.AsSpan(0, starts[grepLines]).ToArray());
        File.WriteAllBytes(empty, []);
        var patternCount = File.ReadLines(patterns).Count();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"data: {snapshot.Count:N0} indicators compiled ({snapshot.ApproximateBytes / 1048576.0:F1} MiB); {events:N0} events, {data.Length / 1048576.0:F1} MiB; grep: {patternCount:N0} exact values as patterns, over the first {grepLines:N0} lines ({grepFile})"));

        var hits = new List<IndicatorHit>(16);
        ReadOnlySpan<byte> Line(int i) => data.AsSpan(starts[i], starts[i + 1] - starts[i] - 1);
        long matched = 0;
        var matcher = Best(() =>
        {
            matched = 0;
            for (var i = 0; i < events; i++)
            {
                hits.Clear();
                snapshot.Scan(Line(i), hits, now.UtcTicks);
                matched += hits.Count > 0 ? 1 : 0;
            }
        });
        var reader = Best(() =>
        {
            for (var i = 0; i < events; i++)
            {
                var r = new Utf8JsonReader(Line(i));
                while (r.Read())
                {
                }
            }
        });
        // Printed before grep runs: grep with a million patterns is slow, and a cut-off run still leaves these.
        double PerSecond(TimeSpan t, int n) => n / t.TotalSeconds;
        var matcherRate = PerSecond(matcher, events);
        var readerRate = PerSecond(reader, events);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"matcher:          {matcherRate,14:N0} events/s  ({matcher.TotalSeconds:F3} s for {events:N0}; {matched:N0} events with a hit)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Utf8JsonReader:   {readerRate,14:N0} events/s  ({reader.TotalSeconds:F3} s for {events:N0})"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio matcher / Utf8JsonReader (cost per event): {matcher.TotalSeconds / reader.TotalSeconds:F2}x"));
        long grepCount = 0;
        var grep = Best(() => grepCount = Grep(patterns, grepFile));
        var grepFixed = Best(() => Grep(patterns, empty));

        var grepRate = PerSecond(grep, grepLines);
        var grepLineRate = grep > grepFixed ? grepLines / (grep - grepFixed).TotalSeconds : double.PositiveInfinity;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"grep -F -c -f:    {grepRate,14:N0} events/s  ({grep.TotalSeconds:F3} s for {grepLines:N0}, {grepCount:N0} lines matched; of which {grepFixed.TotalSeconds:F3} s start and pattern compilation on an empty file)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"grep, lines only: {grepLineRate,14:N0} events/s  (the time over the empty file subtracted)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio matcher / grep (events per second): {matcherRate / grepRate:F1}x; against grep's per-line rate alone: {matcherRate / grepLineRate:F1}x"));
        return 0;
    }

    private static TimeSpan Best(Action action)
    {
        var best = TimeSpan.MaxValue;
        for (var run = 0; run < 3; run++)
        {
            var watch = Stopwatch.StartNew();
            action();
            watch.Stop();
            if (watch.Elapsed < best)
            {
                best = watch.Elapsed;
            }
        }

        return best;
    }

    private static long Grep(string patterns, string file)
    {
        var start = new ProcessStartInfo("grep", ["-F", "-c", "-f", patterns, file])
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

    private static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
