using System.Globalization;
using Musubi.Detection.Events;
using Musubi.Detection.Sigma.Correlation;
using Musubi.Detection.Sigma.Evaluation;

namespace Musubi.Detection.Sigma;

/// <summary>
/// Matches events against a <see cref="SigmaEngine"/>, one at a time, and keeps the correlation windows. Reuses its
/// buffers: no allocation per event unless something matches. Not thread-safe: one matcher per thread.
/// </summary>
public sealed class SigmaMatcher
{
    private readonly SigmaEngine engine;
    private readonly EventFrame frame;
    private readonly JsonFlattener flattener = new();
    private readonly MatchScratch scratch;
    private readonly List<int> candidates = new(256);
    private readonly int[] ruleStamps;
    private readonly CorrelationState[] correlations;
    private readonly List<CorrelationHit> hits = [];
    private int generation;
    private DateTimeOffset lastTime = DateTimeOffset.UnixEpoch;

    internal SigmaMatcher(SigmaEngine engine)
    {
        this.engine = engine;
        frame = new EventFrame(engine.Fields, engine.HasKeywordRules);
        scratch = new MatchScratch(engine.Groups.Count == 0 ? 0 : engine.Groups.Max(g => g.Variants.Count));
        ruleStamps = new int[engine.CompiledRules.Count];
        correlations = engine.CorrelationStates.Select(c => new CorrelationState(c.Rule, c.Rule.Rules.Count)).ToArray();
    }

    /// <summary>Rule evaluations done so far (after routing and the prefilter), for diagnostics.</summary>
    public long Evaluations { get; internal set; }

    /// <summary>How far <see cref="Match(ReadOnlySpan{byte}, long, List{SigmaMatch}, Stage)"/> goes (profiling only).</summary>
    internal enum Stage
    {
        Walk,
        Route,
        Prefilter,
        All,
    }

    /// <summary>Matches one JSON object (UTF-8). Throws <see cref="System.Text.Json.JsonException"/> when malformed.</summary>
    public void Match(ReadOnlySpan<byte> utf8Json, long eventIndex, List<SigmaMatch> output)
    {
        frame.Clear();
        flattener.Flatten(utf8Json, frame);
        Evaluate(eventIndex, output);
    }

    /// <summary>Matches, stopping after <paramref name="stage"/>: for the profile in the benchmarks, never for real use.</summary>
    internal void Match(ReadOnlySpan<byte> utf8Json, long eventIndex, List<SigmaMatch> output, Stage stage)
    {
        frame.Clear();
        flattener.Flatten(utf8Json, frame);
        if (stage == Stage.Walk)
        {
            return;
        }

        stopAt = stage;
        Evaluate(eventIndex, output);
        stopAt = Stage.All;
    }

    private Stage stopAt = Stage.All;

    public void Match(ISigmaEvent sigmaEvent, long eventIndex, List<SigmaMatch> output)
    {
        frame.Clear();
        sigmaEvent.WriteTo(frame);
        Evaluate(eventIndex, output);
    }

    /// <summary>Closes every correlation window (end of input) and reports what they give.</summary>
    public void Flush(List<SigmaMatch> output)
    {
        hits.Clear();
        foreach (var state in correlations)
        {
            state.Flush(null, hits);
        }

        ProcessHits(output);
    }

