using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Musubi.Detection.Events;

namespace Musubi.Detection.Sigma.Evaluation;

/// <summary>A test of one event value, compiled from a rule value and its modifiers.</summary>
internal abstract class ValueMatcher
{
    public abstract bool Matches(EventFrame frame, int entry);

    /// <summary>Lower-case literals of which one must occur in any matching value, or null if unknown.</summary>
    public virtual List<string>? Literals() => null;
}

internal enum NeedleKind : byte
{
    Equals,
    StartsWith,
    EndsWith,
    Contains,
    Glob,
    Any,
}

/// <summary>One string pattern after modifiers: a comparison kind, its text, and for globs the pattern.</summary>
internal sealed class Needle
{
    public required NeedleKind Kind { get; init; }

    /// <summary>The literal (lower-cased unless <see cref="Cased"/>); for a glob, the pattern characters.</summary>
    public required string Text { get; init; }

    /// <summary>For globs: 0 literal, 1 <c>*</c>, 2 <c>?</c>, per character of <see cref="Text"/>.</summary>
    public byte[]? GlobKinds { get; init; }

    public bool Cased { get; init; }

    public bool Matches(ReadOnlySpan<char> value) => Kind switch
    {
        NeedleKind.Equals => value.SequenceEqual(Text),
        NeedleKind.StartsWith => value.StartsWith(Text, StringComparison.Ordinal),
        NeedleKind.EndsWith => value.EndsWith(Text, StringComparison.Ordinal),
        NeedleKind.Contains => value.IndexOf(Text, StringComparison.Ordinal) >= 0,
        NeedleKind.Any => true,
        _ => GlobMatch(value),
    };

    private bool GlobMatch(ReadOnlySpan<char> value) => Glob(value, Text, GlobKinds!);

    /// <summary>The longest run of literal characters: it must occur in any matching value.</summary>
    public string? Literal()
    {
        if (Kind == NeedleKind.Any)
        {
            return null;
        }

        if (Kind != NeedleKind.Glob)
        {
            return Text.Length == 0 ? null : Cased ? Text.ToLowerInvariant() : Text;
        }

        string best = "";
        var start = 0;
        for (var i = 0; i <= Text.Length; i++)
        {
            if (i == Text.Length || GlobKinds![i] != 0)
            {
                if (i - start > best.Length)
                {
                    best = Text[start..i];
                }

                start = i + 1;
            }
        }

        return best.Length == 0 ? null : Cased ? best.ToLowerInvariant() : best;
    }

    /// <summary>
    /// Wildcard match: the pattern is split at its stars into segments (which may hold <c>?</c>); the first and last
    /// are anchored at the ends unless a star precedes or follows them, and the middle ones are found leftmost, in
    /// order, which is enough for fixed-length segments.
    /// </summary>
    private bool Glob(ReadOnlySpan<char> s, string p, byte[] kinds)
    {
        var segments = GlobSegments(p, kinds);
        var leadingStar = kinds[0] == 1;
        var trailingStar = kinds[^1] == 1;
        var position = 0;
        var end = s.Length;
        var first = 0;
        var last = segments.Length - 1;
        if (!leadingStar)
        {
            var (start, length) = segments[0];
            if (length > s.Length || !SegmentAt(s, 0, p, kinds, start, length))
            {
                return false;
            }

            position = length;
            first = 1;
            if (segments.Length == 1 && !trailingStar)
            {
                return length == s.Length;
            }
        }

        if (!trailingStar && last >= first)
        {
            var (start, length) = segments[last];
            if (length > end - position || !SegmentAt(s, s.Length - length, p, kinds, start, length))
            {
                return false;
            }

            end = s.Length - length;
            last--;
        }

        for (var i = first; i <= last; i++)
        {
            var (start, length) = segments[i];
            var found = FindSegment(s[..end], position, p, kinds, start, length);
            if (found < 0)
            {
                return false;
            }

            position = found + length;
        }

        return position <= end;
    }

    private (int Start, int Length)[]? segmentCache;

    private (int Start, int Length)[] GlobSegments(string p, byte[] kinds) => segmentCache ??= Split(p, kinds);

    private static (int Start, int Length)[] Split(string p, byte[] kinds)
    {
        var list = new List<(int, int)>();
        var start = 0;
        for (var i = 0; i <= p.Length; i++)
        {
            if (i == p.Length || kinds[i] == 1)
            {
                if (i > start)
                {
                    list.Add((start, i - start));
                }

                start = i + 1;
            }
        }

        return list.ToArray();
    }

