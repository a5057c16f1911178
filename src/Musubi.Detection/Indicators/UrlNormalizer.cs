namespace Musubi.Detection.Indicators;

/// <summary>
/// Canonical form of a URL, so that an indicator matches the spellings of the same resource (RFC 3986 §6.2.2 and
/// §6.2.3):
/// <list type="number">
/// <item>The scheme (<c>[a-z][a-z0-9+.-]*</c>, followed by <c>://</c>) and the host are lower-cased; one trailing dot
/// of the host is removed.</item>
/// <item>The port is dropped when it is empty or the scheme's default (http/ws 80, https/wss 443, ftp 21); leading
/// zeros of a port are dropped.</item>
/// <item>Percent-encoding: an escaped unreserved character (<c>A–Z a–z 0–9 - . _ ~</c>) is decoded
/// (<c>%7E</c> → <c>~</c>); every other escape keeps its meaning and gets upper-case hex (<c>%2f</c> → <c>%2F</c>); a
/// <c>%</c> not followed by two hex digits is kept as it is.</item>
/// <item>An empty path becomes <c>/</c>; dot segments (<c>/./</c>, <c>/../</c>) are removed (RFC 3986 §5.2.4).</item>
/// <item>The fragment (<c>#…</c>) is dropped: it never reaches the server. User information, path and query keep their
/// case and order.</item>
/// </list>
/// The result is never longer than the input plus one byte.
/// </summary>
public static class UrlNormalizer
{
    /// <summary>Writes the canonical form into <paramref name="destination"/> (at least input length + 1); returns its length or -1.</summary>
    public static int Normalize(ReadOnlySpan<byte> url, Span<byte> destination) => Normalize(url, destination, out _, out _);

    /// <summary>
    /// As <see cref="Normalize(ReadOnlySpan{byte}, Span{byte})"/>, and where the host lies in the result (without
    /// IPv6 brackets), so that the caller can match the host as a domain or address.
    /// </summary>
    public static int Normalize(ReadOnlySpan<byte> url, Span<byte> destination, out int hostStart, out int hostLength)
    {
        hostStart = hostLength = 0;
        if (destination.Length < url.Length + 1)
        {
            return -1;
        }

        var sep = url.IndexOf("://"u8);
        if (sep <= 0 || sep > 16 || !IsAsciiLetter(url[0]))
        {
            return -1;
        }

        var o = 0;
        for (var i = 0; i < sep; i++)
        {
            var c = url[i];
            if (!IsAsciiLetter(c) && (uint)(c - '0') > 9 && c != '+' && c != '-' && c != '.')
            {
                return -1;
            }

            destination[o++] = Lower(c);
        }

        var scheme = destination[..o];
        var defaultPort = DefaultPort(scheme);
        "://"u8.CopyTo(destination[o..]);
        o += 3;

        var rest = url[(sep + 3)..];
        var authorityEnd = rest.IndexOfAny("/?#"u8);
        var authority = authorityEnd < 0 ? rest : rest[..authorityEnd];
        var tail = authorityEnd < 0 ? [] : rest[authorityEnd..];

        var at = authority.LastIndexOf((byte)'@');
        if (at >= 0)
        {
            o = CopyPercentNormalized(authority[..(at + 1)], destination, o);
            authority = authority[(at + 1)..];
        }

        ReadOnlySpan<byte> host;
        ReadOnlySpan<byte> port = [];
        if (authority.Length > 0 && authority[0] == '[')
        {
            var close = authority.IndexOf((byte)']');
            if (close < 0)
            {
                return -1;
            }

            host = authority[..(close + 1)];
            var after = authority[(close + 1)..];
            if (after.Length > 0)
            {
                if (after[0] != ':')
                {
                    return -1;
                }

                port = after[1..];
            }
        }
        else
        {
            var colon = authority.LastIndexOf((byte)':');
            host = colon < 0 ? authority : authority[..colon];
            port = colon < 0 ? [] : authority[(colon + 1)..];
        }

        if (host.Length > 1 && host[^1] == '.' && host[0] != '[')
        {
            host = host[..^1];
        }

        if (host.Length == 0)
        {
            return -1;
        }

        var hostOut = o;
        var hostEnd = CopyPercentNormalized(host, destination, o);
        for (var i = hostOut; i < hostEnd; i++)
        {
            destination[i] = Lower(destination[i]);
        }

        o = hostEnd;
        (hostStart, hostLength) = destination[hostOut] == '[' ? (hostOut + 1, hostEnd - hostOut - 2) : (hostOut, hostEnd - hostOut);

        if (port.Length > 0)
        {
            var value = 0;
            foreach (var c in port)
            {
                if ((uint)(c - '0') > 9 || value > 65535)
                {
                    return -1;
                }

                value = (value * 10) + (c - '0');
            }

            if (value > 65535)
            {
                return -1;
            }

            if (value != defaultPort)
            {
                destination[o++] = (byte)':';
                value.TryFormat(destination[o..], out var written);
                o += written;
            }
        }

        var fragment = tail.IndexOf((byte)'#');
        if (fragment >= 0)
        {
            tail = tail[..fragment];
        }

        var query = tail.IndexOf((byte)'?');
        var path = query < 0 ? tail : tail[..query];
        var pathStart = o;
        if (path.Length == 0)
        {
            destination[o++] = (byte)'/';
        }
        else
        {
            o = CopyPercentNormalized(path, destination, o);
            o = pathStart + RemoveDotSegments(destination[pathStart..o]);
        }

        if (query >= 0)
        {
            o = CopyPercentNormalized(tail[query..], destination, o);
        }

        return o;
    }

