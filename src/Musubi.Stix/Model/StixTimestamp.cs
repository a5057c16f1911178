using System.Globalization;

namespace Musubi.Stix.Model;

/// <summary>
/// A STIX timestamp (spec 2.16): <c>YYYY-MM-DDTHH:mm:ss[.s+]Z</c>, UTC only. Keeps the text, the instant (to .NET's
/// 100 ns) and a sort key with the fraction padded to nine digits, so that versions order exactly even when producers
/// write different precisions (<c>…:19Z</c> and <c>…:19.5Z</c> do not sort as text).
/// </summary>
public readonly record struct StixTimestamp(string Text, DateTimeOffset Value, int FractionDigits)
{
    /// <summary><c>YYYY-MM-DDTHH:mm:ss.fffffffffZ</c>; sub-nanosecond digits are cut (they never decide a version).</summary>
    public string SortKey
    {
        get
        {
            var dot = Text.IndexOf('.', StringComparison.Ordinal);
            var head = dot < 0 ? Text.AsSpan(0, Text.Length - 1) : Text.AsSpan(0, dot);
            var fraction = dot < 0 ? [] : Text.AsSpan(dot + 1, Text.Length - dot - 2);
            if (fraction.Length > 9)
            {
                fraction = fraction[..9];
            }

            Span<char> key = stackalloc char[head.Length + 11];
            head.CopyTo(key);
            key[head.Length] = '.';
            fraction.CopyTo(key[(head.Length + 1)..]);
            key[(head.Length + 1 + fraction.Length)..^1].Fill('0');
            key[^1] = 'Z';
            return new string(key);
        }
    }

    public static bool TryParse(string? text, out StixTimestamp timestamp)
    {
        timestamp = default;
        if (text is null || text.Length < 20 || text[^1] != 'Z')
        {
            return false;
        }

        // YYYY-MM-DDTHH:mm:ss
        if (!(Digits(text, 0, 4) && text[4] == '-' && Digits(text, 5, 2) && text[7] == '-' && Digits(text, 8, 2) && text[10] == 'T'
              && Digits(text, 11, 2) && text[13] == ':' && Digits(text, 14, 2) && text[16] == ':' && Digits(text, 17, 2)))
        {
            return false;
        }

        var fractionDigits = 0;
        if (text.Length > 20)
        {
            if (text[19] != '.' || text.Length == 21 || !Digits(text, 20, text.Length - 21))
            {
                return false;
            }

            fractionDigits = text.Length - 21;
        }

        var year = Int(text, 0, 4);
        var month = Int(text, 5, 2);
        var day = Int(text, 8, 2);
        var hour = Int(text, 11, 2);
        var minute = Int(text, 14, 2);
        var second = Int(text, 17, 2);
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 60)
        {
            return false;
        }

        // RFC 3339 allows a leap second (60); .NET cannot hold it, so it counts as the last tick of second 59.
        var leap = second == 60;
        var value = new DateTimeOffset(year, month, day, hour, minute, leap ? 59 : second, TimeSpan.Zero);
        if (fractionDigits > 0)
        {
            // The first seven digits are 100 ns ticks; fewer digits are padded with zeros.
            long ticks = 0;
            for (var i = 0; i < 7; i++)
            {
                ticks = (ticks * 10) + (i < fractionDigits ? text[20 + i] - '0' : 0);
            }

            value = value.AddTicks(ticks);
        }

        if (leap)
        {
            value = value.AddTicks(TimeSpan.TicksPerSecond - 1 - (value.Ticks % TimeSpan.TicksPerSecond));
        }

        timestamp = new StixTimestamp(text, value, fractionDigits);
        return true;
    }

    /// <summary>Writes an instant as a STIX timestamp with millisecond precision (the minimum for created/modified).</summary>
    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static bool Digits(string s, int start, int count)
    {
        for (var i = start; i < start + count; i++)
        {
            if (s[i] is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }

    private static int Int(string s, int start, int count) => int.Parse(s.AsSpan(start, count), CultureInfo.InvariantCulture);

    public override string ToString() => Text;
}
