namespace Musubi.Detection.Events;

/// <summary>The JSON type of an event value. Numbers and booleans also keep their text for string matching.</summary>
public enum EventValueKind : byte
{
    String,
    Number,
    Boolean,
    Null,
}

/// <summary>Receives the flattened leaf fields of an event, in document order.</summary>
public interface IEventFieldSink
{
    /// <summary>
    /// Called once per field before its values: returns a handle to pass to <see cref="Add"/>, or a negative number
    /// when the sink does not need this field (the caller may then skip decoding its values).
    /// </summary>
    int Resolve(ReadOnlySpan<char> name);

    void Add(int handle, EventValueKind kind, ReadOnlySpan<char> text);
}

/// <summary>
/// An event the Sigma engine can match: fields by (flattened) name. Arrays give a field several values. For Windows
/// events in the evtx_dump JSON layout the <c>Event.System</c> and <c>Event.EventData</c> levels are flattened away,
/// so <c>EventID</c>, <c>Channel</c>, <c>Image</c> or <c>Provider_Name</c> resolve as SigmaHQ rules expect.
/// </summary>
public interface ISigmaEvent
{
    /// <summary>The first value of a field.</summary>
    bool TryGetValue(string field, out EventValueKind kind, out string text);

    /// <summary>Writes every leaf field to the sink.</summary>
    void WriteTo(IEventFieldSink sink);
}
