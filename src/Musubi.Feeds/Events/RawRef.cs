namespace Musubi.Feeds.Events;

/// <summary>
/// Where an event's raw row lies: a byte range in a source (a file or buffer the caller registered). The event keeps
/// this reference rather than a copy, so millions of events in flight do not hold millions of raw strings.
/// </summary>
public readonly record struct RawRef(long Offset, int Source, int Length)
{
    public bool IsEmpty => Length == 0;
}
