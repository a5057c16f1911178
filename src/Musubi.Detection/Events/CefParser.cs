using System.Text;

namespace Musubi.Detection.Events;

/// <summary>
/// Parses a CEF record (<c>CEF:Version|Vendor|Product|Version|SignatureID|Name|Severity|Extension</c>), possibly
/// after a syslog header. Header fields become <c>CEFVersion</c>, <c>DeviceVendor</c>, <c>DeviceProduct</c>,
/// <c>DeviceVersion</c>, <c>SignatureID</c>, <c>Name</c>, <c>Severity</c>; each extension <c>key=value</c> becomes a
/// field named by its key. Header escapes: <c>\|</c> and <c>\\</c>; extension escapes: <c>\=</c>, <c>\\</c>,
/// <c>\n</c>, <c>\r</c>. An extension value runs until the space before the next <c>key=</c>.
/// </summary>
public static class CefParser
{
    private static readonly string[] HeaderNames = ["CEFVersion", "DeviceVendor", "DeviceProduct", "DeviceVersion", "SignatureID", "Name", "Severity"];

    public static bool TryParse(string line, out LineEvent result, out string? error)
    {
        result = new LineEvent();
        error = null;
        var text = line.TrimEnd('\r', '\n');
        var start = text.IndexOf("CEF:", StringComparison.Ordinal);
        if (start < 0)
        {
            error = "no 'CEF:' record in the line";
            return false;
        }

        var position = start + 4;
        for (var i = 0; i < HeaderNames.Length; i++)
        {
            var value = new StringBuilder();
            var closed = false;
            while (position < text.Length)
            {
                var c = text[position++];
                if (c == '\\' && position < text.Length && text[position] is '|' or '\\')
                {
                    value.Append(text[position++]);
                }
                else if (c == '|')
                {
                    closed = true;
                    break;
                }
                else
                {
                    value.Append(c);
                }
            }

            if (!closed)
            {
                error = $"CEF header ends before the '|' after {HeaderNames[i]} (7 header fields are required)";
                return false;
            }

            result.Add(HeaderNames[i], value.ToString());
        }

        return ParseExtension(text[position..], result, out error);
    }

    private static bool ParseExtension(string text, LineEvent result, out string? error)
    {
        error = null;
        var position = 0;
        while (position < text.Length)
        {
            while (position < text.Length && text[position] == ' ')
            {
                position++;
            }

            if (position >= text.Length)
            {
                break;
            }

            var equals = text.IndexOf('=', position);
            if (equals <= position)
            {
                error = $"CEF extension: expected key=value at column {position + 1}";
                return false;
            }

            var key = text[position..equals];
            if (key.Contains(' ', StringComparison.Ordinal))
            {
                error = $"CEF extension: key '{key}' contains a space";
                return false;
            }

            // The value ends at the last space before the next unescaped '=' that follows a key.
            var valueStart = equals + 1;
            var end = text.Length;
            for (var i = valueStart; i < text.Length; i++)
            {
                if (text[i] == '\\')
                {
                    i++;
                    continue;
                }

                if (text[i] == '=')
                {
                    var space = text.LastIndexOf(' ', i - 1, i - valueStart);
                    if (space >= valueStart)
                    {
                        end = space;
                        break;
                    }
                }
            }

            result.Add(key, Unescape(text[valueStart..end]));
            position = end;
        }

        return true;
    }

    private static string Unescape(string value)
    {
        if (!value.Contains('\\', StringComparison.Ordinal))
        {
            return value;
        }

        var builder = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length)
            {
                var next = value[++i];
                builder.Append(next switch { 'n' => '\n', 'r' => '\r', _ => next });
            }
            else
            {
                builder.Append(value[i]);
            }
        }

        return builder.ToString();
    }
}
