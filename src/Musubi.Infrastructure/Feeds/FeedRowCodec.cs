using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace Musubi.Infrastructure.Feeds;

/// <summary>
/// The stored form of a report row: one compact JSON array per row (positions, not names), and a report's rows as
/// gzip of those lines. Pure; the order of positions is the order of <see cref="FeedReportRow"/>'s fields.
/// </summary>
public static class FeedRowCodec
{
    public static string Encode(FeedReportRow r)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            if (r.TimeSource is { } t) { w.WriteNumberValue(t.ToUnixTimeMilliseconds()); } else { w.WriteNullValue(); }
            w.WriteStringValue(r.SourceIp);
            if (r.SourcePort is { } p) { w.WriteNumberValue(p); } else { w.WriteNullValue(); }
            if (r.SourceAsn is { } a) { w.WriteNumberValue(a); } else { w.WriteNullValue(); }
            Text(w, r.SourceFqdn);
            Text(w, r.Country);
            w.WriteStringValue(r.Taxonomy);
            w.WriteStringValue(r.Type);
            Text(w, r.MalwareName);
            w.WriteStringValue(r.FeedName);
            Text(w, r.Raw);
            w.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    public static FeedReportRow Decode(string encoded)
    {
        using var doc = JsonDocument.Parse(encoded);
        var a = doc.RootElement;
        return new FeedReportRow(
            a[0].ValueKind == JsonValueKind.Null ? null : DateTimeOffset.FromUnixTimeMilliseconds(a[0].GetInt64()),
            a[1].GetString() ?? "",
            a[2].ValueKind == JsonValueKind.Null ? null : a[2].GetInt32(),
            a[3].ValueKind == JsonValueKind.Null ? null : a[3].GetUInt32(),
            a[4].GetString(), a[5].GetString(), a[6].GetString() ?? "", a[7].GetString() ?? "", a[8].GetString(), a[9].GetString() ?? "", a[10].GetString());
    }

    public static byte[] Pack(IEnumerable<string> encodedRows)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        using (var writer = new StreamWriter(gzip, new UTF8Encoding(false)))
        {
            foreach (var row in encodedRows)
            {
                writer.Write(row);
                writer.Write('\n');
            }
        }

        return output.ToArray();
    }

    public static List<FeedReportRow> Unpack(byte[] packed)
    {
        var rows = new List<FeedReportRow>();
        using var reader = new StreamReader(new GZipStream(new MemoryStream(packed), CompressionMode.Decompress), Encoding.UTF8);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                rows.Add(Decode(line));
            }
        }

        return rows;
    }

    private static void Text(Utf8JsonWriter w, string? value)
    {
        if (value is null)
        {
            w.WriteNullValue();
        }
        else
        {
            w.WriteStringValue(value);
        }
    }
}
