using System.Text.Json;
using Musubi.Stix.Patterning;

namespace Musubi.Stix.Tests;

/// <summary>Cross-event evaluation of STIX patterns over a sliding window of events (spec 9.5).</summary>
public sealed class ObservationWindowTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private const string A = "[ipv4-addr:value = '10.0.0.1']";
    private const string B = "[ipv4-addr:value = '10.0.0.2']";
    private const string C = "[ipv4-addr:value = '10.0.0.3']";

    private static StixObservation Obs(double seconds, string address) =>
        new(T0.AddSeconds(seconds), [JsonDocument.Parse($$"""{"type":"ipv4-addr","id":"ipv4-addr--{{Guid.NewGuid()}}","value":"{{address}}"}""").RootElement.Clone()]);

    /// <summary>A little driver: one pattern, one scope, events named by their address's last octet.</summary>
    private sealed class Driver(string pattern, WindowLimits? limits = null)
    {
        private int next;

        public CrossEventPattern Pattern { get; } = CrossEventPattern.Compile(StixPattern.Parse(pattern), limits);

        public ObservationWindow<string> Window { get; } = new(limits);

        public List<WindowMatch<string>> Fired { get; } = [];

        /// <summary>Offers an event for 10.0.0.<paramref name="octet"/> at T0 + seconds; returns the match it completed.</summary>
        public WindowMatch<string>? Send(double seconds, int octet, string scope = "org-1", string? id = null)
        {
            var observation = Obs(seconds, $"10.0.0.{octet}");
            var name = id ?? $"e{next++}";
            var match = Window.Observe("indicator--1", Pattern, scope, new WindowEvent<string>(name, observation.Time, Pattern.Satisfied(observation), name));
            if (match is not null)
            {
                Fired.Add(match);
            }

            return match;
        }
    }

    [Fact]
    public void Followedby_needs_the_right_hand_event_at_or_after_the_left_hand_one()
    {
        var d = new Driver($"{A} FOLLOWEDBY {B}");

        Assert.Null(d.Send(10, 2));
        Assert.Null(d.Send(11, 1)); // a B before the A does not complete it
        var match = d.Send(12, 2);

        Assert.NotNull(match);
        Assert.Equal(["e1", "e2"], match.Events.Select(e => e.Payload));
        Assert.Equal([A, B], match.Events.Select(e => e.Expression.ToString()));

        // Arriving out of order, by the events' own time: the B at 30 is after the A at 25 though it came first.
        Assert.Null(d.Send(30, 2));
        Assert.NotNull(d.Send(25, 1));
        // Spec 9.5.2: "greater than or equal to", on different observations.
        Assert.Null(d.Send(40, 1));
        Assert.NotNull(d.Send(40, 2));
    }

    [Fact]
    public void A_redelivered_event_that_already_fired_a_match_is_a_duplicate_and_memory_stays_bounded()
    {
        var d = new Driver($"{A} REPEATS 2 TIMES", new WindowLimits { MaxObservations = 4 });

        Assert.Null(d.Send(0, 1, id: "m1"));
        Assert.NotNull(d.Send(1, 1, id: "m2"));
        // The queue hands both again (their acks were lost): the same events, not two new ones.
        Assert.Null(d.Send(0, 1, id: "m1"));
        Assert.Null(d.Send(1, 1, id: "m2"));
        Assert.Single(d.Fired);
        Assert.Equal(2, d.Window.Counters.Duplicates);
        Assert.Equal(0, d.Window.Counters.Observations);
        // The same event id under another scope (organisation) is another event.
        Assert.Null(d.Send(0, 1, "org-2", id: "m1"));
        Assert.NotNull(d.Send(1, 1, "org-2", id: "m2"));

        // Remembered ids are bounded (MaxObservations here 4): the oldest are forgotten first.
        Assert.Null(d.Send(2, 1, id: "m3"));
        Assert.NotNull(d.Send(3, 1, id: "m4"));
        Assert.Equal(4, d.Window.Remembered);
        Assert.Null(d.Send(3, 1, id: "m4")); // still remembered
        Assert.Equal(3, d.Window.Counters.Duplicates);
        Assert.Equal(3, d.Fired.Count);
    }

    [Fact]
    public void Within_counts_from_the_earliest_to_the_latest_event_of_the_match_and_is_exclusive()
    {
        var d = new Driver($"({A} AND {B}) WITHIN 60 SECONDS");

        Assert.Null(d.Send(0, 1));
        Assert.Null(d.Send(60, 2)); // exactly 60 s apart: not within 60
        Assert.Null(d.Send(200, 1));
        var match = d.Send(259.5, 2);

        Assert.NotNull(match);
        Assert.Equal([T0.AddSeconds(200), T0.AddSeconds(259.5)], match.Events.Select(e => e.Time));
        Assert.Equal(TimeSpan.FromSeconds(60), d.Pattern.Horizon);
    }

    [Fact]
    public void Repeats_counts_distinct_events_and_a_redelivered_event_does_not_count_twice()
    {
        var d = new Driver($"{A} REPEATS 3 TIMES");

        Assert.Null(d.Send(0, 1, id: "x"));
        Assert.Null(d.Send(1, 1, id: "x"));
        Assert.Null(d.Send(2, 1, id: "x"));
        Assert.Null(d.Send(3, 1, id: "y"));
        Assert.Null(d.Send(3, 2, id: "z"));
        var match = d.Send(4, 1, id: "w");

        Assert.NotNull(match);
        Assert.Equal(["x", "y", "w"], match.Events.Select(e => e.EventId));
        Assert.Equal(2, d.Window.Counters.Duplicates);

        // Each event counts towards one match: the next three fire the next alert, not each one after the third.
        Assert.Null(d.Send(5, 1));
        Assert.Null(d.Send(6, 1));
        Assert.NotNull(d.Send(7, 1));
        Assert.Equal(2, d.Window.Counters.Fired);
    }

    [Fact]
    public void An_observation_expression_anded_with_itself_needs_two_distinct_events()
    {
        var d = new Driver($"({A} AND {A}) WITHIN 10 SECONDS");

        Assert.Null(d.Send(0, 1));
        var match = d.Send(5, 1);

        Assert.NotNull(match);
        Assert.Equal(2, match.Events.Select(e => e.EventId).Distinct().Count());
    }

    [Fact]
    public void Start_stop_bounds_every_event_of_the_match()
    {
        var d = new Driver($"({A} FOLLOWEDBY {B}) START t'2026-03-01T12:01:00Z' STOP t'2026-03-01T12:02:00Z'");

        Assert.Null(d.Send(59, 1)); // before START: not recorded at all
        Assert.Null(d.Send(70, 2));
        Assert.Equal(0, d.Window.Counters.Observations - 1); // only the B at 70 is kept
        Assert.Null(d.Send(110, 1));
        Assert.Null(d.Send(120, 2)); // at STOP: outside [start, stop)
        Assert.NotNull(d.Send(119, 2));
        Assert.Equal(TimeSpan.FromMinutes(1), d.Pattern.Horizon);
    }

    [Fact]
    public void Without_a_within_events_are_combined_only_inside_the_configured_maximum_window()
    {
        var limits = new WindowLimits { MaxWindow = TimeSpan.FromHours(1) };
        var d = new Driver($"{A} FOLLOWEDBY {B}", limits);

        Assert.Null(d.Send(0, 1));
        Assert.Null(d.Send(3600, 2)); // an hour later: the A has expired
        Assert.Equal(1, d.Window.Counters.Expired);
        Assert.Null(d.Send(7300, 2)); // this pushes the B at 3600 out; the late A below is refused
        Assert.Null(d.Send(3650, 1));
        Assert.Equal(1, d.Window.Counters.Late);
        Assert.Empty(d.Fired);
    }

    [Fact]
    public void Scopes_keep_separate_state()
    {
        var d = new Driver($"{A} FOLLOWEDBY {B}");

        Assert.Null(d.Send(0, 1, scope: "org-1"));
        Assert.Null(d.Send(1, 2, scope: "org-2"));
        Assert.Equal("org-1", d.Send(2, 2, scope: "org-1")!.Scope);
    }

    [Fact]
    public void State_per_key_is_capped_and_what_is_dropped_is_counted()
    {
        var d = new Driver($"{A} FOLLOWEDBY {B}", new WindowLimits { MaxObservationsPerKey = 4 });

        for (var i = 0; i < 10; i++)
        {
            Assert.Null(d.Send(i, 2));
        }

        var counters = d.Window.Counters;
        Assert.Equal((1, 4, 6L), (counters.Keys, counters.Observations, counters.Dropped));
    }

    [Fact]
    public void State_over_all_keys_is_capped_dropping_the_stalest_keys()
    {
        var d = new Driver($"{A} FOLLOWEDBY {B}", new WindowLimits { MaxObservations = 100 });

        for (var i = 0; i < 500; i++)
        {
            d.Send(i, 1, scope: $"org-{i}");
        }

        var counters = d.Window.Counters;
        Assert.InRange(counters.Observations, 1, 100);
        Assert.Equal(500 - counters.Observations, counters.Dropped);

        // The newest scope is still there and completes; the oldest was dropped.
        Assert.NotNull(d.Send(600, 2, scope: "org-499"));
        Assert.Null(d.Send(600, 2, scope: "org-0"));
    }

    [Fact]
    public void A_search_over_its_budget_stops_and_is_counted()
    {
        var d = new Driver($"({A} REPEATS 5 TIMES) FOLLOWEDBY {B}", new WindowLimits { MaxSteps = 50 });

        for (var i = 0; i < 40; i++)
        {
            d.Send(100 + i, 1);
        }

        Assert.Null(d.Send(10, 2)); // 40 As but all after this B: nothing to find, and too many combinations to look
        Assert.Equal(1, d.Window.Counters.CutShort);
    }

    [Fact]
    public void Retain_drops_the_state_of_indicators_no_longer_live()
    {
        var d = new Driver($"{A} FOLLOWEDBY {B}");
        d.Send(0, 1);
        d.Window.Retain((id, pattern) => id != "indicator--1");

        Assert.Equal(0, d.Window.Counters.Observations);
        Assert.Null(d.Send(1, 2));
    }

    [Theory]
    [InlineData($"({A} AND {B}) WITHIN 100000 SECONDS", "WITHIN 100000 SECONDS is longer than the longest window detection keeps events for (86400 seconds)")]
    [InlineData($"{A} REPEATS 300 TIMES", "a match needs at least 300 events; detection keeps at most 256 per indicator and organisation")]
    [InlineData($"({A} AND {B}) REPEATS 200 TIMES", "a match needs at least 400 events; detection keeps at most 256 per indicator and organisation")]
    public void Patterns_beyond_the_bounds_are_refused_with_a_precise_reason(string pattern, string reason)
    {
        Assert.Equal(reason, CrossEventPattern.Unsupported(StixPattern.Parse(pattern), WindowLimits.Default));
        Assert.Throws<ArgumentException>(() => CrossEventPattern.Compile(StixPattern.Parse(pattern)));
    }

    public static TheoryData<string> Patterns => new(
        $"{A} FOLLOWEDBY {B}",
        $"({A} AND {B}) WITHIN 10 SECONDS",
        $"{A} REPEATS 3 TIMES",
        $"({A} FOLLOWEDBY {B}) WITHIN 20 SECONDS",
        $"({A} REPEATS 2 TIMES) FOLLOWEDBY {C}",
        $"({A} AND {A}) WITHIN 5 SECONDS",
        $"(({A} OR {B}) FOLLOWEDBY {C}) START t'2026-03-01T12:00:20Z' STOP t'2026-03-01T12:01:10Z'",
        $"{A} AND ({B} FOLLOWEDBY {C})",
        $"({A} AND {B}) REPEATS 2 TIMES",
        $"(({A} FOLLOWEDBY {B}) WITHIN 15 SECONDS) FOLLOWEDBY {C}",
        $"({A} REPEATS 2 TIMES WITHIN 8 SECONDS) AND {C}");

    /// <summary>
    /// Property: events arriving in time order, the window fires first exactly at the first event after which the
    /// whole-sequence evaluator (<see cref="PatternEvaluator"/>) finds a match in the events so far.
    /// </summary>
    [Theory]
    [MemberData(nameof(Patterns))]
    public void The_window_fires_first_where_the_batch_evaluator_first_finds_a_match(string pattern)
    {
        var parsed = StixPattern.Parse(pattern);
        var random = new Random(pattern.GetHashCode(StringComparison.Ordinal) & 0x7fff);
        for (var run = 0; run < 300; run++)
        {
            var count = random.Next(1, 10);
            var times = Enumerable.Range(0, count).Select(_ => (double)random.Next(0, 90)).Order().ToList();
            var observations = times.Select(t => Obs(t, $"10.0.0.{random.Next(1, 5)}")).ToList();
            var compiled = CrossEventPattern.Compile(parsed);
            var window = new ObservationWindow<int>();
            int? firedAt = null;
            for (var i = 0; i < observations.Count && firedAt is null; i++)
            {
                if (window.Observe("i", compiled, "s", new WindowEvent<int>($"e{i}", observations[i].Time, compiled.Satisfied(observations[i]), i)) is { } m)
                {
                    firedAt = i;
                    // The match itself satisfies the pattern on its own.
                    Assert.True(PatternEvaluator.Matches(parsed, [.. m.Events.Select(e => observations[e.Payload])]), $"{pattern}: match {string.Join(",", m.Events.Select(e => e.Payload))}");
                }
            }

            int? expected = null;
            for (var k = 1; k <= observations.Count && expected is null; k++)
            {
                if (PatternEvaluator.Matches(parsed, observations.Take(k).ToList()))
                {
                    expected = k - 1;
                }
            }

            Assert.True(expected == firedAt,
                $"{pattern}: run {run}: evaluator first matches at {expected}, window fired at {firedAt}; events {string.Join(" ", observations.Select(o => $"{(o.Time - T0).TotalSeconds}:{o.Objects[0].GetProperty("value").GetString()}"))}");
        }
    }
}
