using Musubi.Feeds.Events;

namespace Musubi.Feeds.Pipeline;

public sealed record ValidationOptions
{
    /// <summary>Events without time.source are refused (a notification must say when).</summary>
    public bool RequireTime { get; init; } = true;

    /// <summary>Events older than this (by time.source) are refused: stale news helps nobody.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Events more than this far in the future are refused (clock skew allowance).</summary>
    public TimeSpan MaxFutureSkew { get; init; } = TimeSpan.FromHours(1);
}

/// <summary>The first pipeline stage: an event fit to notify has a source, a classification and a plausible time.</summary>
public sealed class EventValidator(ValidationOptions options, TimeProvider time)
{
    /// <returns>Null when valid, else the reason.</returns>
    public string? Check(in FeedEvent e)
    {
        if (e.Source.IsEmpty && e.SourceFqdn is null && e.SourceUrl is null && e.SourceAsn == 0)
        {
            return "no source";
        }

        if (e.Taxonomy <= 0 || e.Type <= 0)
        {
            return "no classification";
        }

        if (e.TimeSource == FeedEvent.NoTime)
        {
            return options.RequireTime ? "no time.source" : null;
        }

        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (e.TimeSource > now + (long)options.MaxFutureSkew.TotalMilliseconds)
        {
            return "time.source is in the future";
        }

        if (e.TimeSource < now - (long)options.MaxAge.TotalMilliseconds)
        {
            return "time.source is older than the maximum age";
        }

        return null;
    }
}
