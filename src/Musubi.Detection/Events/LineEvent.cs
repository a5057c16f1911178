namespace Musubi.Detection.Events;

/// <summary>An event made of named text fields, as the syslog and CEF parsers produce.</summary>
public sealed class LineEvent : ISigmaEvent
{
    private readonly List<KeyValuePair<string, string>> fields = [];

    public IReadOnlyList<KeyValuePair<string, string>> Fields => fields;

    public void Add(string name, string value) => fields.Add(new(name, value));

    public bool TryGetValue(string field, out EventValueKind kind, out string text)
    {
        foreach (var (name, value) in fields)
        {
            if (string.Equals(name, field, StringComparison.OrdinalIgnoreCase))
            {
                kind = EventValueKind.String;
                text = value;
                return true;
            }
        }

        kind = default;
        text = "";
        return false;
    }

    public void WriteTo(IEventFieldSink sink)
    {
        foreach (var (name, value) in fields)
        {
            var handle = sink.Resolve(name);
            if (handle >= 0)
            {
                sink.Add(handle, EventValueKind.String, value);
            }
        }
    }
}
