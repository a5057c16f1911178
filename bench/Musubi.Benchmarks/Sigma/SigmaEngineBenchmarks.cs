using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Musubi.Detection.Sigma;

namespace Musubi.Benchmarks.Sigma;

/// <summary>
/// All loaded Windows rules of the SigmaHQ corpus over 1,000,000 regression events (the 157 distinct events of the
/// regression cases, cycled), on one thread. Every figure is per event (Op/s = events per second). The baseline is a
/// plain <see cref="Utf8JsonReader"/> pass over the same bytes, so the ratio says what matching costs on top of
/// reading the JSON at all.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
[OperationsPerSecond]
public class SigmaEngineBenchmarks
{
    /// <summary>The engine without the literal prefilter is run over a tenth of the events: it is that much slower.</summary>
    public const int UnfilteredEvents = 100_000;

    private byte[][] events = null!;
    private SigmaMatcher matcher = null!;
    private SigmaMatcher unfiltered = null!;
    private readonly List<SigmaMatch> matches = new(64);

    [GlobalSetup]
    public void Setup()
    {
        var documents = SigmaBenchData.WindowsRules();
        var engine = SigmaEngine.Build(documents);
        var distinct = SigmaBenchData.DistinctEvents();
        events = SigmaBenchData.Replicate(distinct);
        matcher = engine.CreateMatcher();
        unfiltered = SigmaEngine.Build(documents, new SigmaEngineOptions { UsePrefilter = false }).CreateMatcher();

        // Both engines must agree on every distinct event before anything is timed.
        var a = new List<SigmaMatch>();
        var b = new List<SigmaMatch>();
        for (var i = 0; i < distinct.Length; i++)
        {
            matcher.Match(distinct[i], i, a);
            unfiltered.Match(distinct[i], i, b);
        }

        if (!a.Select(m => (m.EventIndex, m.Rule.Key)).SequenceEqual(b.Select(m => (m.EventIndex, m.Rule.Key))))
        {
            throw new InvalidOperationException("prefiltered and unfiltered engines disagree");
        }

        Console.WriteLine($"// {engine.Rules.Count} Windows rules loaded ({engine.Failures.Count} rejected), {distinct.Length} distinct events, " +
            $"{a.Count} matches over them, {(double)matcher.Evaluations / distinct.Length:F1} rule evaluations per event after routing and prefilter " +
            $"(without prefilter: {(double)unfiltered.Evaluations / distinct.Length:F1})");
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = SigmaBenchData.EventCount, Description = "Baseline: Utf8JsonReader pass")]
    public int JsonReaderPass()
    {
        var tokens = 0;
        foreach (var json in events)
        {
            var reader = new Utf8JsonReader(json);
            while (reader.Read())
            {
                tokens++;
            }
        }

        return tokens;
    }

    [Benchmark(OperationsPerInvoke = SigmaBenchData.EventCount, Description = "Sigma engine (routing + prefilter)")]
    public int Engine()
    {
        var count = 0;
        for (var i = 0; i < events.Length; i++)
        {
            matcher.Match(events[i], i, matches);
            count += matches.Count;
            matches.Clear();
        }

        return count;
    }

    [Benchmark(OperationsPerInvoke = UnfilteredEvents, Description = "Sigma engine, routing only (100k events)")]
    public int EngineWithoutPrefilter()
    {
        var count = 0;
        for (var i = 0; i < UnfilteredEvents; i++)
        {
            unfiltered.Match(events[i], i, matches);
            count += matches.Count;
            matches.Clear();
        }

        return count;
    }
}
