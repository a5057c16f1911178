using System.Buffers;

namespace Musubi.Detection.Ingestion;

public enum FrameResult
{
    /// <summary>A frame was read and removed from the buffer.</summary>
    Frame,

    /// <summary>The buffer holds no complete frame yet.</summary>
    NeedMore,

    /// <summary>The stream cannot be framed any more (a length over the limit, a line too long): close it.</summary>
    Broken,
}

/// <summary>
/// Splits a TCP/TLS byte stream into messages as RFC 6587 allows: octet counting (<c>LEN SP MSG</c>, recognised by a
/// leading digit) or non-transparent framing (one message per line, LF ends it; a CR before it is dropped later).
/// Each frame may use either method. A frame over <c>maxFrame</c> bytes breaks the stream.
/// </summary>
public static class StreamFraming
{
    public static FrameResult TryRead(ref ReadOnlySequence<byte> buffer, int maxFrame, out ReadOnlySequence<byte> frame, out string? error)
    {
        frame = default;
        error = null;
        var reader = new SequenceReader<byte>(buffer);

        // Stray separators between frames are skipped.
        reader.AdvancePastAny((byte)'\n', (byte)'\r');
        if (reader.End)
        {
            buffer = buffer.Slice(reader.Position);
            return FrameResult.NeedMore;
        }

        reader.TryPeek(out var first);
        if (first is >= (byte)'1' and <= (byte)'9')
        {
            long length = 0;
            var digits = 0;
            while (reader.TryPeek(out var c) && c is >= (byte)'0' and <= (byte)'9')
            {
                length = (length * 10) + (c - '0');
                reader.Advance(1);
                if (++digits > 9 || length > maxFrame)
                {
                    error = $"octet-counted frame longer than {maxFrame} bytes";
                    return FrameResult.Broken;
                }
            }

            if (!reader.TryPeek(out var space))
            {
                return FrameResult.NeedMore;
            }

            if (space != (byte)' ')
            {
                error = "octet count not followed by a space";
                return FrameResult.Broken;
            }

            reader.Advance(1);
            if (reader.Remaining < length)
            {
                return FrameResult.NeedMore;
            }

            var start = reader.Position;
            reader.Advance(length);
            frame = buffer.Slice(start, reader.Position);
            buffer = buffer.Slice(reader.Position);
            return FrameResult.Frame;
        }

        var lineStart = reader.Position;
        if (reader.TryAdvanceTo((byte)'\n', advancePastDelimiter: false))
        {
            frame = buffer.Slice(lineStart, reader.Position);
            if (frame.Length > maxFrame)
            {
                error = $"line longer than {maxFrame} bytes";
                return FrameResult.Broken;
            }

            reader.Advance(1);
            buffer = buffer.Slice(reader.Position);
            return FrameResult.Frame;
        }

        if (buffer.Slice(lineStart).Length > maxFrame)
        {
            error = $"line longer than {maxFrame} bytes";
            return FrameResult.Broken;
        }

        buffer = buffer.Slice(lineStart);
        return FrameResult.NeedMore;
    }
}