    private void Evaluate(long eventIndex, List<SigmaMatch> output)
    {
        if (++generation == int.MaxValue)
        {
            Array.Clear(ruleStamps);
            generation = 1;
        }

        hits.Clear();
        foreach (var group in engine.GlobalGroups)
        {
            EvaluateGroup(group, eventIndex, output);
        }

        var routeEntry = frame.First(engine.RoutingField);
        foreach (var group in routeEntry >= 0 ? engine.RoutedGroups : engine.UnroutedGroups)
        {
            EvaluateGroup(group, eventIndex, output);
        }

        if (routeEntry >= 0 && engine.GroupsByRoute.Count > 0)
        {
            // Only the groups of this channel and event id are looked at; each still checks all its conditions.
            var lookup = engine.GroupsByRoute.GetAlternateLookup<ReadOnlySpan<char>>();
            if (lookup.TryGetValue(frame.Text(routeEntry), out var index))
            {
                foreach (var group in index.AnyEventId)
                {
                    EvaluateGroup(group, eventIndex, output);
                }

                for (var id = frame.First(engine.EventIdField); id >= 0; id = frame.Next(id))
                {
                    if (index.ByEventId.TryGetValue(frame.Text(id), out var groups))
                    {
                        foreach (var group in groups)
                        {
                            EvaluateGroup(group, eventIndex, output);
                        }
                    }
                }
            }
        }

        if (hits.Count > 0)
        {
            ProcessHits(output);
        }
    }

    private void EvaluateGroup(RouteGroup group, long eventIndex, List<SigmaMatch> output)
    {
        if (stopAt == Stage.Route)
        {
            return;
        }

        if (group.Condition is { } condition && !condition.Evaluate(frame))
        {
            return;
        }

        var variants = group.Variants;
        if (group.Prefilter is { } prefilter)
        {
            candidates.Clear();
            prefilter.Collect(frame, scratch, candidates);
            if (stopAt == Stage.Prefilter)
            {
                return;
            }

            foreach (var index in candidates)
            {
                Check(variants[index], eventIndex, output);
            }
        }
        else
        {
            foreach (var variant in variants)
            {
                Check(variant, eventIndex, output);
            }
        }
    }

    private void Check(CompiledVariant variant, long eventIndex, List<SigmaMatch> output)
    {
        var rule = variant.Rule;
        if (ruleStamps[rule.Index] == generation)
        {
            return; // already matched through another variant
        }

        Evaluations++;
        if (!variant.Root.Evaluate(frame))
        {
            return;
        }

        ruleStamps[rule.Index] = generation;
        if (rule.Report)
        {
            output.Add(new SigmaMatch(rule.Rule, SigmaMatchKind.Rule, eventIndex));
        }

        if (variant.Feeds.Count > 0)
        {
            var time = EventTime();
            foreach (var feed in variant.Feeds)
            {
                var groupValues = feed.GroupFields.Select(frame.FirstText).ToArray();
                string? value = feed.ValueFields.Length == 0 ? null
                    : feed.ValueFields.Length == 1 ? frame.FirstText(feed.ValueFields[0])
                    : string.Join('\u001f', feed.ValueFields.Select(frame.FirstText));
                correlations[feed.Correlation.Index].Observe(feed.Slot, time, groupValues, value, eventIndex, hits);
            }
        }
    }

    private void ProcessHits(List<SigmaMatch> output)
    {
        // Hits can feed further correlations (chains); process until none is left.
        for (var i = 0; i < hits.Count; i++)
        {
            var hit = hits[i];
            var compiled = engine.CorrelationStates.First(c => c.Rule == hit.Rule);
            if (compiled.Report)
            {
                output.Add(new SigmaMatch(hit.Rule, SigmaMatchKind.Correlation, hit.EventIndex, hit.GroupValues));
            }

            foreach (var next in compiled.Outputs)
            {
                var values = next.GroupPositions.Select(p => p >= 0 ? hit.GroupValues[p] : null).ToArray();
                correlations[next.Correlation.Index].Observe(next.Slot, hit.Time, values, null, hit.EventIndex, hits);
            }
        }

        hits.Clear();
    }

    private DateTimeOffset EventTime()
    {
        foreach (var field in engine.TimestampFields)
        {
            var entry = frame.First(field);
            if (entry >= 0 && DateTimeOffset.TryParse(frame.Text(entry), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
            {
                lastTime = time;
                return time;
            }
        }

        return lastTime;
    }
}
