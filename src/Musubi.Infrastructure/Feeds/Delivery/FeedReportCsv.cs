using System.Globalization;
using System.Text;
using Musubi.Infrastructure.Constituency.Exchange;

namespace Musubi.Infrastructure.Feeds.Delivery;

/// <summary>
/// The rows of a report as CSV (RFC 4180, UTF-8, CRLF), with the documented field names as header. A cell that a
/// spreadsheet would take for a formula (starting with = + - @, tab or CR) is prefixed with an apostrophe.
/// </summary>
public static class FeedReportCsv
{
    public static readonly IReadOnlyList<string> Header =
    [
        "time.source", "source.ip", "source.port", "source.asn", "source.fqdn", "source.geolocation.cc",
        "classification.taxonomy", "classification.type", "malware.name", "feed.name",
    ];

    public static string Write(IEnumerable<FeedReportRow> rows)
    {
        var sb = new StringBuilder();
        WriteLine(sb, Header);
        foreach (var r in rows)
        {
            WriteLine(sb,
            [
                r.TimeSource?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", CultureInfo.InvariantCulture),
                r.SourceIp,
                r.SourcePort?.ToString(CultureInfo.InvariantCulture),
                r.SourceAsn?.ToString(CultureInfo.InvariantCulture),
                r.SourceFqdn,
                r.Country,
                r.Taxonomy,
                r.Type,
                r.MalwareName,
                r.FeedName,
            ]);
        }

        return sb.ToString();
    }

    public static byte[] WriteUtf8(IEnumerable<FeedReportRow> rows) => Encoding.UTF8.GetBytes(Write(rows));

    /// <summary>One cell, escaped for formula injection (the constituency exchange's rule) and quoted when needed.</summary>
    public static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        value = CsvLayout.Guard(value);
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
    }

    private static void WriteLine(StringBuilder sb, IReadOnlyList<string?> cells)
    {
        for (var i = 0; i < cells.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            sb.Append(Cell(cells[i]));
        }

        sb.Append("\r\n");
    }
}
