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
