using System.Globalization;

namespace Musubi.Stix.Patterning;

/// <summary>
/// Bounds on the state of cross-event evaluation (<see cref="ObservationWindow{TEvent}"/>): how long events are kept
/// when the pattern has no WITHIN of its own, how many are kept per (indicator, scope) and in all, and how many
/// candidate combinations one event may try before the search is cut short.
/// </summary>
public sealed class WindowLimits
{
    public static WindowLimits Default { get; } = new();

    /// <summary>
    /// The longest time events are kept to be combined: a pattern without an enclosing WITHIN combines only events
    /// less than this apart (by their own timestamps); a pattern with a longer WITHIN is not supported.
    /// </summary>
    public TimeSpan MaxWindow { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Events kept per (indicator, scope); beyond it the oldest is dropped (and counted).</summary>
    public int MaxObservationsPerKey { get; init; } = 256;

    /// <summary>Events kept over every key; beyond it expired state is swept and then the stalest keys dropped.</summary>
    public int MaxObservations { get; init; } = 100_000;

    /// <summary>Candidate combinations one new event may try; beyond it the search stops (and is counted).</summary>
    public int MaxSteps { get; init; } = 100_000;
}

/// <summary>
/// A STIX pattern prepared for evaluation across events: its observation expressions (the leaves, at most 64, each
/// with the START/STOP range of the qualifiers around it) and the horizon — how far apart, by event time, the
/// observations of one match can be (the enclosing WITHIN, else <see cref="WindowLimits.MaxWindow"/>). Comparisons
/// inside one observation expression are evaluated by <see cref="PatternEvaluator.MatchesObservation"/>, per event.
/// </summary>
public sealed class CrossEventPattern
{
    public const int MaxLeaves = 64;

    private CrossEventPattern(StixPattern pattern, WindowNode root, List<ObservationExpression> leaves, List<(DateTimeOffset Start, DateTimeOffset Stop)> ranges, TimeSpan horizon)
    {
        Pattern = pattern;
        Root = root;
        Leaves = leaves;
        Ranges = ranges;
        Horizon = horizon;
    }

    public StixPattern Pattern { get; }

    /// <summary>The observation expressions, in the order they are written; leaf i is bit i of <see cref="Satisfied"/>.</summary>
    public IReadOnlyList<ObservationExpression> Leaves { get; }

    internal IReadOnlyList<(DateTimeOffset Start, DateTimeOffset Stop)> Ranges { get; }

    internal WindowNode Root { get; }

    /// <summary>Events further apart than this (by their timestamps) are never combined into one match.</summary>
    public TimeSpan Horizon { get; }

    /// <summary>Why <paramref name="pattern"/> cannot be evaluated across events within <paramref name="limits"/>, or null.</summary>
    public static string? Unsupported(StixPattern pattern, WindowLimits limits)
    {
        var leaves = new List<ObservationExpression>();
        Collect(pattern.Root, leaves);
        if (leaves.Count > MaxLeaves)
        {
            return $"the pattern has {leaves.Count} observation expressions; cross-event detection takes at most {MaxLeaves}";
        }

        if (LongestWithin(pattern.Root) is { } within && within.Seconds > (decimal)limits.MaxWindow.TotalSeconds)
        {
            return $"WITHIN {within.Text} SECONDS is longer than the longest window detection keeps events for ({Seconds(limits.MaxWindow)} seconds)";
        }

        var needed = MinimumObservations(pattern.Root);
        if (needed > limits.MaxObservationsPerKey)
        {
            return $"a match needs at least {needed} events; detection keeps at most {limits.MaxObservationsPerKey} per indicator and organisation";
        }

        return null;
    }

    /// <summary>Prepares <paramref name="pattern"/>; throws when <see cref="Unsupported"/> gives a reason.</summary>
    public static CrossEventPattern Compile(StixPattern pattern, WindowLimits? limits = null)
    {
        limits ??= WindowLimits.Default;
        if (Unsupported(pattern, limits) is { } reason)
        {
            throw new ArgumentException(reason, nameof(pattern));
        }

        var leaves = new List<ObservationExpression>();
        var ranges = new List<(DateTimeOffset, DateTimeOffset)>();
        var root = Prepare(pattern.Root, (DateTimeOffset.MinValue, DateTimeOffset.MaxValue), leaves, ranges);
        var span = Span(pattern.Root);
        var horizon = span is { } s && s < limits.MaxWindow ? s : limits.MaxWindow;
        return new CrossEventPattern(pattern, root, leaves, ranges, horizon);
    }

    /// <summary>
    /// Which observation expressions one observation satisfies (bit i: leaf i), each only when the observation's time
    /// lies inside the START/STOP qualifiers around that leaf.
    /// </summary>
    public ulong Satisfied(StixObservation observation)
    {
        ulong mask = 0;
        for (var i = 0; i < Leaves.Count; i++)
        {
            var (start, stop) = Ranges[i];
            if (observation.Time >= start && observation.Time < stop && PatternEvaluator.MatchesObservation(Leaves[i].Comparison, observation))
            {
                mask |= 1UL << i;
            }
        }

        return mask;
    }

