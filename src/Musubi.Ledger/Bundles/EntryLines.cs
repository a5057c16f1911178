using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace Musubi.Ledger.Bundles;

/// <summary>One parsed entry line. Spans point into the line or into the reader's scratch buffers.</summary>
internal ref struct EntryLine
{
    public bool HasIndex;
    public ulong Index;
    public bool HasLeafHash;
    public bool HasPayload;
    public ReadOnlySpan<byte> Payload;
    public string? RemovedReason;
    public List<string>? InclusionProof;
    public string? Error;
}

/// <summary>Entry lines: a hand-rolled writer (every field is ASCII that needs no escaping) and a reader over Utf8JsonReader.</summary>
internal static class EntryLines
{
    public static void Write(
        IBufferWriter<byte> output, ulong index, ReadOnlySpan<byte> leafHash, ReadOnlySpan<byte> payload, string? removedReason, ReadOnlySpan<byte> inclusionProof, bool withProof)
    {
        var reason = removedReason is null ? null : JsonSerializer.SerializeToUtf8Bytes(removedReason);
        var proofHashes = inclusionProof.Length / MerkleHash.Size;
        var size = 128 + (reason?.Length ?? Base64.GetMaxEncodedToUtf8Length(payload.Length)) + (withProof ? (proofHashes * 68) + 24 : 0);
        var span = output.GetSpan(size);
        var at = 0;
        Append(span, ref at, "{\"index\":"u8);
        index.TryFormat(span[at..], out var digits, default, System.Globalization.CultureInfo.InvariantCulture);
        at += digits;
        Append(span, ref at, ",\"leafHash\":\""u8);
        at += WriteHex(leafHash, span[at..]);
        if (reason is null)
        {
            Append(span, ref at, "\",\"payload\":\""u8);
            Base64.EncodeToUtf8(payload, span[at..], out _, out var written);
            at += written;
            Append(span, ref at, "\""u8);
        }
        else
        {
            Append(span, ref at, "\",\"payloadRemoved\":"u8);
            Append(span, ref at, reason);
        }

        if (withProof)
        {
            Append(span, ref at, ",\"inclusionProof\":["u8);
            for (var i = 0; i < proofHashes; i++)
            {
                Append(span, ref at, i == 0 ? "\""u8 : ",\""u8);
                at += WriteHex(inclusionProof.Slice(i * MerkleHash.Size, MerkleHash.Size), span[at..]);
                Append(span, ref at, "\""u8);
            }

            Append(span, ref at, "]"u8);
        }

        Append(span, ref at, "}\n"u8);
        output.Advance(at);
    }

    /// <summary>
    /// Parses an entry line. The payload is base64-decoded into <paramref name="payloadBuffer"/> (grown as needed);
    /// the leaf hash is hex-decoded into <paramref name="leafHash"/>.
    /// </summary>
    public static EntryLine Parse(ReadOnlySpan<byte> line, Span<byte> leafHash, ref byte[] payloadBuffer)
    {
        return TryParseCanonical(line, leafHash, ref payloadBuffer, out var canonical) ? canonical : ParseJson(line, leafHash, ref payloadBuffer);
    }

    /// <summary>
    /// The line exactly as <see cref="Write"/> makes it, <c>{"index":N,"leafHash":"HEX","payload":"BASE64"}</c>, read
    /// without a JSON reader (a quarter of the cost of verifying an entry). Anything else, even valid JSON in another
    /// shape, returns false and goes through the general reader.
    /// </summary>
    internal static bool TryParseCanonical(ReadOnlySpan<byte> line, Span<byte> leafHash, ref byte[] payloadBuffer, out EntryLine entry)
    {
        entry = default;
        line = line.TrimEnd((byte)'\r');
        if (!line.StartsWith("{\"index\":"u8))
        {
            return false;
        }

        var rest = line[9..];
        var digits = rest.IndexOfAnyExceptInRange((byte)'0', (byte)'9');
        if (digits <= 0 || (digits > 1 && rest[0] == (byte)'0')
            || !ulong.TryParse(rest[..digits], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index))
        {
            return false;
        }

        rest = rest[digits..];
        if (!rest.StartsWith(",\"leafHash\":\""u8) || rest.Length < 13 + 64 + 1 || rest[13 + 64] != (byte)'"'
            || !TryReadHex(rest.Slice(13, 64), leafHash))
        {
            return false;
        }

        rest = rest[(13 + 64 + 1)..];
        if (!rest.StartsWith(",\"payload\":\""u8) || !rest.EndsWith("\"}"u8))
        {
            return false;
        }

        var base64 = rest[12..^2];
        if (base64.IndexOfAny((byte)'"', (byte)'\\') >= 0)
        {
            return false;
        }

        var needed = Base64.GetMaxDecodedFromUtf8Length(base64.Length);
        if (payloadBuffer.Length < needed)
        {
            payloadBuffer = new byte[Math.Max(needed, payloadBuffer.Length * 2)];
        }

        if (Base64.DecodeFromUtf8(base64, payloadBuffer, out _, out var length) != OperationStatus.Done)
        {
            return false;
        }

        entry.HasIndex = true;
        entry.Index = index;
        entry.HasLeafHash = true;
        entry.HasPayload = true;
        entry.Payload = payloadBuffer.AsSpan(0, length);
        return true;
    }

