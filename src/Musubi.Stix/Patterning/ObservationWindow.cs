namespace Musubi.Stix.Patterning;

/// <summary>One event offered to <see cref="ObservationWindow{TEvent}"/>: its identity, its own timestamp, which
/// observation expressions it satisfied (<see cref="CrossEventPattern.Satisfied"/>) and what to keep for evidence.</summary>
public readonly record struct WindowEvent<TEvent>(string EventId, DateTimeOffset Time, ulong Satisfied, TEvent Payload);

/// <summary>An event of a complete match and the observation expression it was bound to.</summary>
public sealed record WindowContribution<TEvent>(string EventId, DateTimeOffset Time, ObservationExpression Expression, TEvent Payload);

/// <summary>A whole pattern satisfied by several events (in time order).</summary>
public sealed record WindowMatch<TEvent>(string Indicator, string Scope, IReadOnlyList<WindowContribution<TEvent>> Events);

/// <summary>What the window did so far (totals since start) and what it holds now.</summary>
public sealed record WindowCounters(long Observed, long Fired, long Duplicates, long Late, long Expired, long Dropped, long CutShort, int Keys, int Observations);

/// <summary>
/// Evaluates STIX patterns whose observation expressions need several events (AND, FOLLOWEDBY, REPEATS n &gt; 1, with
/// WITHIN and START/STOP; spec 9.5) over a sliding window of events, per key: (indicator, pattern text, scope). It
/// records which observation expressions each event satisfied; when an event arrives, it searches the recorded events
/// for a match of the whole pattern that includes the new one — observation operators need distinct events,
/// FOLLOWEDBY a right-hand timestamp at or after the left-hand one, WITHIN x a span (latest − earliest) under x,
/// START/STOP every time in [start, stop), REPEATS n n distinct matches — and on a match returns it and forgets its
/// events (each event counts towards at most one match per key). Time is the events' own, never the clock.
/// </summary>
/// <remarks>
/// Bounded: events further behind the newest event of their key than the pattern's horizon are expired (a late event
/// that old is refused); at most <see cref="WindowLimits.MaxObservationsPerKey"/> events per key (the oldest dropped)
/// and <see cref="WindowLimits.MaxObservations"/> in all (expired keys swept, then the stalest keys dropped); a search
/// stops after <see cref="WindowLimits.MaxSteps"/> combinations. Everything dropped is counted. Thread safe.
/// </remarks>
public sealed class ObservationWindow<TEvent>(WindowLimits? limits = null)
{
    private readonly WindowLimits limits = limits ?? WindowLimits.Default;
    private readonly Dictionary<(string Indicator, string Pattern, string Scope), KeyState> keys = [];
    private readonly Lock gate = new();
    // Events already used by a fired match, per key: a redelivery of one (the same event id, e.g. a queue message whose
    // ack was lost) is a duplicate, not a new event. Bounded: the oldest are forgotten first, beyond MaxObservations.
    private readonly HashSet<(string Indicator, string Pattern, string Scope, string EventId)> consumed = [];
    private readonly Queue<(string Indicator, string Pattern, string Scope, string EventId)> consumedOrder = new();
    private long observed, fired, duplicates, late, expired, dropped, cutShort;
    private int total;
    private DateTimeOffset watermark = DateTimeOffset.MinValue;

    public WindowLimits Limits => limits;

    public WindowCounters Counters
    {
        get
        {
            lock (gate)
            {
                return new WindowCounters(observed, fired, duplicates, late, expired, dropped, cutShort, keys.Count, total);
            }
        }
    }

