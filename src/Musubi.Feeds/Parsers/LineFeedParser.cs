using Musubi.Feeds.Parsing;

namespace Musubi.Feeds.Parsers;

/// <summary>A format with one record per line, where blank lines and lines starting with a comment prefix are skipped.</summary>
public abstract class LineFeedParser : IFeedParser
{
    public abstract string Type { get; }

    public abstract string Description { get; }

    /// <summary>Lines starting with any of these bytes (after leading blanks) are comments.</summary>
    protected virtual ReadOnlySpan<byte> CommentPrefixes => "#;"u8;

    public abstract bool Recognises(ReadOnlySpan<byte> head, string? fileName);

    public void Parse(ReadOnlySpan<byte> data, FeedParseContext context)
    {
        Prepare(data, context);
        var lines = new LineReader(data);
        while (!context.Stopped && lines.Next(out ReadOnlySpan<byte> line, out int number, out int offset))
        {
            ReadOnlySpan<byte> trimmed = line.Trim(" \t"u8);
            if (trimmed.IsEmpty || CommentPrefixes.Contains(trimmed[0]) || IsHeader(trimmed))
            {
                continue;
            }

            if (line.Length > context.Options.MaxLineBytes)
            {
                context.Reject(number, $"line longer than {context.Options.MaxLineBytes} bytes");
                continue;
            }

            context.Begin(number, offset, line.Length);
            ParseLine(trimmed, context);
            context.End();
        }
    }

    /// <summary>Reads what the whole file tells (e.g. a time in the header comments) into the context before the rows.</summary>
    protected virtual void Prepare(ReadOnlySpan<byte> data, FeedParseContext context)
    {
    }

    /// <summary>A non-comment header line (e.g. DShield's column names).</summary>
    protected virtual bool IsHeader(ReadOnlySpan<byte> line) => false;

    protected abstract void ParseLine(ReadOnlySpan<byte> line, FeedParseContext context);

    protected static bool StartsWithComment(ReadOnlySpan<byte> head, ReadOnlySpan<byte> text) =>
        head.StartsWith("\uFEFF"u8) ? head[3..].StartsWith(text) : head.StartsWith(text);

    /// <summary>The first line that is neither blank nor a comment.</summary>
    protected static ReadOnlySpan<byte> FirstDataLine(ReadOnlySpan<byte> head, ReadOnlySpan<byte> comments)
    {
        var lines = new LineReader(head);
        while (lines.Next(out ReadOnlySpan<byte> line, out _, out _))
        {
            ReadOnlySpan<byte> t = line.Trim(" \t"u8);
            if (!t.IsEmpty && !comments.Contains(t[0]))
            {
                return t;
            }
        }

        return default;
    }
}
