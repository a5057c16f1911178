namespace Musubi.Ledger.Bundles;

/// <summary>Reads a stream line by line without allocating per line; a line is valid until the next call.</summary>
internal sealed class LineReader(Stream stream, int bufferSize = 1 << 20)
{
    private byte[] buffer = new byte[bufferSize];
    private int start;
    private int end;
    private bool endOfStream;

    /// <summary>1-based number of the line last returned.</summary>
    public long LineNumber { get; private set; }

    public long BytesRead { get; private set; }

    /// <summary>The next line without its newline; false at the end of the stream.</summary>
    public bool TryReadLine(out ReadOnlySpan<byte> line)
    {
        var searchFrom = start;
        while (true)
        {
            var newline = buffer.AsSpan(searchFrom, end - searchFrom).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                line = buffer.AsSpan(start, searchFrom + newline - start);
                start = searchFrom + newline + 1;
                LineNumber++;
                return true;
            }

            if (endOfStream)
            {
                line = buffer.AsSpan(start, end - start);
                start = end;
                if (line.IsEmpty)
                {
                    return false;
                }

                LineNumber++;
                return true;
            }

            searchFrom = end - start;
            Fill();
        }
    }

    /// <summary>
    /// The rest of the stream in blocks of whole lines (the last block may end without a newline), each in an array
    /// from <see cref="System.Buffers.ArrayPool{T}.Shared"/> that the caller returns. Do not mix with
    /// <see cref="TryReadLine"/> afterwards.
    /// </summary>
    public bool TryReadBlock(out byte[] block, out int length)
    {
        while (true)
        {
            var pending = buffer.AsSpan(start, end - start);
            if (endOfStream)
            {
                return Take(pending.Length, out block, out length);
            }

            var cut = pending.LastIndexOf((byte)'\n');
            if (cut >= 0 && pending.Length >= buffer.Length / 2)
            {
                return Take(cut + 1, out block, out length);
            }

            Fill();
        }
    }

    private bool Take(int count, out byte[] block, out int length)
    {
        length = count;
        if (count == 0)
        {
            block = [];
            return false;
        }

        block = System.Buffers.ArrayPool<byte>.Shared.Rent(count);
        buffer.AsSpan(start, count).CopyTo(block);
        start += count;
        return true;
    }

    private void Fill()
    {
        // Keep the unfinished line, at the front of the buffer (grown when one line fills it).
        var kept = end - start;
        if (kept == buffer.Length)
        {
            Array.Resize(ref buffer, buffer.Length * 2);
        }
        else if (start > 0)
        {
            buffer.AsSpan(start, kept).CopyTo(buffer);
        }

        start = 0;
        end = kept;
        var read = stream.Read(buffer, end, buffer.Length - end);
        if (read == 0)
        {
            endOfStream = true;
        }

        end += read;
        BytesRead += read;
    }
}
