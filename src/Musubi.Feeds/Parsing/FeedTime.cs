namespace Musubi.Feeds.Parsing;

/// <summary>Reads the timestamps feeds use, from UTF-8 bytes without allocating.</summary>
public static class FeedTime
{
    private static readonly DateTime Epoch = DateTime.UnixEpoch;

    /// <summary>
    /// "YYYY-MM-DD HH:MM:SS" or with a 'T', optional fraction, optional "Z", " UTC", "+00", "+hh:mm" or "-hhmm"
    /// (no zone means UTC, as Shadowserver and Team Cymru mean it); or Unix seconds (9 to 11 digits) or milliseconds (13).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> s, out long unixMs)
    {
        unixMs = 0;
        s = s.Trim((byte)' ');
        if (s.Length is >= 9 and <= 13 && AllDigits(s))
        {
            long n = Digits(s);
            unixMs = s.Length == 13 ? n : s.Length <= 11 ? n * 1000 : -1;
            return unixMs >= 0;
        }

        if (s.Length < 19 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':')
        {
            return false;
        }

        if (!TwoDigits(s, 5, out int month) || !TwoDigits(s, 8, out int day) || !TwoDigits(s, 11, out int hour)
            || !TwoDigits(s, 14, out int minute) || !TwoDigits(s, 17, out int second) || !AllDigits(s[..4]))
        {
            return false;
        }

        int year = (int)Digits(s[..4]);
        if (month is < 1 or > 12 || day < 1 || year < 1970 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 60)
        {
            return false;
        }

        int i = 19;
        long fractionMs = 0;
        if (i < s.Length && s[i] == '.')
        {
            i++;
            int start = i;
            while (i < s.Length && char.IsAsciiDigit((char)s[i]))
            {
                if (i - start < 3)
                {
                    fractionMs = (fractionMs * 10) + (s[i] - '0');
                }

                i++;
            }

            if (i == start)
            {
                return false;
            }

            for (int k = i - start; k < 3; k++)
            {
                fractionMs *= 10;
            }
        }

        long offsetMinutes = 0;
        ReadOnlySpan<byte> zone = s[i..].TrimStart((byte)' ');
        if (zone.IsEmpty || zone.SequenceEqual("Z"u8) || zone.SequenceEqual("UTC"u8) || zone.SequenceEqual("GMT"u8))
        {
            // UTC
        }
        else if (zone[0] is (byte)'+' or (byte)'-')
        {
            int sign = zone[0] == '+' ? 1 : -1;
            ReadOnlySpan<byte> z = zone[1..];
            if (!TwoDigits(z, 0, out int zh))
            {
                return false;
            }

            int zm = 0;
            if (z.Length == 5 && z[2] == ':' && TwoDigits(z, 3, out zm))
            {
            }
            else if (z.Length == 4 && TwoDigits(z, 2, out zm))
            {
            }
            else if (z.Length != 2)
            {
                return false;
            }

            if (zh > 14 || zm > 59)
            {
                return false;
            }

            offsetMinutes = sign * ((zh * 60) + zm);
        }
        else
        {
            return false;
        }

        second = Math.Min(second, 59);
        var utc = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc);
        unixMs = ((utc - Epoch).Ticks / TimeSpan.TicksPerMillisecond) + fractionMs - (offsetMinutes * 60_000);
        return true;
    }

    public static string Format(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString(
            unixMs % 1000 == 0 ? "yyyy-MM-dd'T'HH:mm:ss'+00:00'" : "yyyy-MM-dd'T'HH:mm:ss.fff'+00:00'",
            System.Globalization.CultureInfo.InvariantCulture);

    private static bool AllDigits(ReadOnlySpan<byte> s)
    {
        foreach (byte b in s)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
        }

        return true;
    }

    private static long Digits(ReadOnlySpan<byte> s)
    {
        long n = 0;
        foreach (byte b in s)
        {
            n = (n * 10) + (b - '0');
        }

        return n;
    }

    private static bool TwoDigits(ReadOnlySpan<byte> s, int at, out int value)
    {
        value = 0;
        if (at + 2 > s.Length || !char.IsAsciiDigit((char)s[at]) || !char.IsAsciiDigit((char)s[at + 1]))
        {
            return false;
        }

        value = ((s[at] - '0') * 10) + (s[at + 1] - '0');
        return true;
    }
}
