namespace Musubi.Detection.Sigma.Correlation;

/// <summary>A correlation that fired: the group it fired for, when, and the last event that contributed.</summary>
public sealed record CorrelationHit(SigmaCorrelationRule Rule, IReadOnlyList<string?> GroupValues, DateTimeOffset Time, long EventIndex, double Value);

/// <summary>
/// Sliding-window state of one correlation rule, per group-by key.
/// <list type="bullet">
/// <item>event_count, value_count and value_sum whose condition only has lower bounds (gt, gte) are checked as each
/// event arrives, over the events of the last <c>timespan</c>; the group starts afresh after firing.</item>
/// <item>Any other condition (lt, lte, eq, neq, a range), and value_avg and value_percentile, can only be judged once
/// the window is complete: the window opens at the group's first event and is checked when a later event falls
/// outside it, or at <see cref="Flush"/>.</item>
/// <item>temporal fires when every referenced rule (or as many as the condition asks) matched within
/// <c>timespan</c>; temporal_ordered also needs them in the listed order.</item>
/// <item>value_percentile: the share (in percent) of the group's events whose field has the value of the
/// rarest value in the window; <c>lte: 1</c> fires for a value seen in at most 1 % of them.</item>
/// </list>
/// </summary>
internal sealed class CorrelationState(SigmaCorrelationRule rule, int ruleSlots)
{
    private readonly Dictionary<string, Group> groups = new(StringComparer.Ordinal);

    public SigmaCorrelationRule Rule { get; } = rule;

    private bool OnArrival => Rule.Type is CorrelationType.EventCount or CorrelationType.ValueCount or CorrelationType.ValueSum
        && Rule.Condition.All(c => c.IsLowerBound);

    public void Observe(int slot, DateTimeOffset time, string?[] groupValues, string? value, long eventIndex, List<CorrelationHit> hits)
    {
        var key = string.Join('\u001f', groupValues.Select(v => v ?? "\u0000"));
        if (!groups.TryGetValue(key, out var group))
        {
            group = new Group(groupValues, ruleSlots);
            groups[key] = group;
        }

        switch (Rule.Type)
        {
            case CorrelationType.Temporal:
            case CorrelationType.TemporalOrdered:
                ObserveTemporal(group, slot, time, eventIndex, hits);
                return;
        }

        if (!OnArrival)
        {
            // Complete windows of every group are judged before this event opens or extends one.
            CloseExpired(time, hits);
            if (!groups.TryGetValue(key, out group))
            {
                group = new Group(groupValues, ruleSlots);
                groups[key] = group;
            }

            group.WindowStart ??= time;
        }

        if (Rule.Type is not CorrelationType.EventCount && value is null)
        {
            return; // the aggregated field is missing from this event
        }

        group.Events.Add((time, value, eventIndex));
        if (OnArrival)
        {
            var cutoff = time - Rule.Timespan;
            group.Events.RemoveAll(e => e.Time < cutoff);
            var aggregate = Aggregate(group);
            if (aggregate is { } a && Rule.Condition.All(c => c.IsSatisfiedBy(a)))
            {
                hits.Add(new CorrelationHit(Rule, group.Values, time, eventIndex, a));
                groups.Remove(key);
            }
        }
    }

    /// <summary>Judges every open window that ends at or before <paramref name="now"/> (or all, when null).</summary>
    public void Flush(DateTimeOffset? now, List<CorrelationHit> hits) => CloseExpired(now, hits);

    private void CloseExpired(DateTimeOffset? now, List<CorrelationHit> hits)
    {
        if (OnArrival || Rule.Type is CorrelationType.Temporal or CorrelationType.TemporalOrdered)
        {
            return;
        }

        List<string>? closed = null;
        foreach (var (key, group) in groups)
        {
            if (group.WindowStart is not { } start || (now is { } t && t <= start + Rule.Timespan))
            {
                continue;
            }

            var aggregate = Aggregate(group);
            if (aggregate is { } a && group.Events.Count > 0 && Rule.Condition.All(c => c.IsSatisfiedBy(a)))
            {
                var last = group.Events[^1];
                hits.Add(new CorrelationHit(Rule, group.Values, start + Rule.Timespan, last.EventIndex, a));
            }

            (closed ??= []).Add(key);
        }

        closed?.ForEach(k => groups.Remove(k));
    }

    private double? Aggregate(Group group)
    {
        var events = group.Events;
        switch (Rule.Type)
        {
            case CorrelationType.EventCount:
                return events.Count;
            case CorrelationType.ValueCount:
                return events.Select(e => e.Value!).Distinct(StringComparer.OrdinalIgnoreCase).Count();
            case CorrelationType.ValueSum:
            case CorrelationType.ValueAvg:
                {
                    double sum = 0;
                    var n = 0;
                    foreach (var e in events)
                    {
                        if (e.Value is not null && Evaluation.Numbers.TryParse(e.Value, out var number))
                        {
                            sum += number;
                            n++;
                        }
                    }

                    return Rule.Type == CorrelationType.ValueSum ? sum : n == 0 ? null : sum / n;
                }

            default:
                {
                    if (events.Count == 0)
                    {
                        return null;
                    }

                    var rarest = events.GroupBy(e => e.Value!, StringComparer.OrdinalIgnoreCase).Min(g => g.Count());
                    return 100.0 * rarest / events.Count;
                }
        }
    }

    private void ObserveTemporal(Group group, int slot, DateTimeOffset time, long eventIndex, List<CorrelationHit> hits)
    {
        var seen = group.Seen;
        var cutoff = time - Rule.Timespan;
        if (Rule.Type == CorrelationType.Temporal)
        {
            seen[slot] = time;
            var present = seen.Count(s => s is { } t && t >= cutoff);
            var fires = Rule.Condition.Count == 0 ? present == seen.Length : Rule.Condition.All(c => c.IsSatisfiedBy(present));
            if (fires)
            {
                hits.Add(new CorrelationHit(Rule, group.Values, time, eventIndex, present));
                Array.Clear(seen);
            }

            return;
        }

        // Ordered: seen[k] is the start time of the latest chain rule0 → … → rulek (each in order).
        if (slot == 0)
        {
            seen[0] = time;
        }
        else if (seen[slot - 1] is { } start && start >= cutoff)
        {
            seen[slot] = seen[slot] is { } existing && existing > start ? existing : start;
        }

        var complete = seen[^1] is { } chainStart && chainStart >= cutoff;
        if (Rule.Condition.Count > 0)
        {
            var length = 0;
            while (length < seen.Length && seen[length] is { } s && s >= cutoff)
            {
                length++;
            }

            complete = Rule.Condition.All(c => c.IsSatisfiedBy(length));
        }

        if (complete)
        {
            hits.Add(new CorrelationHit(Rule, group.Values, time, eventIndex, seen.Length));
            Array.Clear(seen);
        }
    }

    private sealed class Group(string?[] values, int slots)
    {
        public string?[] Values { get; } = values;

        public List<(DateTimeOffset Time, string? Value, long EventIndex)> Events { get; } = [];

        public DateTimeOffset?[] Seen { get; } = new DateTimeOffset?[slots];

        public DateTimeOffset? WindowStart { get; set; }
    }
}
