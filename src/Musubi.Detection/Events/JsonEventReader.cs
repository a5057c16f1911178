using System.Text.Json;

namespace Musubi.Detection.Events;

/// <summary>How the JSON events of a file are laid out.</summary>
public enum JsonLayout
{
    /// <summary>One JSON array of objects: an event's index is its position in the array.</summary>
    Array,

    /// <summary>One object per line: an event's index is its 0-based line number.</summary>
    Lines,

    /// <summary>Objects one after another, possibly pretty-printed over many lines: the index counts objects.</summary>
    Stream,
}

/// <summary>One event of a JSON file, or the reason it could not be read.</summary>
public readonly record struct JsonEventItem(long Index, ReadOnlyMemory<byte> Json, string? Error);

/// <summary>Splits a UTF-8 JSON file into events without parsing them twice.</summary>
public static class JsonEventReader
{
    private static readonly JsonReaderOptions Options = new() { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Skip };

    /// <summary>
    /// An array when the first character is <c>[</c>; lines when the first non-empty line is one complete JSON value;
    /// otherwise a stream of concatenated values.
    /// </summary>
    public static JsonLayout Detect(ReadOnlySpan<byte> data)
    {
        data = SkipBom(data);
        var start = 0;
        while (start < data.Length && IsWhitespace(data[start]))
        {
            start++;
        }

        if (start < data.Length && data[start] == (byte)'[')
        {
            return JsonLayout.Array;
        }

        var end = data[start..].IndexOf((byte)'\n');
        var line = end < 0 ? data[start..] : data.Slice(start, end);
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        try
        {
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                reader.Skip();
                return JsonLayout.Lines;
            }
        }
        catch (JsonException)
        {
            // Not complete on one line: a pretty-printed stream.
        }

        return JsonLayout.Stream;
    }

    public static IEnumerable<JsonEventItem> Read(ReadOnlyMemory<byte> data, JsonLayout layout) => layout switch
    {
        JsonLayout.Array => ReadArray(data),
        JsonLayout.Lines => ReadLines(data),
        _ => ReadStream(data),
    };

    private static IEnumerable<JsonEventItem> ReadLines(ReadOnlyMemory<byte> data)
    {
        var offset = data.Length - SkipBom(data.Span).Length;
        long index = 0;
        while (offset < data.Length)
        {
            var rest = data.Span[offset..];
            var end = rest.IndexOf((byte)'\n');
            var length = end < 0 ? rest.Length : end;
            var line = data.Slice(offset, length);
            offset += end < 0 ? length : length + 1;
            if (!line.Span.Trim(" \t\r"u8).IsEmpty)
            {
                yield return new JsonEventItem(index, line, null);
            }

            index++;
        }
    }

    private static IEnumerable<JsonEventItem> ReadStream(ReadOnlyMemory<byte> data)
    {
        var start = data.Length - SkipBom(data.Span).Length;
        long index = 0;
        while (true)
        {
            var (begin, end, error) = NextValue(data.Span, start);
            if (error is not null)
            {
                yield return new JsonEventItem(index, ReadOnlyMemory<byte>.Empty, error);
                yield break;
            }

            if (begin < 0)
            {
                yield break;
            }

            yield return new JsonEventItem(index++, data[begin..end], null);
            start = end;
        }
    }

    private static (int Begin, int End, string? Error) NextValue(ReadOnlySpan<byte> data, int start)
    {
        var reader = new Utf8JsonReader(data[start..], Options);
        try
        {
            if (!reader.Read())
            {
                return (-1, -1, null);
            }

            var begin = start + (int)reader.TokenStartIndex;
            reader.Skip();
            return (begin, start + (int)reader.BytesConsumed, null);
        }
        catch (JsonException e)
        {
            return (-1, -1, $"malformed JSON at byte {start + e.BytePositionInLine}: {e.Message}");
        }
    }

    private static IEnumerable<JsonEventItem> ReadArray(ReadOnlyMemory<byte> data)
    {
        var items = new List<JsonEventItem>();
        var span = data.Span;
        var reader = new Utf8JsonReader(span, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        long index = 0;
        try
        {
            reader.Read(); // [
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var begin = (int)reader.TokenStartIndex;
                reader.Skip();
                items.Add(new JsonEventItem(index++, data[begin..(int)reader.BytesConsumed], null));
            }
        }
        catch (JsonException e)
        {
            items.Add(new JsonEventItem(index, ReadOnlyMemory<byte>.Empty, $"malformed JSON array at line {e.LineNumber + 1}: {e.Message}"));
        }

        return items;
    }

    private static ReadOnlySpan<byte> SkipBom(ReadOnlySpan<byte> data) =>
        data.StartsWith("\uFEFF"u8) ? data[3..] : data;

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
}
