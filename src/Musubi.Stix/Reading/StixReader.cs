using System.Buffers;
using System.Text;
using System.Text.Json;
using Musubi.Stix.Model;

namespace Musubi.Stix.Reading;

/// <summary>
/// Reads a STIX bundle or a lone STIX object. One forward pass of <see cref="Utf8JsonReader"/> over the input checks
/// well-formedness and the limits (size, depth, object count) and finds each object's exact bytes; only then is each
/// object parsed on its own, so a bundle never becomes one large DOM and each object keeps its original text.
/// Errors name the JSON path (<c>$.objects[12].created</c>) and the line and byte.
/// </summary>
public static class StixReader
{
    public static Task<StixDocument> ReadAsync(Stream stream, StixReadLimits? limits = null, CancellationToken ct = default) =>
        ReadAsync(stream, limits, envelope: false, ct);

    /// <summary>Reads a TAXII 2.1 envelope (<c>{"objects": [...]}</c>, no <c>type</c>; TAXII 2.1 §3.7); a bundle is accepted too.</summary>
    public static Task<StixDocument> ReadEnvelopeAsync(Stream stream, StixReadLimits? limits = null, CancellationToken ct = default) =>
        ReadAsync(stream, limits, envelope: true, ct);

    private static async Task<StixDocument> ReadAsync(Stream stream, StixReadLimits? limits, bool envelope, CancellationToken ct)
    {
        limits ??= StixReadLimits.Default;
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        while (true)
        {
            var memory = buffer.GetMemory(64 * 1024);
            var n = await stream.ReadAsync(memory, ct);
            if (n == 0)
            {
                break;
            }

            buffer.Advance(n);
            if (buffer.WrittenCount > limits.MaxBytes)
            {
                throw new StixFormatException($"input is larger than the limit of {limits.MaxBytes} bytes", "$");
            }
        }

        return Read(buffer.WrittenSpan, limits, envelope);
    }

    public static StixDocument Read(string json, StixReadLimits? limits = null) => Read(Encoding.UTF8.GetBytes(json), limits);

    public static StixDocument Read(ReadOnlySpan<byte> utf8, StixReadLimits? limits = null, bool envelope = false)
    {
        // The first pass keeps no JSON path (no string per property name): well-formed input, the common case, needs
        // none. Whatever it refuses is read again with paths, so that the error names exactly where.
        try
        {
            return Read(utf8, limits, envelope, trackPaths: false);
        }
        catch (StixFormatException)
        {
            Read(utf8, limits, envelope, trackPaths: true);
            throw;
        }
    }

