namespace Musubi.Feeds.Parsing;

/// <summary>Splits UTF-8 text into lines (LF or CRLF), with 1-based line numbers and byte offsets; skips a leading BOM.</summary>
public ref struct LineReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;
    private int _line;

    public LineReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = data.StartsWith("\uFEFF"u8) ? 3 : 0;
    }

    public bool Next(out ReadOnlySpan<byte> line, out int lineNumber, out int offset)
    {
        if (_position >= _data.Length)
        {
            line = default;
            lineNumber = _line;
            offset = _position;
            return false;
        }

        offset = _position;
        int end = _data[_position..].IndexOf((byte)'\n');
        int next;
        if (end < 0)
        {
            end = _data.Length;
            next = end;
        }
        else
        {
            end += _position;
            next = end + 1;
        }

        line = _data[_position..end];
        if (line.EndsWith((byte)'\r'))
        {
            line = line[..^1];
        }

        _position = next;
        lineNumber = ++_line;
        return true;
    }
}