    private static void Collect(PatternExpression e, List<ObservationExpression> into)
    {
        switch (e)
        {
            case ObservationExpression o:
                into.Add(o);
                break;
            case ObservationBinary b:
                Collect(b.Left, into);
                Collect(b.Right, into);
                break;
            case QualifiedExpression q:
                Collect(q.Inner, into);
                break;
        }
    }

    private static WindowNode Prepare(PatternExpression e, (DateTimeOffset Start, DateTimeOffset Stop) range, List<ObservationExpression> leaves,
        List<(DateTimeOffset, DateTimeOffset)> ranges)
    {
        switch (e)
        {
            case ObservationExpression o:
                leaves.Add(o);
                ranges.Add(range);
                return new LeafNode(leaves.Count - 1);
            case ObservationBinary b:
                {
                    var left = Prepare(b.Left, range, leaves, ranges);
                    return new BinaryNode(b.Operator, left, Prepare(b.Right, range, leaves, ranges));
                }

            case QualifiedExpression { Qualifier: StartStopQualifier s } q:
                return new StartStopNode(s.Start.Value, s.Stop.Value,
                    Prepare(q.Inner, (s.Start.Value > range.Start ? s.Start.Value : range.Start, s.Stop.Value < range.Stop ? s.Stop.Value : range.Stop), leaves, ranges));
            case QualifiedExpression { Qualifier: WithinQualifier w } q:
                return new WithinNode(Window(w), Prepare(q.Inner, range, leaves, ranges));
            case QualifiedExpression { Qualifier: RepeatsQualifier r } q:
                return new RepeatsNode(r.Times, Prepare(q.Inner, range, leaves, ranges));
            default:
                throw new InvalidOperationException($"unknown expression {e.GetType().Name}");
        }
    }

    /// <summary>The longest time between the first and last observation of a match, or null when unbounded.</summary>
    private static TimeSpan? Span(PatternExpression e) => e switch
    {
        ObservationExpression => TimeSpan.Zero,
        ObservationBinary { Operator: ObservationOperator.Or } b => Span(b.Left) is { } l && Span(b.Right) is { } r ? (l > r ? l : r) : null,
        ObservationBinary => null,
        QualifiedExpression { Qualifier: WithinQualifier w } q => Min(Span(q.Inner), Window(w)),
        QualifiedExpression { Qualifier: StartStopQualifier s } q => Min(Span(q.Inner), s.Stop.Value - s.Start.Value),
        QualifiedExpression { Qualifier: RepeatsQualifier { Times: > 1 } } => null,
        QualifiedExpression q => Span(q.Inner),
        _ => null,
    };

    private static TimeSpan? Min(TimeSpan? a, TimeSpan b) => a is { } x && x < b ? x : b;

    internal static TimeSpan Window(WithinQualifier w) =>
        w.Seconds * TimeSpan.TicksPerSecond >= long.MaxValue ? TimeSpan.MaxValue : TimeSpan.FromTicks((long)(w.Seconds * TimeSpan.TicksPerSecond));

    private static WithinQualifier? LongestWithin(PatternExpression e) => e switch
    {
        ObservationBinary b => Longer(LongestWithin(b.Left), LongestWithin(b.Right)),
        QualifiedExpression { Qualifier: WithinQualifier w } q => Longer(w, LongestWithin(q.Inner)),
        QualifiedExpression q => LongestWithin(q.Inner),
        _ => null,
    };

    private static WithinQualifier? Longer(WithinQualifier? a, WithinQualifier? b) =>
        a is null ? b : b is null ? a : a.Seconds >= b.Seconds ? a : b;

    private static long MinimumObservations(PatternExpression e) => e switch
    {
        ObservationExpression => 1,
        ObservationBinary { Operator: ObservationOperator.Or } b => Math.Min(MinimumObservations(b.Left), MinimumObservations(b.Right)),
        ObservationBinary b => MinimumObservations(b.Left) + MinimumObservations(b.Right),
        QualifiedExpression { Qualifier: RepeatsQualifier r } q => Math.Min(int.MaxValue, (long)r.Times * MinimumObservations(q.Inner)),
        QualifiedExpression q => MinimumObservations(q.Inner),
        _ => 1,
    };

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString(CultureInfo.InvariantCulture);
}

internal abstract record WindowNode;

internal sealed record LeafNode(int Index) : WindowNode;

internal sealed record BinaryNode(ObservationOperator Operator, WindowNode Left, WindowNode Right) : WindowNode;

internal sealed record WithinNode(TimeSpan Window, WindowNode Inner) : WindowNode;

internal sealed record StartStopNode(DateTimeOffset Start, DateTimeOffset Stop, WindowNode Inner) : WindowNode;

internal sealed record RepeatsNode(int Times, WindowNode Inner) : WindowNode;
