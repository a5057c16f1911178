namespace Musubi.Feeds.Events;

/// <summary>A row (or the whole input, line 0) that yielded no event, with why.</summary>
public readonly record struct FeedError(int Line, string Reason)
{
    public override string ToString() => Line > 0 ? $"line {Line}: {Reason}" : Reason;
}
