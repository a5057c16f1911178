using Musubi.Feeds.Parsing;

namespace Musubi.Feeds.Parsers;

/// <summary>One feed format. Parsers keep no state between calls and may be shared.</summary>
public interface IFeedParser
{
    /// <summary>The name used with <c>musubi feed parse --type</c>.</summary>
    string Type { get; }

    string Description { get; }

    /// <summary>Whether the first bytes of a file (and its name) look like this format; used when no type is given.</summary>
    bool Recognises(ReadOnlySpan<byte> head, string? fileName);

    /// <summary>Hands the context's sink one event or one error for every data row; comments and headers yield nothing.</summary>
    void Parse(ReadOnlySpan<byte> data, FeedParseContext context);
}