    /// <summary>
    /// Records <paramref name="e"/> for (<paramref name="indicator"/>, <paramref name="pattern"/>, <paramref name="scope"/>)
    /// and returns the match it completes, or null. An event that satisfies no observation expression is not kept.
    /// </summary>
    public WindowMatch<TEvent>? Observe(string indicator, CrossEventPattern pattern, string scope, WindowEvent<TEvent> e)
    {
        if (e.Satisfied == 0)
        {
            return null;
        }

        lock (gate)
        {
            observed++;
            var key = (indicator, pattern.Pattern.Text, scope);
            if (!keys.TryGetValue(key, out var state))
            {
                state = new KeyState(pattern.Horizon);
                keys[key] = state;
            }

            if (state.Entries.Any(x => x.EventId == e.EventId) || consumed.Contains((indicator, key.Text, scope, e.EventId)))
            {
                duplicates++;
                return null;
            }

            if (e.Time > watermark)
            {
                watermark = e.Time;
            }

            var newest = state.Entries.Count > 0 && state.Entries[^1].Time > e.Time ? state.Entries[^1].Time : e.Time;
            if (e.Time <= newest - state.Horizon)
            {
                late++;
                Forget(key, state);
                return null;
            }

            var gone = state.Entries.RemoveAll(x => x.Time <= newest - state.Horizon);
            expired += gone;
            total -= gone;

            // Kept in time order (an event at the same time as others goes after them).
            var entry = new Entry(e.EventId, e.Time, e.Satisfied, e.Payload);
            var at = state.Entries.Count;
            while (at > 0 && state.Entries[at - 1].Time > e.Time)
            {
                at--;
            }

            state.Entries.Insert(at, entry);
            total++;
            if (state.Entries.Count > limits.MaxObservationsPerKey)
            {
                var victim = state.Entries[0] == entry ? 1 : 0;
                state.Entries.RemoveAt(victim);
                dropped++;
                total--;
            }

            WindowMatch<TEvent>? match = null;
            var index = state.Entries.IndexOf(entry);
            if (index >= 0)
            {
                var search = new Search(state.Entries, index, limits.MaxSteps);
                Binding? found = null;
                try
                {
                    foreach (var b in search.Eval(pattern.Root, need: true))
                    {
                        found = b;
                        break;
                    }
                }
                catch (BudgetExceeded)
                {
                    cutShort++;
                }

                if (found is { } f)
                {
                    var contributions = f.Entries.Select((i, n) => (Entry: state.Entries[i], Leaf: f.Leaves[n]))
                        .OrderBy(x => x.Entry.Time).ThenBy(x => state.Entries.IndexOf(x.Entry))
                        .Select(x => new WindowContribution<TEvent>(x.Entry.EventId, x.Entry.Time, pattern.Leaves[x.Leaf], x.Entry.Payload))
                        .ToList();
                    var used = f.Entries.Select(i => state.Entries[i]).ToHashSet();
                    foreach (var u in used)
                    {
                        Consume((indicator, key.Text, scope, u.EventId));
                    }

                    total -= state.Entries.RemoveAll(used.Contains);
                    match = new WindowMatch<TEvent>(indicator, scope, contributions);
                    fired++;
                }
            }

            Forget(key, state);
            if (total > limits.MaxObservations)
            {
                Shrink();
            }

            return match;
        }
    }

    /// <summary>How many used event ids are remembered (to refuse their redelivery); at most <see cref="WindowLimits.MaxObservations"/>.</summary>
    public int Remembered
    {
        get
        {
            lock (gate)
            {
                return consumed.Count;
            }
        }
    }

    private void Consume((string, string, string, string) id)
    {
        if (!consumed.Add(id))
        {
            return;
        }

        consumedOrder.Enqueue(id);
        while (consumedOrder.Count > limits.MaxObservations)
        {
            consumed.Remove(consumedOrder.Dequeue());
        }
    }

    /// <summary>Drops the state of every indicator for which <paramref name="keep"/> (indicator id, pattern text) is false.</summary>
    public void Retain(Func<string, string, bool> keep)
    {
        lock (gate)
        {
            foreach (var (key, state) in keys.ToList())
            {
                if (!keep(key.Indicator, key.Pattern))
                {
                    total -= state.Entries.Count;
                    keys.Remove(key);
                }
            }
        }
    }

    private void Forget((string, string, string) key, KeyState state)
    {
        if (state.Entries.Count == 0)
        {
            keys.Remove(key);
        }
    }

    /// <summary>Over the global cap: sweep what the newest event seen anywhere has left behind, then drop the stalest keys.</summary>
    private void Shrink()
    {
        foreach (var (key, state) in keys.ToList())
        {
            var gone = state.Entries.RemoveAll(x => x.Time <= watermark - state.Horizon);
            expired += gone;
            total -= gone;
            Forget(key, state);
        }

        if (total <= limits.MaxObservations)
        {
            return;
        }

        var target = limits.MaxObservations - (limits.MaxObservations / 10);
        foreach (var (key, state) in keys.OrderBy(k => k.Value.Entries[^1].Time).ToList())
        {
            if (total <= target)
            {
                break;
            }

            dropped += state.Entries.Count;
            total -= state.Entries.Count;
            keys.Remove(key);
        }
    }

    private sealed class KeyState(TimeSpan horizon)
    {
        public TimeSpan Horizon { get; } = horizon;

        public List<Entry> Entries { get; } = [];
    }

    private sealed record Entry(string EventId, DateTimeOffset Time, ulong Satisfied, TEvent Payload);

