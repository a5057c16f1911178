namespace Musubi.Feeds.Parsing;

/// <summary>
/// Splits UTF-8 CSV text into records: a newline inside double quotes belongs to the field, so one record may span
/// lines. Reports the record's first line number and its byte range.
/// </summary>
public ref struct CsvRecordReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;
    private int _line;

    public CsvRecordReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = data.StartsWith("\uFEFF"u8) ? 3 : 0;
    }

    /// <param name="lines">How many physical lines the record took.</param>
    public bool Next(out ReadOnlySpan<byte> record, out int lineNumber, out int offset, out int lines)
    {
        record = default;
        lineNumber = _line + 1;
        offset = _position;
        lines = 0;
        if (_position >= _data.Length)
        {
            return false;
        }

        bool quoted = false;
        int i = _position;
        int count = 1;
        while (i < _data.Length)
        {
            // Jump to the next quote or newline (vectorised); everything between is plain field text.
            int skip = _data[i..].IndexOfAny((byte)'"', (byte)'\n');
            if (skip < 0)
            {
                i = _data.Length;
                break;
            }

            i += skip;
            byte b = _data[i];
            if (b == '"')
            {
                quoted = !quoted;
            }
            else
            {
                if (!quoted)
                {
                    break;
                }

                count++;
            }

            i++;
        }

        record = _data[_position..i];
        if (record.EndsWith((byte)'\r'))
        {
            record = record[..^1];
        }

        _position = Math.Min(i + 1, _data.Length + 1);
        _line += count;
        lines = count;
        return true;
    }
}

/// <summary>The fields of one CSV record, unquoted into a reused buffer (RFC 4180: "" inside quotes is one quote).</summary>
public sealed class CsvRow
{
    private byte[] _buffer = new byte[4096];
    private Range[] _fields = new Range[64];

    public int Count { get; private set; }

    public ReadOnlySpan<byte> this[int index] => index < Count ? _buffer.AsSpan()[_fields[index]] : default;

    /// <returns>Null when split, else why not (with the 1-based column).</returns>
    public string? Split(ReadOnlySpan<byte> record, byte delimiter, int maxFields, bool trim = false)
    {
        Count = 0;
        if (_buffer.Length < record.Length)
        {
            _buffer = new byte[Math.Max(record.Length, _buffer.Length * 2)];
        }

        int w = 0;
        int i = 0;
        while (true)
        {
            if (Count == maxFields)
            {
                return $"more than {maxFields} fields";
            }

            if (Count == _fields.Length)
            {
                Array.Resize(ref _fields, _fields.Length * 2);
            }

            int start = w;
            if (trim)
            {
                while (i < record.Length && record[i] == ' ')
                {
                    i++;
                }
            }

            if (i < record.Length && record[i] == '"')
            {
                int column = Count + 1;
                i++;
                while (true)
                {
                    int quote = record[i..].IndexOf((byte)'"');
                    if (quote < 0)
                    {
                        return $"column {column}: a quoted field is not closed";
                    }

                    record.Slice(i, quote).CopyTo(_buffer.AsSpan(w));
                    w += quote;
                    i += quote + 1;
                    if (i < record.Length && record[i] == '"')
                    {
                        _buffer[w++] = (byte)'"';
                        i++;
                        continue;
                    }

                    break;
                }

                while (trim && i < record.Length && record[i] == ' ')
                {
                    i++;
                }

                // Text after the closing quote (e.g. backslash-escaped quotes, "\"\"a\"\"") is kept literally up to the
                // next delimiter, as Python's csv module and therefore IntelMQ read it.
                while (i < record.Length && record[i] != delimiter)
                {
                    _buffer[w++] = record[i++];
                }
            }
            else
            {
                int end = record[i..].IndexOf(delimiter);
                end = end < 0 ? record.Length : i + end;
                record[i..end].CopyTo(_buffer.AsSpan(w));
                w += end - i;
                i = end;

                if (trim)
                {
                    while (w > start && _buffer[w - 1] == ' ')
                    {
                        w--;
                    }
                }
            }

            _fields[Count++] = start..w;
            if (i >= record.Length)
            {
                return null;
            }

            i++; // the delimiter
        }
    }
}
