using System.Globalization;
using System.Text;

namespace Musubi.Detection.Events;

/// <summary>
/// Parses one syslog line, RFC 5424 (<c>&lt;PRI&gt;1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG</c>) or RFC 3164
/// (<c>&lt;PRI&gt;Mmm dd hh:mm:ss HOST TAG[PID]: MSG</c>), into fields: <c>facility</c>, <c>severity</c>,
/// <c>timestamp</c>, <c>hostname</c>, <c>app_name</c>, <c>proc_id</c>, <c>msg_id</c>, <c>message</c>, and each
/// structured-data parameter as <c>SDID.name</c>. A line without a priority is taken as a bare message.
/// </summary>
public static class SyslogParser
{
    public static bool TryParse(string line, out LineEvent result, out string? error)
    {
        result = new LineEvent();
        error = null;
        var text = line.TrimEnd('\r', '\n');
        if (text.Length == 0)
        {
            error = "empty line";
            return false;
        }

        if (text[0] != '<')
        {
            result.Add("message", text);
            return true;
        }

        var close = text.IndexOf('>', StringComparison.Ordinal);
        if (close < 2 || close > 4 || !int.TryParse(text.AsSpan(1, close - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var pri) || pri > 191)
        {
            error = "invalid syslog priority (expected <0> to <191>)";
            return false;
        }

        result.Add("facility", (pri / 8).ToString(CultureInfo.InvariantCulture));
        result.Add("severity", (pri % 8).ToString(CultureInfo.InvariantCulture));
        var rest = text[(close + 1)..];
        return rest.StartsWith("1 ", StringComparison.Ordinal)
            ? Parse5424(rest[2..], result, out error)
            : Parse3164(rest, result, out error);
    }

    private static bool Parse5424(string text, LineEvent result, out string? error)
    {
        error = null;
        var position = 0;
        string[] names = ["timestamp", "hostname", "app_name", "proc_id", "msg_id"];
        foreach (var name in names)
        {
            var space = text.IndexOf(' ', position);
            if (space < 0)
            {
                error = $"RFC 5424 header is incomplete at {name}";
                return false;
            }

            var value = text[position..space];
            if (value != "-")
            {
                result.Add(name, value);
            }

            position = space + 1;
        }

        if (position >= text.Length)
        {
            error = "RFC 5424 header lacks structured data ('-' or [...])";
            return false;
        }

        if (text[position] == '-')
        {
            position++;
        }
        else if (text[position] == '[')
        {
            while (position < text.Length && text[position] == '[')
            {
                if (!ParseElement(text, ref position, result, out error))
                {
                    return false;
                }
            }
        }
        else
        {
            error = $"RFC 5424 structured data must be '-' or start with '[' (column {position + 1})";
            return false;
        }

        if (position < text.Length)
        {
            var message = text[position..].TrimStart(' ');
            if (message.StartsWith('\uFEFF'))
            {
                message = message[1..];
            }

            result.Add("message", message);
        }

        return true;
    }

    /// <summary><c>[id name="value" ...]</c>; in values <c>\"</c>, <c>\\</c> and <c>\]</c> are escapes.</summary>
    private static bool ParseElement(string text, ref int position, LineEvent result, out string? error)
    {
        error = null;
        position++; // [
        var idEnd = text.IndexOfAny([' ', ']'], position);
        if (idEnd < 0)
        {
            error = "unterminated structured-data element";
            return false;
        }

        var id = text[position..idEnd];
        position = idEnd;
        while (position < text.Length && text[position] == ' ')
        {
            position++;
            var equals = text.IndexOf('=', position);
            if (equals < 0 || equals + 1 >= text.Length || text[equals + 1] != '"')
            {
                error = $"structured-data parameter without =\"value\" in [{id}]";
                return false;
            }

            var name = text[position..equals];
            position = equals + 2;
            var value = new StringBuilder();
            while (true)
            {
                if (position >= text.Length)
                {
                    error = $"unterminated value of {id}.{name}";
                    return false;
                }

                var c = text[position++];
                if (c == '\\' && position < text.Length && text[position] is '"' or '\\' or ']')
                {
                    value.Append(text[position++]);
                }
                else if (c == '"')
                {
                    break;
                }
                else
                {
                    value.Append(c);
                }
            }

            result.Add($"{id}.{name}", value.ToString());
        }

        if (position >= text.Length || text[position] != ']')
        {
            error = $"structured-data element [{id}] not closed by ']'";
            return false;
        }

        position++;
        return true;
    }

    private static bool Parse3164(string text, LineEvent result, out string? error)
    {
        error = null;
        // Mmm dd hh:mm:ss (the day is space-padded).
        if (text.Length >= 16 && text[3] == ' ' && text[6] == ' ' && text[9] == ':' && text[12] == ':' && text[15] == ' ')
        {
            result.Add("timestamp", text[..15]);
            text = text[16..];
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0)
            {
                result.Add("hostname", text[..space]);
                text = text[(space + 1)..];
            }
        }

        // TAG[PID]: MSG, where the tag is at most 32 alphanumeric characters.
        var colon = text.IndexOf(": ", StringComparison.Ordinal);
        if (colon > 0 && colon <= 48 && !text[..colon].Contains(' ', StringComparison.Ordinal))
        {
            var tag = text[..colon];
            var bracket = tag.IndexOf('[', StringComparison.Ordinal);
            if (bracket > 0 && tag.EndsWith(']'))
            {
                result.Add("app_name", tag[..bracket]);
                result.Add("proc_id", tag[(bracket + 1)..^1]);
            }
            else
            {
                result.Add("app_name", tag);
            }

            text = text[(colon + 2)..];
        }

        result.Add("message", text);
        return true;
    }
}
