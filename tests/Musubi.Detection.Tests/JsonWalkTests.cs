using System.Text;
using Musubi.Detection.Events;
using static Musubi.Detection.Tests.SigmaTestKit;

namespace Musubi.Detection.Tests;

/// <summary>
/// The Sigma engine's JSON walk finds field names by their raw UTF-8 bytes in a cache of paths (<see cref="PathCache"/>);
/// every other sink decodes and composes each name. Both must flatten every event alike.
/// </summary>
public sealed class JsonWalkTests
{
    private static readonly string[] Names =
    [
        "Event", "System", "EventData", "UserData", "#attributes", "#text", "Name", "Channel", "EventID", "Image",
        "CommandLine", "a", "b", "Data", "Comm\\u0061ndLine", "na\\\"me", "caf\u00e9", "\u65e5\u672c", "x.y", "IMAGE",
        "Provider", "\\u65e5\\u672c", "",
    ];

    [Fact]
    public void The_cached_walk_flattens_random_events_exactly_as_the_decoding_walk()
    {
        var random = new Random(11);
        var events = Enumerable.Range(0, 400).Select(_ => RandomEvent(random)).ToList();

        // Every name the decoding walk produces is a field of the frame, so the frame keeps every value under its name.
        var expected = events.Select(e =>
        {
            var sink = new RecordingSink();
            new JsonFlattener().Flatten(Encoding.UTF8.GetBytes(e), sink);
            return sink.Values;
        }).ToList();
        var fields = new FieldTable();
        foreach (var (name, _, _) in expected.SelectMany(v => v))
        {
            fields.Intern(name);
        }

        var frame = new EventFrame(fields, keepAllValues: true);
        var flattener = new JsonFlattener();
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < events.Count; i++)
            {
                frame.Clear();
                flattener.Flatten(Encoding.UTF8.GetBytes(events[i]), frame);
                var actual = Enumerable.Range(0, frame.Count)
                    .Select(entry => (fields.NameOf(frame.FieldOf(entry)).ToLowerInvariant(), frame.Kind(entry), frame.Text(entry).ToString()))
                    .ToList();
                Assert.Equal(expected[i].Select(v => (v.Name.ToLowerInvariant(), v.Kind, v.Text)), actual);
            }
        }
    }

    [Fact]
    public void An_escaped_or_non_ascii_field_name_matches_as_its_decoded_name()
    {
        var engine = Engine(Rule("selection:\n    CommandLine|contains: 'whoami'\n    caf\u00e9: 'ok'"));
        const string Escaped = """{"Event":{"System":{"Channel":"c"},"EventData":{"Comm\u0061ndLine":"cmd /c whoami","caf\u00e9":"ok"}}}""";
        var plain = "{\"Event\":{\"System\":{\"Channel\":\"c\"},\"EventData\":{\"CommandLine\":\"cmd /c whoami\",\"caf\u00e9\":\"ok\"}}}";
        const string Other = """{"Event":{"System":{"Channel":"c"},"EventData":{"CommandLineX":"cmd /c whoami","caf\u00e9":"ok"}}}""";
        Assert.Equal([0L, 1], Run(engine, Escaped, plain, Other).Select(m => m.EventIndex));
    }

    [Fact]
    public void The_same_name_under_different_parents_is_two_fields()
    {
        var engine = Engine(Rule("selection:\n    a.x: '2'"));
        Assert.Equal([1L, 2], Run(engine, """{"a":{"x":"1"},"b":{"x":"2"}}""", """{"b":{"x":"1"},"a":{"x":"2"}}""", """{"a":[{"x":"1"},{"x":"2"}]}""").Select(m => m.EventIndex));
    }

    [Fact]
    public void A_matcher_keeps_resolving_fields_after_its_path_cache_starts_again()
    {
        var engine = Engine(Rule("selection:\n    keep: 'yes'"));
        var matcher = engine.CreateMatcher();
        var matches = new List<Musubi.Detection.Sigma.SigmaMatch>();
        for (var i = 0; i < 40; i++)
        {
            // 2,000 new names per event: 80,000 in all, past the cache's bound.
            var json = "{" + string.Join(",", Enumerable.Range(0, 2000).Select(n => $"\"f{i}_{n}\":1")) + ",\"keep\":\"yes\"}";
            matcher.Match(Encoding.UTF8.GetBytes(json), i, matches);
        }

        Assert.Equal(Enumerable.Range(0, 40).Select(i => (long)i), matches.Select(m => m.EventIndex));
    }

    private static string RandomEvent(Random random)
    {
        var builder = new StringBuilder();
        Object(builder, random, 0);
        return builder.ToString();
    }

    private static void Object(StringBuilder builder, Random random, int depth)
    {
        builder.Append('{');
        var count = random.Next(depth == 0 ? 1 : 0, 5);
        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                builder.Append(',');
            }

            builder.Append('"').Append(Names[random.Next(Names.Length)]).Append("\":");
            Value(builder, random, depth + 1);
        }

        builder.Append('}');
    }

    private static void Value(StringBuilder builder, Random random, int depth)
    {
        switch (random.Next(depth > 5 ? 4 : 7))
        {
            case 0:
                builder.Append("\"v").Append(random.Next(100)).Append("\\u00e9\\\\\"");
                break;
            case 1:
                builder.Append(random.Next(-5, 100000));
                break;
            case 2:
                builder.Append(random.Next(2) == 0 ? "true" : "null");
                break;
            case 3:
                builder.Append("\"\u65e5\u672c\"");
                break;
            case 4:
            case 5:
                Object(builder, random, depth);
                break;
            default:
                builder.Append('[');
                var count = random.Next(0, 4);
                for (var i = 0; i < count; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(',');
                    }

                    Value(builder, random, depth + 1);
                }

                builder.Append(']');
                break;
        }
    }

    private sealed class RecordingSink : IEventFieldSink
    {
        private readonly List<string> names = [];

        public List<(string Name, EventValueKind Kind, string Text)> Values { get; } = [];

        public int Resolve(ReadOnlySpan<char> name)
        {
            names.Add(name.ToString());
            return names.Count - 1;
        }

        public void Add(int handle, EventValueKind kind, ReadOnlySpan<char> text) => Values.Add((names[handle], kind, text.ToString()));
    }
}
