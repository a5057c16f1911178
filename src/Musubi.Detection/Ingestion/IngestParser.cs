using System.Text;
using System.Text.Json;
using Musubi.Detection.Events;

namespace Musubi.Detection.Ingestion;

/// <summary>One line a sensor sent, read into named fields (JSON objects flattened as the Sigma engine sees them).</summary>
public sealed record ParsedEvent(IngestFormat Format, string Raw, IReadOnlyList<KeyValuePair<string, string>> Fields);

/// <summary>
/// Reads one line of any ingestion format, with limits: at most <see cref="MaxLineBytes"/> bytes, JSON nested at most
/// <see cref="MaxDepth"/> deep, at most <see cref="MaxFields"/> fields. A line that breaks a limit or is malformed is
/// refused with a reason that says what and where; the caller quarantines it. Never throws for bad input.
/// </summary>
public static class IngestParser
{
    public const int MaxLineBytes = 64 * 1024;
    public const int MaxDepth = 32;
    public const int MaxFields = 2000;

    public static bool TryParse(IngestFormat format, ReadOnlySpan<byte> line, out ParsedEvent? parsed, out string? error)
    {
        parsed = null;
        if (line.Length > 0 && line[^1] == '\r')
        {
            line = line[..^1];
        }

        if (line.Length == 0)
        {
            error = "empty line";
            return false;
        }

        if (line.Length > MaxLineBytes)
        {
            error = $"line of {line.Length} bytes is longer than {MaxLineBytes}";
            return false;
        }

        string raw;
        try
        {
            raw = new UTF8Encoding(false, true).GetString(line);
        }
        catch (DecoderFallbackException e)
        {
            error = $"not UTF-8 at byte {e.Index}";
            return false;
        }

        switch (format)
        {
            case IngestFormat.JsonLines:
                return TryParseJson(line, raw, out parsed, out error);
            case IngestFormat.Syslog:
            {
                if (!SyslogParser.TryParse(raw, out var result, out error))
                {
                    return false;
                }

                parsed = new ParsedEvent(format, raw, result.Fields);
                return true;
            }

            default:
            {
                if (!CefParser.TryParse(raw, out var result, out error))
                {
                    return false;
                }

                parsed = new ParsedEvent(format, raw, result.Fields);
                return true;
            }
        }
    }

    private static bool TryParseJson(ReadOnlySpan<byte> line, string raw, out ParsedEvent? parsed, out string? error)
    {
        parsed = null;
        var sink = new CollectingSink();
        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = MaxDepth });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "a JSON line must be one object";
                return false;
            }

            reader.Skip();
            if (reader.Read())
            {
                error = $"unexpected data after the object at byte {reader.TokenStartIndex}";
                return false;
            }

            new JsonFlattener().Flatten(line, sink);
        }
        catch (JsonException e)
        {
            error = $"malformed JSON at byte {e.BytePositionInLine ?? 0}: {FirstSentence(e.Message)}";
            return false;
        }
        catch (TooManyFieldsException)
        {
            error = $"more than {MaxFields} fields";
            return false;
        }

        parsed = new ParsedEvent(IngestFormat.JsonLines, raw, sink.Fields);
        error = null;
        return true;
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..end];
    }

    private sealed class TooManyFieldsException : Exception;

    private sealed class CollectingSink : IEventFieldSink
    {
        private readonly List<string> names = [];

        public List<KeyValuePair<string, string>> Fields { get; } = [];

        public int Resolve(ReadOnlySpan<char> name)
        {
            names.Add(name.ToString());
            return names.Count - 1;
        }

        public void Add(int handle, EventValueKind kind, ReadOnlySpan<char> text)
        {
            if (Fields.Count >= MaxFields)
            {
                throw new TooManyFieldsException();
            }

            Fields.Add(new(names[handle], kind == EventValueKind.Null ? "" : text.ToString()));
        }
    }
}
