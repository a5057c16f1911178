namespace Musubi.Feeds.Parsing;

/// <summary>Limits and choices for one parse. The defaults suit a feed file of any real size.</summary>
public sealed record FeedParseOptions
{
    /// <summary>Largest input accepted at all (the CLI checks it before reading).</summary>
    public long MaxFileBytes { get; init; } = 512L * 1024 * 1024;

    /// <summary>A longer line (or CSV record) is rejected with its line number and skipped.</summary>
    public int MaxLineBytes { get; init; } = 64 * 1024;

    /// <summary>A CSV row with more fields is rejected.</summary>
    public int MaxFields { get; init; } = 512;

    /// <summary>Parsing stops (with an error for the input) after this many rejected rows.</summary>
    public int MaxErrors { get; init; } = 100_000;

    /// <summary>Keep the fields without a slot of their own (extra.*, geolocation, ...) on each event.</summary>
    public bool Extras { get; init; } = true;

    /// <summary>The <see cref="Events.RawRef.Source"/> given to the events of this input.</summary>
    public int SourceId { get; init; }

    /// <summary>The file name (without folders), which names the report for Shadowserver feeds.</summary>
    public string? FileName { get; init; }

    public static FeedParseOptions Default { get; } = new();
}
