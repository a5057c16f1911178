using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Musubi.Detection.Events;

/// <summary>
/// Walks one JSON object (UTF-8) with <see cref="Utf8JsonReader"/> and writes its flattened leaves to a sink,
/// decoding only the values the sink asks for. Reuses its buffers: one instance per thread.
/// </summary>
public sealed class JsonFlattener
{
    private const int MaxDepth = 64;
    private readonly Range[] path = new Range[MaxDepth];
    private char[] names = new char[512];
    private char[] name = new char[512];
    private char[] value = new char[1024];
    private PathCache? cache;

    /// <summary>Flattens one JSON object. Throws <see cref="JsonException"/> for malformed JSON or a non-object.</summary>
    public void Flatten(ReadOnlySpan<byte> json, IEventFieldSink sink)
    {
        if (sink is EventFrame frame)
        {
            FlattenCached(json, frame);
            return;
        }

        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = MaxDepth });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("an event must be a JSON object");
        }

        // Each open container remembers the path length at its opening: an object's properties are written at that
        // depth, an array's elements (and objects inside it) keep the array's own path.
        Span<int> bases = stackalloc int[MaxDepth + 1];
        var open = 0;
        bases[open++] = 0;
        var pathLength = 0;
        var handle = -1;
        var resolved = false;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    {
                        var depth = bases[open - 1];
                        if (depth >= MaxDepth)
                        {
                            throw new JsonException("event nested too deeply");
                        }

                        var start = depth == 0 ? 0 : path[depth - 1].End.Value;
                        var needed = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
                        EnsureCapacity(ref names, start + needed);
                        var written = reader.CopyString(names.AsSpan(start));
                        path[depth] = new Range(start, start + written);
                        pathLength = depth + 1;
                        resolved = false;
                        break;
                    }

                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray:
                    bases[open++] = pathLength;
                    resolved = false;
                    break;

                case JsonTokenType.EndObject:
                case JsonTokenType.EndArray:
                    pathLength = bases[--open];
                    resolved = false;
                    break;

                default:
                    {
                        if (pathLength == 0)
                        {
                            break; // a value with no name to give it
                        }

                        if (!resolved)
                        {
                            EnsureCapacity(ref name, path[pathLength - 1].End.Value + pathLength);
                            var length = FieldNaming.Compose(path.AsSpan(0, pathLength), names, name);
                            handle = sink.Resolve(name.AsSpan(0, length));
                            resolved = true;
                        }

                        if (handle >= 0)
                        {
                            Emit(ref reader, sink, handle);
                        }

                        break;
                    }
            }
        }
    }

    /// <summary>
    /// The same walk for the Sigma engine's frame, whose name resolution does not change from event to event: each
    /// property name is found in the <see cref="PathCache"/> by its raw bytes instead of being decoded and composed.
    /// </summary>
    private void FlattenCached(ReadOnlySpan<byte> json, EventFrame sink)
    {
        var paths = cache ??= new PathCache();
        paths.Prepare(sink);
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = MaxDepth });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("an event must be a JSON object");
        }

        Span<int> bases = stackalloc int[MaxDepth + 1];
        Span<int> nodes = stackalloc int[MaxDepth];
        var open = 0;
        bases[open++] = 0;
        var pathLength = 0;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    {
                        var depth = bases[open - 1];
                        if (depth >= MaxDepth)
                        {
                            throw new JsonException("event nested too deeply");
                        }

                        nodes[depth] = paths.Child(depth == 0 ? PathCache.Root : nodes[depth - 1], ref reader);
                        pathLength = depth + 1;
                        break;
                    }

                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray:
                    bases[open++] = pathLength;
                    break;

                case JsonTokenType.EndObject:
                case JsonTokenType.EndArray:
                    pathLength = bases[--open];
                    break;

                default:
                    {
                        if (pathLength == 0)
                        {
                            break; // a value with no name to give it
                        }

                        var handle = paths.Handle(nodes[pathLength - 1]);
                        if (handle >= 0)
                        {
                            Emit(ref reader, sink, handle);
                        }

                        break;
                    }
            }
        }
    }

    private void Emit(ref Utf8JsonReader reader, IEventFieldSink sink, int handle)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                {
                    var needed = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
                    EnsureCapacity(ref value, needed);
                    var written = reader.CopyString(value);
                    sink.Add(handle, EventValueKind.String, value.AsSpan(0, written));
                    break;
                }

            case JsonTokenType.Number:
                {
                    var raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
                    EnsureCapacity(ref value, raw.Length);
                    var written = Encoding.ASCII.GetChars(raw, value);
                    sink.Add(handle, EventValueKind.Number, value.AsSpan(0, written));
                    break;
                }

            case JsonTokenType.True:
                sink.Add(handle, EventValueKind.Boolean, "true");
                break;
            case JsonTokenType.False:
                sink.Add(handle, EventValueKind.Boolean, "false");
                break;
            case JsonTokenType.Null:
                sink.Add(handle, EventValueKind.Null, default);
                break;
        }
    }

    private static void EnsureCapacity(ref char[] buffer, int needed)
    {
        if (buffer.Length < needed)
        {
            Array.Resize(ref buffer, Math.Max(needed, buffer.Length * 2));
        }
    }
}
