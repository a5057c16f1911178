using System.Diagnostics;
using System.Text.Json;
using Musubi.Detection.Sigma;

namespace Musubi.Benchmarks.Sigma;

/// <summary>
/// A Stopwatch breakdown of the Sigma engine (not BenchmarkDotNet): the same events and rules as
/// <see cref="SigmaEngineBenchmarks"/>, timed stage by stage in alternating rounds so that each stage and the
/// <see cref="Utf8JsonReader"/> baseline see the same machine load. Each stage includes the ones before it; the
/// differences are the stage costs. <c>dotnet bench/Musubi.Benchmarks/bin/Release/net10.0/Musubi.Benchmarks.dll sigma-profile [events] [rounds]</c>
/// </summary>
public static class SigmaProfile
{
    public static int Run(string[] args)
    {
        var count = args.Length > 1 ? int.Parse(args[1]) : 300_000;
        var rounds = args.Length > 2 ? int.Parse(args[2]) : 5;
        var documents = SigmaBenchData.WindowsRules();
        var engine = SigmaEngine.Build(documents);
        var events = SigmaBenchData.Replicate(SigmaBenchData.DistinctEvents(), count);
        var matcher = engine.CreateMatcher();
        var matches = new List<SigmaMatch>(64);

        // The variant under comparison (A/B), built from the same documents and timed in the same rounds.
        var withoutVerify = SigmaEngine.Build(documents, new SigmaEngineOptions { PrefilterVerifyLiterals = false }).CreateMatcher();
        var stages = new (string Name, Func<long> Pass)[]
        {
            ("baseline (Utf8JsonReader)", () =>
            {
                long tokens = 0;
                foreach (var json in events)
                {
                    var reader = new Utf8JsonReader(json);
                    while (reader.Read())
                    {
                        tokens++;
                    }
                }

                return tokens;
            }),
            ("walk", () => Stage(matcher, events, SigmaMatcher.Stage.Walk, matches)),
            ("walk + routing", () => Stage(matcher, events, SigmaMatcher.Stage.Route, matches)),
            ("walk + routing + prefilter", () => Stage(matcher, events, SigmaMatcher.Stage.Prefilter, matches)),
            ("engine (all)", () => Stage(matcher, events, SigmaMatcher.Stage.All, matches)),
            ("  A/B: no literal check", () => Stage(withoutVerify, events, SigmaMatcher.Stage.All, matches)),
            ("  A/B: its prefilter stage", () => Stage(withoutVerify, events, SigmaMatcher.Stage.Prefilter, matches)),
        };

        var best = new double[stages.Length];
        Array.Fill(best, double.MaxValue);
        var sum = new double[stages.Length];
        for (var round = 0; round <= rounds; round++)
        {
            for (var s = 0; s < stages.Length; s++)
            {
                var watch = Stopwatch.StartNew();
                stages[s].Pass();
                var perEvent = watch.Elapsed.TotalMicroseconds / events.Length;
                if (round > 0)
                {
                    best[s] = Math.Min(best[s], perEvent);
                    sum[s] += perEvent;
                }
            }
        }

        Console.WriteLine($"{engine.Rules.Count} rules, {events.Length:N0} events x {rounds} rounds, load {File.ReadAllText("/proc/loadavg").Trim()}");
        for (var s = 0; s < stages.Length; s++)
        {
            Console.WriteLine($"{stages[s].Name,-28} mean {sum[s] / rounds,7:F3} us  best {best[s],7:F3} us  ratio(mean) {sum[s] / sum[0],5:F2}");
        }

        foreach (var (name, m) in new[] { ("", matcher), (" (no literal check)", withoutVerify) })
        {
            m.Evaluations = 0;
            Stage(m, events, SigmaMatcher.Stage.All, matches);
            Console.WriteLine($"evaluations per event{name}: {(double)m.Evaluations / events.Length:F1}");
        }
        if (args.Contains("--rules"))
        {
            RuleCosts(engine);
        }

        return 0;
    }

    /// <summary>The rules evaluated after the prefilter, by total time over the distinct events (where evaluation goes).</summary>
    private static void RuleCosts(SigmaEngine engine)
    {
        var distinct = SigmaBenchData.DistinctEvents();
        var frame = new Musubi.Detection.Events.EventFrame(engine.Fields, engine.HasKeywordRules);
        var flattener = new Musubi.Detection.Events.JsonFlattener();
        var scratch = new Musubi.Detection.Sigma.Evaluation.MatchScratch(engine.Groups.Max(g => g.Variants.Count));
        var candidates = new List<int>();
        var costs = new Dictionary<string, (double Micro, int Count, bool Always, int Matched)>();
        for (var pass = 0; pass < 2; pass++)
        {
        costs.Clear(); // the first pass warms up (JIT, lazily built search tables); the second is reported
        foreach (var json in distinct)
        {
            frame.Clear();
            flattener.Flatten(json, frame);
            foreach (var group in engine.Groups)
            {
                if (group.Condition is { } c && !c.Evaluate(frame))
                {
                    continue;
                }

                if (group.Scope != RouteScope.Conditional)
                {
                    continue;
                }

                candidates.Clear();
                group.Prefilter!.Collect(frame, scratch, candidates);
                foreach (var index in candidates)
                {
                    var variant = group.Variants[index];
                    var watch = Stopwatch.StartNew();
                    var matched = false;
                    for (var r = 0; r < 200; r++)
                    {
                        matched = variant.Root.Evaluate(frame);
                    }

                    var key = group.Key + " " + variant.Rule.Rule.Title;
                    var old = costs.GetValueOrDefault(key);
                    var always = variant.Root.Anchors() is null;
                    costs[key] = (old.Micro + watch.Elapsed.TotalMicroseconds / 200, old.Count + 1, always, old.Matched + (matched ? 1 : 0));
                }
            }
        }
        }

        foreach (var (key, v) in costs.OrderByDescending(p => p.Value.Micro).Take(60))
        {
            Console.WriteLine($"{v.Micro / distinct.Length,8:F3} us/event  {v.Count,4}x  matched {v.Matched,3}  {(v.Always ? "UNANCHORED " : "")}{key}");
        }

        foreach (var group in engine.Groups.Where(g => g.Prefilter is { UnanchoredCount: > 0 } && g.Key.Contains("EventID in [1]")))
        {
            Console.WriteLine($"always evaluated in {group.Key}:");
            foreach (var index in group.Prefilter!.Always)
            {
                var clauses = group.Variants[index].Root.Anchors();
                var text = clauses is null ? "(no clause)" : string.Join(" AND ", clauses.Select(c => "[" + string.Join("|", c.Take(6).Select(a => (a.Field < 0 ? "*" : engine.Fields.NameOf(a.Field)) + ":" + a.Literal)) + (c.Count > 6 ? $"|..{c.Count}" : "") + "]"));
                Console.WriteLine($"  {group.Variants[index].Rule.Rule.Title}: {(text.Length > 300 ? text[..300] : text)}");
            }
        }

        Console.WriteLine($"total {costs.Values.Sum(v => v.Micro) / distinct.Length:F3} us/event over {costs.Values.Sum(v => v.Count) / (double)distinct.Length:F1} evaluations");
    }

    private static long Stage(SigmaMatcher matcher, byte[][] events, SigmaMatcher.Stage stage, List<SigmaMatch> matches)
    {
        long n = 0;
        for (var i = 0; i < events.Length; i++)
        {
            matcher.Match(events[i], i, matches, stage);
            n += matches.Count;
            matches.Clear();
        }

        return n;
    }
}