    private static EntryLine ParseJson(ReadOnlySpan<byte> line, Span<byte> leafHash, ref byte[] payloadBuffer)
    {
        var entry = default(EntryLine);
        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 4 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                entry.Error = "not a JSON object";
                return entry;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("index"u8))
                {
                    reader.Read();
                    entry.HasIndex = reader.TokenType == JsonTokenType.Number && reader.TryGetUInt64(out entry.Index);
                    if (!entry.HasIndex)
                    {
                        entry.Error = "\"index\" is not a whole number";
                        return entry;
                    }
                }
                else if (reader.ValueTextEquals("leafHash"u8))
                {
                    reader.Read();
                    entry.HasLeafHash = reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && TryReadHex(reader.ValueSpan, leafHash);
                    if (!entry.HasLeafHash)
                    {
                        entry.Error = "\"leafHash\" is not 64 hex digits";
                        return entry;
                    }
                }
                else if (reader.ValueTextEquals("payload"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String || !TryReadBase64(ref reader, ref payloadBuffer, out var length))
                    {
                        entry.Error = "\"payload\" is not base64";
                        return entry;
                    }

                    entry.HasPayload = true;
                    entry.Payload = payloadBuffer.AsSpan(0, length);
                }
                else if (reader.ValueTextEquals("payloadRemoved"u8))
                {
                    reader.Read();
                    entry.RemovedReason = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    if (entry.RemovedReason is null)
                    {
                        entry.Error = "\"payloadRemoved\" is not a string";
                        return entry;
                    }
                }
                else if (reader.ValueTextEquals("inclusionProof"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        entry.Error = "\"inclusionProof\" is not an array";
                        return entry;
                    }

                    entry.InclusionProof = [];
                    while (reader.Read() && reader.TokenType == JsonTokenType.String)
                    {
                        entry.InclusionProof.Add(reader.GetString()!);
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (!entry.HasIndex || !entry.HasLeafHash)
            {
                entry.Error = "an entry needs \"index\" and \"leafHash\"";
            }
            else if (entry.HasPayload == (entry.RemovedReason is not null))
            {
                entry.Error = "an entry has either \"payload\" or \"payloadRemoved\"";
            }
        }
        catch (JsonException e)
        {
            entry.Error = $"not valid JSON ({e.Message})";
        }

        return entry;
    }

    public static int WriteHex(ReadOnlySpan<byte> bytes, Span<byte> destination)
    {
        const string Digits = "0123456789abcdef";
        for (var i = 0; i < bytes.Length; i++)
        {
            destination[2 * i] = (byte)Digits[bytes[i] >> 4];
            destination[(2 * i) + 1] = (byte)Digits[bytes[i] & 0xf];
        }

        return 2 * bytes.Length;
    }

    public static bool TryReadHex(ReadOnlySpan<byte> hex, Span<byte> destination) =>
        hex.Length == 2 * destination.Length
        && Convert.FromHexString(hex, destination, out _, out var written) == OperationStatus.Done
        && written == destination.Length;

    private static bool TryReadBase64(ref Utf8JsonReader reader, ref byte[] buffer, out int length)
    {
        ReadOnlySpan<byte> text = reader.ValueSpan;
        if (reader.ValueIsEscaped)
        {
            // A writer may escape '/' as "\/"; unescape before decoding.
            text = System.Text.Encoding.UTF8.GetBytes(reader.GetString()!);
        }

        var needed = Base64.GetMaxDecodedFromUtf8Length(text.Length);
        if (buffer.Length < needed)
        {
            buffer = new byte[Math.Max(needed, buffer.Length * 2)];
        }

        var status = Base64.DecodeFromUtf8(text, buffer, out _, out length);
        return status == OperationStatus.Done;
    }

    private static void Append(Span<byte> span, ref int at, ReadOnlySpan<byte> text)
    {
        text.CopyTo(span[at..]);
        at += text.Length;
    }
}
