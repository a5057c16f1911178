using System.Globalization;
using Musubi.Infrastructure.Intelligence.Taxii;
using Musubi.Stix.Model;

namespace Musubi.Server.Taxii;

/// <summary>
/// The URL filter parameters of TAXII 2.1 §3.4: added_after, limit, next and match[id|type|version|spec_version].
/// A malformed or repeated parameter is a 400 naming it. Unknown match fields are ignored (§3.4 allows it).
/// </summary>
public static class TaxiiQueryParser
{
    public static TaxiiFilter Parse(IQueryCollection query, bool allowIdAndType = true)
    {
        var addedAfter = Single(query, "added_after") is { } a ? Timestamp(a, "added_after").Value : (DateTimeOffset?)null;
        int? limit = null;
        if (Single(query, "limit") is { } l)
        {
            limit = int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw TaxiiException.BadRequest($"limit: '{l}' is not a positive integer");
        }

        TaxiiCursor? next = null;
        if (Single(query, "next") is { } nx)
        {
            next = TaxiiCursor.TryDecode(nx, out var c) ? c : throw TaxiiException.BadRequest($"next: '{nx}' is not a value this server gave out");
        }

        return new TaxiiFilter(addedAfter, limit, next,
            allowIdAndType ? List(query, "match[id]") : null,
            allowIdAndType ? List(query, "match[type]") : null,
            Versions(query), List(query, "match[spec_version]"));
    }

    public static TaxiiVersions? Versions(IQueryCollection query)
    {
        var values = List(query, "match[version]");
        if (values is null)
        {
            return null;
        }

        bool all = false, first = false, last = false;
        var exact = new HashSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var v in values)
        {
            if (!seen.Add(v))
            {
                throw TaxiiException.BadRequest($"match[version]: '{v}' occurs more than once");
            }

            switch (v)
            {
                case "all": all = true; break;
                case "first": first = true; break;
                case "last": last = true; break;
                default: exact.Add(Timestamp(v, "match[version]").SortKey); break;
            }
        }

        if (all && values.Count > 1)
        {
            throw TaxiiException.BadRequest("match[version]: 'all' must not be combined with other versions");
        }

        return new TaxiiVersions(all, first, last, exact);
    }

    private static string? Single(IQueryCollection query, string name)
    {
        if (!query.TryGetValue(name, out var values))
        {
            return null;
        }

        if (values.Count > 1)
        {
            throw TaxiiException.BadRequest($"{name}: must not occur more than once");
        }

        return string.IsNullOrEmpty(values[0]) ? throw TaxiiException.BadRequest($"{name}: is empty") : values[0];
    }

    private static List<string>? List(IQueryCollection query, string name)
    {
        if (Single(query, name) is not { } text)
        {
            return null;
        }

        var parts = text.Split(',');
        if (parts.Any(p => p.Length == 0 || p.Trim() != p))
        {
            throw TaxiiException.BadRequest($"{name}: values are separated by commas without spaces or empty values");
        }

        return parts.ToList();
    }

    private static StixTimestamp Timestamp(string text, string name) =>
        StixTimestamp.TryParse(text, out var t) ? t : throw TaxiiException.BadRequest($"{name}: '{text}' is not a timestamp (YYYY-MM-DDTHH:mm:ss[.s+]Z)");
}
