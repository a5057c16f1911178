using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Musubi.Stix.Misp;

/// <summary>
/// A MISP feed's <c>hashes.csv</c>: one line <c>md5(value),event uuid</c> per attribute value of every event, a composite
/// value (<c>domain|ip</c>, <c>filename|sha256</c>, …) once per part. Feeds publish it; consumers check an event file's
/// attribute values against it (docs/MISP.md, "Consuming a MISP feed").
/// </summary>
public static class MispFeedHashes
{
    public const long MaxBytes = 256L * 1024 * 1024;
    public const int MaxLines = 10_000_000;

    /// <summary>The hex MD5 of each part of a value (the whole value when it has no '|').</summary>
    public static IEnumerable<string> Of(string value)
    {
        foreach (var part in value.Contains('|', StringComparison.Ordinal) ? value.Split('|') : [value])
        {
#pragma warning disable CA5351 // MISP feeds index values by MD5; this is a lookup key, not security.
            yield return Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(part)));
#pragma warning restore CA5351
        }
    }

    /// <summary>The hashes of every attribute value of an event body (its own attributes and its objects').</summary>
    public static HashSet<string> OfEvent(JsonElement e)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (a, _) in MispReader.Attributes(e))
        {
            if (MispReader.Text(a, "value") is { } value)
            {
                set.UnionWith(Of(value));
            }
        }

        return set;
    }

    /// <summary>
    /// hashes.csv read into event uuid (lower case) → the MD5s listed for it. A line that is not <c>32 hex digits,uuid</c>
    /// (empty lines and a trailing CR excepted) is refused with its line number.
    /// </summary>
    public static Dictionary<string, HashSet<string>> Parse(ReadOnlySpan<byte> csv)
    {
        var map = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var line = 0;
        while (!csv.IsEmpty)
        {
            line++;
            if (line > MaxLines)
            {
                throw new MispFormatException($"more than {MaxLines} lines", $"hashes.csv line {line}");
            }

            var end = csv.IndexOf((byte)'\n');
            var row = end < 0 ? csv : csv[..end];
            csv = end < 0 ? [] : csv[(end + 1)..];
            if (!row.IsEmpty && row[^1] == (byte)'\r')
            {
                row = row[..^1];
            }

            if (row.IsEmpty)
            {
                continue;
            }

            var comma = row.IndexOf((byte)',');
            var md5 = comma == 32 ? Encoding.ASCII.GetString(row[..32]).ToLowerInvariant() : null;
            var uuid = comma >= 0 ? Encoding.ASCII.GetString(row[(comma + 1)..]).Trim() : "";
            if (md5 is null || !md5.All(Uri.IsHexDigit) || uuid.Length != 36 || !Guid.TryParse(uuid, out _))
            {
                throw new MispFormatException("expected 'md5 of the value (32 hex digits),event uuid'", $"hashes.csv line {line}");
            }

            var key = uuid.ToLowerInvariant();
            if (!map.TryGetValue(key, out var set))
            {
                map[key] = set = new HashSet<string>(StringComparer.Ordinal);
            }

            set.Add(md5);
        }

        return map;
    }

    /// <summary>
    /// Why an event does not match hashes.csv, or null when it does: every value's hash is listed for the event, and every
    /// hash listed for the event is one of its values (so a changed, added or removed value is caught).
    /// </summary>
    public static string? Check(JsonElement e, string uuid, IReadOnlyDictionary<string, HashSet<string>> hashes)
    {
        if (!hashes.TryGetValue(uuid.ToLowerInvariant(), out var listed))
        {
            return "hashes.csv lists no value of this event";
        }

        var actual = OfEvent(e);
        var notListed = actual.Count(h => !listed.Contains(h));
        var absent = listed.Count(h => !actual.Contains(h));
        return notListed == 0 && absent == 0 ? null
            : $"the event does not match hashes.csv: {notListed} value(s) of the event are not listed, {absent} listed value(s) are not in the event";
    }
}