    private static bool SegmentAt(ReadOnlySpan<char> s, int at, string p, byte[] kinds, int start, int length)
    {
        for (var k = 0; k < length; k++)
        {
            if (kinds[start + k] == 0 && p[start + k] != s[at + k])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Leftmost position at or after <paramref name="from"/> where the segment matches, or -1.</summary>
    private static int FindSegment(ReadOnlySpan<char> s, int from, string p, byte[] kinds, int start, int length)
    {
        // Search for the segment's first literal run, then check the rest around it.
        var runStart = start;
        while (runStart < start + length && kinds[runStart] != 0)
        {
            runStart++;
        }

        if (runStart == start + length)
        {
            return from + length <= s.Length ? from : -1; // only '?': any characters will do
        }

        var runEnd = runStart;
        while (runEnd < start + length && kinds[runEnd] == 0)
        {
            runEnd++;
        }

        var run = p.AsSpan(runStart, runEnd - runStart);
        var offset = runStart - start;
        var at = from + offset;
        while (at + (length - offset) <= s.Length)
        {
            var index = s[at..].IndexOf(run, StringComparison.Ordinal);
            if (index < 0)
            {
                return -1;
            }

            var candidate = at + index - offset;
            if (candidate + length <= s.Length && SegmentAt(s, candidate, p, kinds, start, length))
            {
                return candidate;
            }

            at += index + 1;
        }

        return -1;
    }
}

/// <summary>Any of several string patterns (a value list is OR-linked).</summary>
internal sealed class StringMatcher : ValueMatcher
{
    /// <summary>Case-insensitive 'contains' needles are all searched in one vectorised multi-string pass.</summary>
    private const int MultiSearchThreshold = 1;

    private readonly SearchValues<string>? contained;
    private readonly SearchValues<string>? containedRare;
    private readonly SearchValues<char>? rareFirstChars;
    private readonly Needle[] others;

    public StringMatcher(Needle[] needles)
    {
        Needles = needles;
        var contains = needles.Where(n => n.Kind == NeedleKind.Contains && !n.Cased).ToList();
        if (contains.Count < MultiSearchThreshold)
        {
            others = needles;
            return;
        }

        // Searched case-insensitively in the original text, so values need no lower-cased copy. Needles that start
        // with a non-ASCII character (emoji, look-alike letters) are searched only when one of their first
        // characters occurs at all, which one vectorised scan tells.
        others = needles.Except(contains).ToArray();
        var common = contains.Where(n => n.Text[0] < 128).Select(n => n.Text).Distinct().ToArray();
        var rare = contains.Where(n => n.Text[0] >= 128).Select(n => n.Text).Distinct().ToArray();
        if (common.Length > 0)
        {
            contained = SearchValues.Create(common, StringComparison.OrdinalIgnoreCase);
        }

        if (rare.Length > 0)
        {
            containedRare = SearchValues.Create(rare, StringComparison.OrdinalIgnoreCase);
            rareFirstChars = SearchValues.Create(rare.SelectMany(t => new[] { t[0], char.ToUpperInvariant(t[0]) }).Distinct().ToArray());
        }
    }

    public Needle[] Needles { get; }

    /// <summary>
    /// When every needle is a case-insensitive 'contains' searched in one pass, searches all the event's values at
    /// once (<see cref="EventFrame.AllText"/>); otherwise returns null and the caller tests value by value.
    /// </summary>
    public bool? MatchesAnyValue(EventFrame frame)
    {
        if (others.Length > 0 || (contained is null && containedRare is null))
        {
            return null;
        }

        var all = frame.AllText;
        return (contained is not null && all.IndexOfAny(contained) >= 0)
            || (containedRare is not null && all.IndexOfAny(rareFirstChars!) >= 0 && all.IndexOfAny(containedRare) >= 0);
    }

    public override bool Matches(EventFrame frame, int entry)
    {
        if (frame.Kind(entry) == EventValueKind.Null)
        {
            return false;
        }

        ReadOnlySpan<char> lower = default;
        var haveLower = false;
        if (contained is not null && frame.Text(entry).IndexOfAny(contained) >= 0)
        {
            return true;
        }

        if (containedRare is not null && frame.Text(entry).IndexOfAny(rareFirstChars!) >= 0 && frame.Text(entry).IndexOfAny(containedRare) >= 0)
        {
            return true;
        }

        foreach (var needle in others)
        {
            if (needle.Cased)
            {
                if (needle.Matches(frame.Text(entry)))
                {
                    return true;
                }
            }
            else
            {
                if (!haveLower)
                {
                    lower = frame.Lower(entry);
                    haveLower = true;
                }

                if (needle.Matches(lower))
                {
                    return true;
                }
            }
        }

        return false;
    }

    public override List<string>? Literals()
    {
        var list = new List<string>(Needles.Length);
        foreach (var needle in Needles)
        {
            if (needle.Literal() is not { } literal)
            {
                return null;
            }

            list.Add(literal);
        }

        return list;
    }
}

internal sealed class RegexMatcher(Regex regex) : ValueMatcher
{
    public override List<string>? Literals() => RegexLiterals.Required(regex.ToString()) is { } literal ? [literal] : null;

    public override bool Matches(EventFrame frame, int entry)
    {
        if (frame.Kind(entry) == EventValueKind.Null)
        {
            return false;
        }

        try
        {
            return regex.IsMatch(frame.Text(entry));
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }
}

internal sealed class CidrMatcher(IPNetwork[] networks) : ValueMatcher
{
    public override bool Matches(EventFrame frame, int entry)
    {
        if (frame.Kind(entry) != EventValueKind.String || !IPAddress.TryParse(frame.Text(entry), out var address))
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var network in networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }
}

internal enum Comparison : byte
{
    Eq,
    Lt,
    Lte,
    Gt,
    Gte,
}

internal static class Numbers
{
    public static bool TryParse(ReadOnlySpan<char> text, out double value)
    {
        text = text.Trim();
        if (text.Length > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
        {
            var ok = ulong.TryParse(text[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex);
            value = hex;
            return ok;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    public static bool Compare(double actual, Comparison comparison, double expected) => comparison switch
    {
        Comparison.Lt => actual < expected,
        Comparison.Lte => actual <= expected,
        Comparison.Gt => actual > expected,
        Comparison.Gte => actual >= expected,
        _ => actual == expected,
    };
}

/// <summary><c>lt</c>, <c>lte</c>, <c>gt</c>, <c>gte</c> (and numeric equality for <c>neq</c>).</summary>
internal sealed class NumberMatcher(Comparison comparison, double[] values) : ValueMatcher
{
    public override bool Matches(EventFrame frame, int entry)
    {
        if (frame.Kind(entry) is EventValueKind.Null or EventValueKind.Boolean || !Numbers.TryParse(frame.Text(entry), out var actual))
        {
            return false;
        }

        foreach (var value in values)
        {
            if (Numbers.Compare(actual, comparison, value))
            {
                return true;
            }
        }

        return false;
    }
}

internal enum TimePart : byte
{
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

/// <summary>Time modifiers: a number taken from a date value (as written: no time-zone conversion), then compared.</summary>
internal sealed class TimePartMatcher(TimePart part, Comparison comparison, double[] values) : ValueMatcher
{
    public override bool Matches(EventFrame frame, int entry)
    {
        if (frame.Kind(entry) != EventValueKind.String
            || !DateTimeOffset.TryParse(frame.Text(entry), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return false;
        }

        var clock = time.DateTime;
        double actual = part switch
        {
            TimePart.Minute => clock.Minute,
            TimePart.Hour => clock.Hour,
            TimePart.Day => clock.Day,
            TimePart.Week => ISOWeek.GetWeekOfYear(clock),
            TimePart.Month => clock.Month,
            _ => clock.Year,
        };
        foreach (var value in values)
        {
            if (Numbers.Compare(actual, comparison, value))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary><c>fieldref</c>: compares the value with the value(s) of another field of the same event.</summary>
internal sealed class FieldRefMatcher(int[] referenced, NeedleKind kind, bool cased) : ValueMatcher
{
    public override bool Matches(EventFrame frame, int entry)
    {
        if (frame.Kind(entry) == EventValueKind.Null)
        {
            return false;
        }

        var value = cased ? frame.Text(entry) : frame.Lower(entry);
        foreach (var field in referenced)
        {
            for (var other = frame.First(field); other >= 0; other = frame.Next(other))
            {
                if (frame.Kind(other) == EventValueKind.Null)
                {
                    continue;
                }

                var target = cased ? frame.Text(other) : frame.Lower(other);
                var hit = kind switch
                {
                    NeedleKind.StartsWith => value.StartsWith(target, StringComparison.Ordinal),
                    NeedleKind.EndsWith => value.EndsWith(target, StringComparison.Ordinal),
                    NeedleKind.Contains => value.IndexOf(target, StringComparison.Ordinal) >= 0,
                    _ => value.SequenceEqual(target),
                };
                if (hit)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
