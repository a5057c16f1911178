using System.Globalization;
using System.Text;
using Musubi.Feeds.Parsers;

namespace Musubi.Infrastructure.Feeds.Collectors;

/// <summary>One event a collector (detections, TAXII) made from platform data, written to its file in <see cref="CollectorCsv"/>.</summary>
public sealed record CollectorRow(
    DateTimeOffset Time, string SourceIp, int? SourcePort, string? DestinationIp, int? DestinationPort, string? Transport,
    string Taxonomy, string Type, string? Identifier, string? MalwareName, string? SourceFqdn, string? SourceUrl, string FeedName, string? Reference);

/// <summary>
/// The file format of the collectors that turn platform data into feed events (detections, TAXII): CSV with a header of
/// harmonised field names, read back by the generic CSV parser with an identity mapping. Writing a file (rather than
/// handing events over directly) keeps one durable path for every collector: the file is accepted (stored and queued)
/// in the same transaction that advances the collector's checkpoint, then processed like any upload.
/// </summary>
public static class CollectorCsv
{
    private static readonly string[] Header =
    [
        "time.source", "source.ip", "source.port", "destination.ip", "destination.port", "protocol.transport",
        "classification.taxonomy", "classification.type", "classification.identifier", "malware.name", "source.fqdn",
        "source.url", "feed.name", "extra.reference",
    ];

    /// <summary>The identity mapping the pipeline reads these files with.</summary>
    public static CsvMapping Mapping { get; } = new()
    {
        FeedName = "",
        Columns = Header.ToDictionary(h => h, h => h, StringComparer.Ordinal),
        Comment = "",
    };

    public static GenericCsvParser Parser { get; } = new(Mapping);

    public static byte[] Write(IEnumerable<CollectorRow> rows)
    {
        var sb = new StringBuilder(string.Join(',', Header)).Append('\n');
        foreach (var r in rows)
        {
            Append(sb, r.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            Append(sb, r.SourceIp);
            Append(sb, r.SourcePort?.ToString(CultureInfo.InvariantCulture));
            Append(sb, r.DestinationIp);
            Append(sb, r.DestinationPort?.ToString(CultureInfo.InvariantCulture));
            Append(sb, r.Transport);
            Append(sb, r.Taxonomy);
            Append(sb, r.Type);
            Append(sb, r.Identifier);
            Append(sb, r.MalwareName);
            Append(sb, r.SourceFqdn);
            Append(sb, r.SourceUrl);
            Append(sb, r.FeedName);
            Append(sb, r.Reference, last: true);
        }

        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private static void Append(StringBuilder sb, string? value, bool last = false)
    {
        if (!string.IsNullOrEmpty(value))
        {
            // Controls are dropped (one record per line); quotes doubled; a leading formula character is harmless here
            // (the report CSV guards its own cells).
            var clean = new string([.. value.Where(c => !char.IsControl(c))]);
            if (clean.Length > 2000)
            {
                clean = clean[..2000];
            }

            sb.Append('"').Append(clean.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
        }

        sb.Append(last ? '\n' : ',');
    }
}
