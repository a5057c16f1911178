using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Musubi.Core.Identity;
using Musubi.Stix.Misp;
using Musubi.Stix.Model;

namespace Musubi.Infrastructure.Intelligence.Taxii;

/// <summary>
/// Any TAXII collection as a MISP feed (docs/MISP.md, "Publishing a collection as a MISP feed"): each report the caller
/// may see in the collection is one event (<c>&lt;uuid&gt;.json</c>), with the members of the report the caller may see in
/// the same collection; <c>manifest.json</c> indexes them with <c>integrity:sha256</c>; <c>hashes.csv</c> lists the MD5
/// of every attribute value with its event. Everything is read through <see cref="TaxiiService"/>, so through the
/// access policy.
/// </summary>
public sealed class MispFeedPublisher(TaxiiService taxii)
{
    /// <summary>At most this many reports are published per feed (the newest are not dropped: the oldest are).</summary>
    public const int MaxEvents = 10_000;

    public sealed record FeedEvent(string Uuid, byte[] Json);

    public async Task<IReadOnlyList<FeedEvent>> EventsAsync(Actor actor, string collection, CancellationToken ct)
    {
        var reports = new List<StixObjectView>();
        TaxiiCursor? next = null;
        do
        {
            var page = await taxii.ObjectsAsync(actor, collection, new TaxiiFilter(Types: ["report"], Next: next), ct);
            reports.AddRange(page.Items);
            next = page.Next is { } n && TaxiiCursor.TryDecode(n, out var c) ? c : null;
        }
        while (next is not null);

        var events = new List<FeedEvent>();
        foreach (var report in reports.TakeLast(MaxEvents))
        {
            var parsed = StixObject.Parse(report.Raw);
            var refs = parsed.Json.TryGetProperty("object_refs", out var r) && r.ValueKind == JsonValueKind.Array
                ? r.EnumerateArray().Select(x => x.GetString()).OfType<string>().ToList()
                : [];
            if (parsed.CreatedByRef is { } creator)
            {
                refs.Add(creator);
            }

            var members = new List<StixObject> { parsed };
            foreach (var chunk in refs.Distinct(StringComparer.Ordinal).Chunk(500))
            {
                var page = await taxii.ObjectsAsync(actor, collection, new TaxiiFilter(Ids: chunk, Limit: TaxiiService.MaxPage), ct);
                members.AddRange(page.Items.Select(v => StixObject.Parse(v.Raw)));
            }

            var json = StixToMisp.Convert(members, indented: false);
            using var doc = JsonDocument.Parse(json);
            var uuid = doc.RootElement.GetProperty("Event").GetProperty("uuid").GetString()!;
            events.Add(new FeedEvent(uuid, Encoding.UTF8.GetBytes(json)));
        }

        return events;
    }

    /// <summary>manifest.json (MISP core format, "Manifest"): per event uuid its info, Orgc, analysis, timestamp, date, threat level, tags and integrity:sha256.</summary>
    public static byte[] Manifest(IReadOnlyList<FeedEvent> events)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            foreach (var e in events)
            {
                using var doc = JsonDocument.Parse(e.Json);
                var ev = doc.RootElement.GetProperty("Event");
                w.WriteStartObject(e.Uuid);
                foreach (var name in new[] { "info", "analysis", "timestamp", "date", "threat_level_id" })
                {
                    if (ev.TryGetProperty(name, out var v))
                    {
                        w.WritePropertyName(name);
                        v.WriteTo(w);
                    }
                }

                w.WritePropertyName("Orgc");
                if (ev.TryGetProperty("Orgc", out var orgc))
                {
                    orgc.WriteTo(w);
                }
                else
                {
                    w.WriteStartObject();
                    w.WriteString("name", "Musubi");
                    w.WriteEndObject();
                }

                if (ev.TryGetProperty("Tag", out var tags))
                {
                    w.WritePropertyName("Tag");
                    tags.WriteTo(w);
                }

                w.WriteString("integrity:sha256", Convert.ToHexStringLower(SHA256.HashData(e.Json)));
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        return stream.ToArray();
    }

    /// <summary>hashes.csv: <c>md5(value),event uuid</c> per attribute (composite values also per part), as MISP feeds publish.</summary>
    public static string Hashes(IReadOnlyList<FeedEvent> events)
    {
        var text = new StringBuilder();
        foreach (var e in events)
        {
            using var doc = JsonDocument.Parse(e.Json);
            foreach (var (a, _) in MispReader.Attributes(doc.RootElement.GetProperty("Event")))
            {
                if (MispReader.Text(a, "value") is not { } value)
                {
                    continue;
                }

                foreach (var md5 in MispFeedHashes.Of(value))
                {
                    text.Append(md5).Append(',').Append(e.Uuid).Append('\n');
                }
            }
        }

        return text.ToString();
    }

    public static string? FileUuid(string file) =>
        file.EndsWith(".json", StringComparison.Ordinal) && Guid.TryParse(file[..^5], out var g) ? g.ToString() : null;
}
