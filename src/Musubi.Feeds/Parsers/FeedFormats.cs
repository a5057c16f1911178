namespace Musubi.Feeds.Parsers;

/// <summary>The known feed formats, by type name, and recognition from a file's first bytes and name.</summary>
public static class FeedFormats
{
    /// <summary>How much of a file recognition looks at.</summary>
    public const int HeadBytes = 8192;

    /// <summary>The built-in parsers, in the order recognition tries them (most specific first).</summary>
    public static IReadOnlyList<IFeedParser> BuiltIn { get; } =
    [
        new DarknetPcapParser(),
        new ShadowserverParser(),
        new SpamhausAsnDropParser(),
        new SpamhausDropParser(),
        new SpamhausCertParser(),
        new CymruCapParser(),
        new MicrosoftCtipParser(),
        new DShieldBlockParser(),
        new DataPlaneParser(),
        new FeodoTrackerParser(),
        new BlocklistDeParser(),
    ];

    /// <summary>Every type name, with the generic "csv" (which needs a mapping).</summary>
    public static IReadOnlyList<(string Type, string Description)> Types { get; } =
        [.. BuiltIn.Select(p => (p.Type, p.Description)), ("csv", "Any CSV with a column mapping (--mapping FILE, see docs/FEED-FORMATS.md)")];

    public static IFeedParser? ByType(string type) =>
        BuiltIn.FirstOrDefault(p => string.Equals(p.Type, type, StringComparison.OrdinalIgnoreCase));

    /// <summary>The first parser that recognises the head of the file, or null.</summary>
    public static IFeedParser? Recognise(ReadOnlySpan<byte> data, string? fileName)
    {
        ReadOnlySpan<byte> head = data[..Math.Min(data.Length, HeadBytes)];
        foreach (IFeedParser parser in BuiltIn)
        {
            if (parser.Recognises(head, fileName))
            {
                return parser;
            }
        }

        return null;
    }
}