    /// <summary>Some recorded events (indexes into the key's entries, each with the leaf it was bound to) and their time span.</summary>
    private readonly record struct Binding(int[] Entries, int[] Leaves, DateTimeOffset First, DateTimeOffset Last)
    {
        public bool Disjoint(Binding other)
        {
            foreach (var x in Entries)
            {
                if (Array.IndexOf(other.Entries, x) >= 0)
                {
                    return false;
                }
            }

            return true;
        }

        public bool Contains(int entry) => Array.IndexOf(Entries, entry) >= 0;

        public Binding Join(Binding other) => new(
            [.. Entries, .. other.Entries], [.. Leaves, .. other.Leaves],
            First < other.First ? First : other.First, Last > other.Last ? Last : other.Last);
    }

    private sealed class BudgetExceeded : Exception;

    /// <summary>
    /// Lazy search for bindings of a node over the recorded events; with <c>need</c>, only bindings that include the
    /// new event (the window holds no complete match before it arrives, so any new match includes it).
    /// </summary>
    private sealed class Search(List<Entry> entries, int fresh, int budget)
    {
        private int steps;

        private void Step()
        {
            if (++steps > budget)
            {
                throw new BudgetExceeded();
            }
        }

        public IEnumerable<Binding> Eval(WindowNode node, bool need)
        {
            switch (node)
            {
                case LeafNode leaf:
                    return Leaf(leaf.Index, need);
                case BinaryNode { Operator: ObservationOperator.Or } or:
                    return Eval(or.Left, need).Concat(Eval(or.Right, need));
                case BinaryNode b when need:
                    return Pairs(b.Operator, Eval(b.Left, true), b.Right, false).Concat(Pairs(b.Operator, Eval(b.Left, false), b.Right, true));
                case BinaryNode b:
                    return Pairs(b.Operator, Eval(b.Left, false), b.Right, false);
                case WithinNode w:
                    return Eval(w.Inner, need).Where(x => x.Last - x.First < w.Window);
                case StartStopNode s:
                    return Eval(s.Inner, need).Where(x => x.First >= s.Start && x.Last < s.Stop);
                case RepeatsNode { Times: 1 } r:
                    return Eval(r.Inner, need);
                case RepeatsNode r:
                    return Repeats(r, need);
                default:
                    throw new InvalidOperationException($"unknown node {node.GetType().Name}");
            }
        }

        private IEnumerable<Binding> Leaf(int index, bool need)
        {
            var bit = 1UL << index;
            if (need)
            {
                if ((entries[fresh].Satisfied & bit) != 0)
                {
                    Step();
                    yield return new Binding([fresh], [index], entries[fresh].Time, entries[fresh].Time);
                }

                yield break;
            }

            // Newest first: the nearest events are the likeliest to fit a WITHIN.
            for (var i = entries.Count - 1; i >= 0; i--)
            {
                if ((entries[i].Satisfied & bit) != 0)
                {
                    Step();
                    yield return new Binding([i], [index], entries[i].Time, entries[i].Time);
                }
            }
        }

        private IEnumerable<Binding> Pairs(ObservationOperator op, IEnumerable<Binding> lefts, WindowNode right, bool needRight)
        {
            // The right side first: when nothing can stand there, the left side (often the larger) is never enumerated.
            var rights = Materialise(Eval(right, needRight));
            if (rights.Count == 0)
            {
                yield break;
            }

            foreach (var l in lefts)
            {
                foreach (var r in rights)
                {
                    Step();
                    if (l.Disjoint(r) && (op != ObservationOperator.FollowedBy || r.First >= l.Last))
                    {
                        yield return l.Join(r);
                    }
                }
            }
        }

        private IEnumerable<Binding> Repeats(RepeatsNode r, bool need)
        {
            var all = Materialise(Eval(r.Inner, false));
            if (need)
            {
                foreach (var first in Eval(r.Inner, true))
                {
                    foreach (var b in Choose(all, r.Times - 1, first, 0))
                    {
                        yield return b;
                    }
                }
            }
            else
            {
                foreach (var b in Choose(all, r.Times, null, 0))
                {
                    yield return b;
                }
            }
        }

        /// <summary>Every set of <paramref name="count"/> more pairwise distinct bindings from <paramref name="from"/>, in index order, joined to <paramref name="acc"/>.</summary>
        private IEnumerable<Binding> Choose(List<Binding> from, int count, Binding? acc, int start)
        {
            if (count == 0)
            {
                yield return acc!.Value;
                yield break;
            }

            for (var i = start; i <= from.Count - count; i++)
            {
                Step();
                var next = from[i];
                if (acc is { } a && !a.Disjoint(next))
                {
                    continue;
                }

                foreach (var b in Choose(from, count - 1, acc is { } x ? x.Join(next) : next, i + 1))
                {
                    yield return b;
                }
            }
        }

        private List<Binding> Materialise(IEnumerable<Binding> source)
        {
            var list = new List<Binding>();
            foreach (var b in source)
            {
                Step();
                list.Add(b);
            }

            return list;
        }
    }
}