    private static int CopyPercentNormalized(ReadOnlySpan<byte> source, Span<byte> destination, int o)
    {
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            if (c == '%' && i + 2 < source.Length && IndicatorText.HexValue(source[i + 1]) is var hi && hi >= 0
                && IndicatorText.HexValue(source[i + 2]) is var lo && lo >= 0)
            {
                var decoded = (byte)((hi << 4) | lo);
                if (IsUnreserved(decoded))
                {
                    destination[o++] = decoded;
                }
                else
                {
                    destination[o++] = (byte)'%';
                    destination[o++] = UpperHex(hi);
                    destination[o++] = UpperHex(lo);
                }

                i += 2;
                continue;
            }

            destination[o++] = c;
        }

        return o;
    }

    /// <summary>RFC 3986 §5.2.4 on an absolute path, in place; returns the new length.</summary>
    private static int RemoveDotSegments(Span<byte> path)
    {
        if (path.IndexOf("/."u8) < 0)
        {
            return path.Length;
        }

        var o = 0;
        var i = 0;
        while (i < path.Length)
        {
            // path[i] is '/' (the path is absolute); find the segment after it.
            var next = path[(i + 1)..].IndexOf((byte)'/');
            var end = next < 0 ? path.Length : i + 1 + next;
            var segment = path[(i + 1)..end];
            var last = end == path.Length;
            if (segment.SequenceEqual("."u8))
            {
                if (last)
                {
                    path[o++] = (byte)'/';
                }
            }
            else if (segment.SequenceEqual(".."u8))
            {
                var slash = o == 0 ? -1 : path[..o].LastIndexOf((byte)'/');
                o = slash < 0 ? 0 : slash;
                if (last)
                {
                    path[o++] = (byte)'/';
                }
            }
            else
            {
                path[o++] = (byte)'/';
                path[i..end][1..].CopyTo(path[o..]);
                o += end - i - 1;
            }

            i = end;
        }

        if (o == 0)
        {
            path[o++] = (byte)'/';
        }

        return o;
    }

    private static int DefaultPort(ReadOnlySpan<byte> scheme) => scheme switch
    {
        _ when scheme.SequenceEqual("http"u8) || scheme.SequenceEqual("ws"u8) => 80,
        _ when scheme.SequenceEqual("https"u8) || scheme.SequenceEqual("wss"u8) => 443,
        _ when scheme.SequenceEqual("ftp"u8) => 21,
        _ => -1,
    };

    private static bool IsUnreserved(byte c) =>
        IsAsciiLetter(c) || (uint)(c - '0') <= 9 || c == '-' || c == '.' || c == '_' || c == '~';

    private static bool IsAsciiLetter(byte c) => (uint)((c | 0x20) - 'a') <= 'z' - 'a';

    private static byte Lower(byte c) => (uint)(c - 'A') <= 'Z' - 'A' ? (byte)(c | 0x20) : c;

    private static byte UpperHex(int nibble) => (byte)(nibble < 10 ? '0' + nibble : 'A' + nibble - 10);
}
