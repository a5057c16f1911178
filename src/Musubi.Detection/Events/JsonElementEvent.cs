using System.Text.Json;

namespace Musubi.Detection.Events;

/// <summary>An event backed by a <see cref="JsonElement"/> object, flattened as <see cref="FieldNaming"/> describes.</summary>
public sealed class JsonElementEvent : ISigmaEvent
{
    private readonly JsonElement root;
    private Dictionary<string, (EventValueKind Kind, string Text)>? firstValues;

    public JsonElementEvent(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("an event must be a JSON object", nameof(root));
        }

        this.root = root;
    }

    public bool TryGetValue(string field, out EventValueKind kind, out string text)
    {
        if (firstValues is null)
        {
            var collector = new FirstValueCollector();
            WriteTo(collector);
            firstValues = collector.Values;
        }

        if (firstValues.TryGetValue(field, out var found))
        {
            (kind, text) = found;
            return true;
        }

        kind = default;
        text = "";
        return false;
    }

    public void WriteTo(IEventFieldSink sink)
    {
        var names = new List<char>(256);
        var path = new List<Range>(8);
        Walk(root, sink, names, path);
    }

    private static void Walk(JsonElement element, IEventFieldSink sink, List<char> names, List<Range> path)
    {
        foreach (var property in element.EnumerateObject())
        {
            var start = names.Count;
            names.AddRange(property.Name);
            path.Add(new Range(start, names.Count));
            WriteValue(property.Value, sink, names, path);
            path.RemoveAt(path.Count - 1);
            names.RemoveRange(start, names.Count - start);
        }
    }

    private static void WriteValue(JsonElement value, IEventFieldSink sink, List<char> names, List<Range> path)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                Walk(value, sink, names, path);
                return;
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                {
                    WriteValue(item, sink, names, path);
                }

                return;
        }

        Span<char> buffer = stackalloc char[512];
        var length = FieldNaming.Compose(path.ToArray(), names.ToArray(), buffer);
        var handle = sink.Resolve(buffer[..length]);
        if (handle < 0)
        {
            return;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                sink.Add(handle, EventValueKind.String, value.GetString());
                break;
            case JsonValueKind.Number:
                sink.Add(handle, EventValueKind.Number, value.GetRawText());
                break;
            case JsonValueKind.True:
                sink.Add(handle, EventValueKind.Boolean, "true");
                break;
            case JsonValueKind.False:
                sink.Add(handle, EventValueKind.Boolean, "false");
                break;
            default:
                sink.Add(handle, EventValueKind.Null, default);
                break;
        }
    }

    private sealed class FirstValueCollector : IEventFieldSink
    {
        private readonly List<string> names = [];

        public Dictionary<string, (EventValueKind, string)> Values { get; } = new(StringComparer.OrdinalIgnoreCase);

        public int Resolve(ReadOnlySpan<char> name)
        {
            names.Add(name.ToString());
            return names.Count - 1;
        }

        public void Add(int handle, EventValueKind kind, ReadOnlySpan<char> text) =>
            Values.TryAdd(names[handle], (kind, text.ToString()));
    }
}