    private static StixDocument Read(ReadOnlySpan<byte> utf8, StixReadLimits? limits, bool envelope, bool trackPaths)
    {
        limits ??= StixReadLimits.Default;
        if (utf8.Length > limits.MaxBytes)
        {
            throw new StixFormatException($"input is larger than the limit of {limits.MaxBytes} bytes", "$");
        }

        // A UTF-8 byte order mark is tolerated (and not part of any object).
        if (utf8.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            utf8 = utf8[3..];
        }

        if (utf8.Trim((ReadOnlySpan<byte>)[(byte)' ', (byte)'\t', (byte)'\r', (byte)'\n']).IsEmpty)
        {
            throw new StixFormatException("empty input: expected a STIX bundle or object", "$");
        }

        var slices = new List<(int Start, int End)>();
        string? rootType = null, rootId = null;
        var objectsIsArray = false;
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = limits.MaxDepth + 1, CommentHandling = JsonCommentHandling.Disallow });
        var path = new PathTracker(trackPaths);
        try
        {
            if (!reader.Read())
            {
                throw new StixFormatException("empty input: expected a STIX bundle or object", "$");
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new StixFormatException($"expected a STIX bundle or object (a JSON object), found {Describe(reader.TokenType)}", "$", 1, reader.TokenStartIndex + 1);
            }

            path.Push(isArray: false);
            while (reader.Read())
            {
                if (reader.CurrentDepth > limits.MaxDepth - 1 && reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    throw Fail(ref reader, utf8, path, $"nesting deeper than the limit of {limits.MaxDepth}");
                }

                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        if (path.Enabled)
                        {
                            path.SetProperty(reader.GetString()!);
                        }

                        if (reader.CurrentDepth == 1)
                        {
                            var name = reader.GetString();
                            if (name is "type" or "id")
                            {
                                reader.Read();
                                var value = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                                if (name == "type") { rootType = value; } else { rootId = value; }
                                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                                {
                                    path.Push(isArray: reader.TokenType == JsonTokenType.StartArray);
                                }

                                continue;
                            }

                            if (name == "objects")
                            {
                                reader.Read();
                                if (reader.TokenType != JsonTokenType.StartArray)
                                {
                                    // Not a bundle's list (e.g. observed-data's deprecated objects dictionary): walk on.
                                    if (reader.TokenType == JsonTokenType.StartObject)
                                    {
                                        path.Push(isArray: false);
                                    }

                                    continue;
                                }

                                objectsIsArray = true;
                                path.Push(isArray: true);
                                ReadObjectsArray(ref reader, utf8, path, slices, limits);
                                path.Pop();
                                continue;
                            }
                        }

                        break;
                    case JsonTokenType.StartObject:
                        path.NextItem();
                        path.Push(isArray: false);
                        break;
                    case JsonTokenType.StartArray:
                        path.NextItem();
                        path.Push(isArray: true);
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        path.Pop();
                        break;
                    default:
                        path.NextItem();
                        break;
                }
            }
        }
        catch (JsonException e)
        {
            throw new StixFormatException($"malformed JSON: {Clean(e.Message)}", path.ToString(), (e.LineNumber ?? 0) + 1, (e.BytePositionInLine ?? 0) + 1);
        }

        if (envelope && rootType != "bundle")
        {
            var problems = new List<string>();
            if (rootType is not null)
            {
                problems.Add($"$.type: a TAXII envelope has no type, found '{rootType}' (a lone object must be sent inside an envelope's objects list)");
            }
            else if (!objectsIsArray && slices.Count == 0 && HasObjectsProperty(utf8))
            {
                problems.Add("$.objects: must be a list of STIX objects");
            }

            var objects = new List<StixObject>(slices.Count);
            for (var i = 0; i < slices.Count; i++)
            {
                var (start, end) = slices[i];
                objects.Add(Parse(utf8[start..end], $"$.objects[{i}]", i));
            }

            return new StixDocument(true, null, rootType is null ? objects : [], problems);
        }

        if (rootType == "bundle")
        {
            var problems = new List<string>();
            if (rootId is null || !StixId.IsValid(rootId, "bundle"))
            {
                problems.Add($"$.id: a bundle's id must be bundle--<UUID>, found {(rootId is null ? "none" : $"'{rootId}'")}");
            }

            if (!objectsIsArray && slices.Count == 0 && HasObjectsProperty(utf8))
            {
                problems.Add("$.objects: must be a list of STIX objects");
            }

            var objects = new List<StixObject>(slices.Count);
            for (var i = 0; i < slices.Count; i++)
            {
                var (start, end) = slices[i];
                objects.Add(Parse(utf8[start..end], $"$.objects[{i}]", i));
            }

            return new StixDocument(true, rootId, objects, problems);
        }

        var text = Encoding.UTF8.GetString(utf8).Trim();
        return new StixDocument(false, null, [Parse(Encoding.UTF8.GetBytes(text), "$", 0)], []);
    }

    private static bool HasObjectsProperty(ReadOnlySpan<byte> utf8)
    {
        using var doc = JsonDocument.Parse(utf8.ToArray());
        return doc.RootElement.TryGetProperty("objects", out _);
    }

    private static void ReadObjectsArray(ref Utf8JsonReader reader, ReadOnlySpan<byte> utf8, PathTracker path, List<(int, int)> slices, StixReadLimits limits)
    {
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return;
            }

            path.NextItem();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw Fail(ref reader, utf8, path, $"expected a STIX object, found {Describe(reader.TokenType)}");
            }

            if (slices.Count >= limits.MaxObjects)
            {
                throw Fail(ref reader, utf8, path, $"more objects than the limit of {limits.MaxObjects}");
            }

            var start = (int)reader.TokenStartIndex;
            var depth = reader.CurrentDepth;
            if (!path.Enabled)
            {
                // The same checks as below, without the path.
                while (reader.Read())
                {
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    {
                        if (reader.CurrentDepth > limits.MaxDepth - 1)
                        {
                            throw Fail(ref reader, utf8, path, $"nesting deeper than the limit of {limits.MaxDepth}");
                        }
                    }
                    else if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth)
                    {
                        break;
                    }
                }

                slices.Add((start, (int)reader.BytesConsumed));
                continue;
            }

            path.Push(isArray: false);
            while (reader.Read())
            {
                if (reader.CurrentDepth > limits.MaxDepth - 1 && reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    throw Fail(ref reader, utf8, path, $"nesting deeper than the limit of {limits.MaxDepth}");
                }

                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        path.SetProperty(reader.GetString()!);
                        continue;
                    case JsonTokenType.StartObject:
                        path.NextItem();
                        path.Push(isArray: false);
                        continue;
                    case JsonTokenType.StartArray:
                        path.NextItem();
                        path.Push(isArray: true);
                        continue;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        path.Pop();
                        break;
                    default:
                        path.NextItem();
                        continue;
                }

                if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth)
                {
                    break;
                }
            }

            slices.Add((start, (int)reader.BytesConsumed));
        }
    }

    private static StixObject Parse(ReadOnlySpan<byte> slice, string path, int index)
    {
        var raw = Encoding.UTF8.GetString(slice);
        // A standalone element with its own copy of the bytes (the same options as JsonDocument.Parse's defaults).
        var reader = new Utf8JsonReader(slice);
        return StixObject.FromElement(raw, JsonElement.ParseValue(ref reader), path, index);
    }

    private static StixFormatException Fail(ref Utf8JsonReader reader, ReadOnlySpan<byte> utf8, PathTracker path, string message)
    {
        var (line, column) = Position(utf8, (int)reader.TokenStartIndex);
        return new StixFormatException(message, path.ToString(), line, column);
    }

    private static (long Line, long Byte) Position(ReadOnlySpan<byte> utf8, int offset)
    {
        long line = 1;
        var lineStart = 0;
        for (var i = 0; i < offset && i < utf8.Length; i++)
        {
            if (utf8[i] == (byte)'\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return (line, offset - lineStart + 1);
    }

    private static string Describe(JsonTokenType t) => t switch
    {
        JsonTokenType.StartArray => "a list",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => t.ToString(),
    };

    // The reader's own messages end with "LineNumber: x | BytePositionInLine: y."; we report those ourselves, 1-based.
    private static string Clean(string message)
    {
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).TrimEnd('.', ' ');
    }

    /// <summary>The JSON path of the token being read, for error messages.</summary>
    private sealed class PathTracker(bool enabled)
    {
        private readonly List<(bool IsArray, int Index, string? Property)> _frames = [];

        /// <summary>False on the first, fast pass: every call is then a no-op and the path is not known.</summary>
        public bool Enabled => enabled;

        public void Push(bool isArray)
        {
            if (enabled)
            {
                _frames.Add((isArray, -1, null));
            }
        }

        public void Pop()
        {
            if (enabled && _frames.Count > 0)
            {
                _frames.RemoveAt(_frames.Count - 1);
            }
        }

        public void SetProperty(string name)
        {
            if (enabled && _frames.Count > 0)
            {
                var f = _frames[^1];
                _frames[^1] = (f.IsArray, f.Index, name);
            }
        }

        public void NextItem()
        {
            if (enabled && _frames.Count > 0 && _frames[^1].IsArray)
            {
                var f = _frames[^1];
                _frames[^1] = (true, f.Index + 1, null);
            }
        }

        public override string ToString()
        {
            var sb = new StringBuilder("$");
            foreach (var (isArray, index, property) in _frames)
            {
                if (isArray)
                {
                    if (index >= 0)
                    {
                        sb.Append('[').Append(index).Append(']');
                    }
                }
                else if (property is not null)
                {
                    sb.Append(IsPlain(property) ? "." + property : $"['{property.Replace("'", "\\'", StringComparison.Ordinal)}']");
                }
            }

            return sb.ToString();
        }

        private static bool IsPlain(string s) => s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
    }
}
