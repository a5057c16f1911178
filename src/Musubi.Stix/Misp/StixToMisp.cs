using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Musubi.Core.Sharing;
using Musubi.Stix.Model;
using Musubi.Stix.Patterning;

namespace Musubi.Stix.Misp;

/// <summary>
/// STIX 2.1 back to MISP event JSON (docs/MISP.md): one event per report (or one for the whole bundle when it has
/// none). Objects made by <see cref="MispToStix"/> give back their MISP attribute exactly (type, category, value, uuid,
/// comment, to_ids, object grouping); other indicators become attributes from their pattern's values, SCOs non-IDS
/// attributes, threat-actor/malware/attack-pattern/intrusion-set/tool/course-of-action galaxy clusters, TLP 2.0 markings
/// <c>tlp:</c> tags, sightings attribute sightings.
/// </summary>
public static class StixToMisp
{
    private static readonly Dictionary<string, string> PathTypes = new(StringComparer.Ordinal)
    {
        ["ipv4-addr:value"] = "ip-dst", ["ipv6-addr:value"] = "ip-dst", ["domain-name:value"] = "domain", ["url:value"] = "url",
        ["email-addr:value"] = "email-src", ["file:name"] = "filename", ["file:hashes.MD5"] = "md5", ["file:hashes.'MD5'"] = "md5",
        ["file:hashes.'SHA-1'"] = "sha1", ["file:hashes.'SHA-256'"] = "sha256", ["file:hashes.'SHA-512'"] = "sha512",
        ["mutex:name"] = "mutex", ["windows-registry-key:key"] = "regkey", ["mac-addr:value"] = "mac-address",
        ["email-message:subject"] = "email-subject",
    };

    public static string Convert(IReadOnlyList<StixObject> objects, bool indented = true)
    {
        var byId = new Dictionary<string, StixObject>(StringComparer.Ordinal);
        foreach (var o in objects)
        {
            if (o.Id is not null)
            {
                byId[o.Id] = o;
            }
        }

        var reports = objects.Where(o => o.Type == "report").ToList();
        var groups = reports.Count > 0
            ? reports.Select(r => (Report: (StixObject?)r, Members: RefsOf(r).Select(id => byId.GetValueOrDefault(id)).OfType<StixObject>().ToList())).ToList()
            : [(Report: null, Members: objects.Where(o => o.Type != "report").ToList())];

        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            if (groups.Count > 1)
            {
                w.WriteStartArray("response");
            }

            foreach (var (report, members) in groups)
            {
                if (groups.Count > 1)
                {
                    w.WriteStartObject();
                }

                w.WritePropertyName("Event");
                WriteEvent(w, report, members, byId);
                if (groups.Count > 1)
                {
                    w.WriteEndObject();
                }
            }

            if (groups.Count > 1)
            {
                w.WriteEndArray();
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteEvent(Utf8JsonWriter w, StixObject? report, List<StixObject> members, Dictionary<string, StixObject> byId)
    {
        w.WriteStartObject();
        var uuid = report is null ? MispToStix.Uuid5("bundle-event") : Prop(report, "x_misp_event_uuid") ?? report.Id![(report.Id!.IndexOf("--", StringComparison.Ordinal) + 2)..];
        w.WriteString("uuid", uuid);
        w.WriteString("info", report?.Name ?? "STIX 2.1 bundle");
        w.WriteString("date", Prop(report, "x_misp_date") ?? report?.Created?.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "1970-01-01");
        w.WriteString("threat_level_id", Prop(report, "x_misp_threat_level_id") ?? "4");
        w.WriteString("analysis", Prop(report, "x_misp_analysis") ?? "0");
        w.WriteString("distribution", Prop(report, "x_misp_distribution") ?? "0");
        if (report?.Modified is { } m)
        {
            w.WriteString("timestamp", m.Value.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        }

        // Orgc: the report's creator identity when the bundle has it (a MISP feed manifest needs it).
        if (report?.CreatedByRef is { } creator && byId.TryGetValue(creator, out var identity))
        {
            w.WriteStartObject("Orgc");
            w.WriteString("name", identity.Name ?? "");
            w.WriteString("uuid", creator[(creator.IndexOf("--", StringComparison.Ordinal) + 2)..]);
            w.WriteEndObject();
        }

        // Tags: the event's own MISP tags if it came from MISP, else its labels and TLP marking.
        var tags = new List<string>();
        if (report is not null && report.Json.TryGetProperty("x_misp_tags", out var mispTags) && mispTags.ValueKind == JsonValueKind.Array)
        {
            tags.AddRange(mispTags.EnumerateArray().Select(t => t.GetString()).OfType<string>());
        }
        else if (report is not null)
        {
            tags.AddRange(report.Labels);
            if (report.Tlp is { } tlp)
            {
                tags.Add(TlpMarkings.Label(tlp).ToLowerInvariant());
            }
        }

        WriteTags(w, tags);

        var sightings = members.Where(o => o.Type == "sighting").ToList();
        var attributes = new List<StixObject>();
        var objectGroups = new List<(string Uuid, string Name, List<StixObject> Attributes)>();
        foreach (var o in members.Where(o => o.Type is "indicator" or "observed-data" or "x-misp-attribute"))
        {
            if (Prop(o, "x_misp_object_uuid") is { } objectUuid)
            {
                var group = objectGroups.FirstOrDefault(g => g.Uuid == objectUuid);
                if (group.Attributes is null)
                {
                    group = (objectUuid, Prop(o, "x_misp_object_name") ?? "misc", []);
                    objectGroups.Add(group);
                }

                group.Attributes.Add(o);
            }
            else
            {
                attributes.Add(o);
            }
        }

        w.WriteStartArray("Attribute");
        foreach (var o in attributes)
        {
            WriteAttributes(w, o, byId, sightings);
        }

        w.WriteEndArray();
        w.WriteStartArray("Object");
        foreach (var (objectUuid, name, list) in objectGroups)
        {
            w.WriteStartObject();
            w.WriteString("uuid", objectUuid);
            w.WriteString("name", name);
            w.WriteStartArray("Attribute");
            foreach (var o in list)
            {
                WriteAttributes(w, o, byId, sightings);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("Galaxy");
        foreach (var c in members.Where(o => o.Type is "threat-actor" or "malware" or "attack-pattern" or "intrusion-set" or "tool" or "course-of-action" or "x-misp-galaxy-cluster"))
        {
            var galaxyType = Prop(c, "x_misp_galaxy_type") ?? c.Type!;
            w.WriteStartObject();
            w.WriteString("type", galaxyType);
            w.WriteString("name", galaxyType);
            w.WriteStartArray("GalaxyCluster");
            w.WriteStartObject();
            w.WriteString("uuid", c.Id![(c.Id!.IndexOf("--", StringComparison.Ordinal) + 2)..]);
            w.WriteString("type", galaxyType);
            w.WriteString("value", c.Name ?? "");
            if (Prop(c, "description") is { } d)
            {
                w.WriteString("description", d);
            }

            if (Prop(c, "x_misp_tag_name") is { } tagName)
            {
                w.WriteString("tag_name", tagName);
            }

            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>One STIX object's attributes: itself when it carries x_misp_*, else what its pattern or SCOs hold.</summary>
    private static void WriteAttributes(Utf8JsonWriter w, StixObject o, Dictionary<string, StixObject> byId, List<StixObject> sightings)
    {
        var own = sightings.Where(s => s.Json.TryGetProperty("sighting_of_ref", out var r) && r.GetString() == o.Id).ToList();
        if (Prop(o, "x_misp_type") is { } type && Prop(o, "x_misp_value") is { } value)
        {
            Attribute(w, Prop(o, "x_misp_uuid"), type, Prop(o, "x_misp_category"), value, o.Json.TryGetProperty("x_misp_to_ids", out var t) && t.ValueKind == JsonValueKind.True,
                Prop(o, "x_misp_comment"), Prop(o, "x_misp_object_relation"), o, own);
            return;
        }

        if (o.Type == "indicator" && o.PatternType == "stix" && o.Pattern is not null && StixPattern.TryParse(o.Pattern, out var pattern, out _))
        {
            foreach (var v in IndicatorValues.Extract(pattern!))
            {
                var misp = PathTypes.GetValueOrDefault(v.Path) ?? (v.Path.StartsWith("file:hashes", StringComparison.Ordinal) ? "other" : "text");
                Attribute(w, null, misp, null, v.Value, true, o.Name, null, o, own);
            }
        }
        else if (o.Type == "indicator" && o.PatternType is "yara" or "sigma" or "snort" or "suricata" or "pcre" && o.Pattern is not null)
        {
            Attribute(w, null, o.PatternType!, null, o.Pattern, true, o.Name, null, o, own);
        }
        else if (o.Type == "observed-data" && o.Json.TryGetProperty("object_refs", out var refs) && refs.ValueKind == JsonValueKind.Array)
        {
            foreach (var r in refs.EnumerateArray())
            {
                if (r.GetString() is { } id && byId.TryGetValue(id, out var sco) && sco.Json.TryGetProperty("value", out var scoValue) && scoValue.ValueKind == JsonValueKind.String
                    && PathTypes.TryGetValue($"{sco.Type}:value", out var scoType))
                {
                    Attribute(w, null, scoType, null, scoValue.GetString()!, false, null, null, o, own);
                }
            }
        }
    }

    private static void Attribute(Utf8JsonWriter w, string? uuid, string type, string? category, string value, bool toIds, string? comment,
        string? relation, StixObject source, List<StixObject> sightings)
    {
        w.WriteStartObject();
        if (uuid is not null)
        {
            w.WriteString("uuid", uuid);
        }

        w.WriteString("type", type);
        w.WriteString("category", category ?? "External analysis");
        w.WriteString("value", value);
        w.WriteBoolean("to_ids", toIds);
        if (comment is not null)
        {
            w.WriteString("comment", comment);
        }

        if (relation is not null)
        {
            w.WriteString("object_relation", relation);
        }

        if (source.Modified is { } m)
        {
            w.WriteString("timestamp", m.Value.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        }

        var tags = source.Labels.ToList();
        if (source.Tlp is { } tlp)
        {
            tags.Add(TlpMarkings.Label(tlp).ToLowerInvariant());
        }

        WriteTags(w, tags);
        if (sightings.Count > 0)
        {
            w.WriteStartArray("Sighting");
            foreach (var s in sightings)
            {
                w.WriteStartObject();
                w.WriteString("uuid", s.Id![(s.Id!.IndexOf("--", StringComparison.Ordinal) + 2)..]);
                w.WriteString("type", Prop(s, "x_misp_sighting_type") ?? "0");
                if (StixTimestamp.TryParse(Prop(s, "first_seen") ?? Prop(s, "created"), out var when))
                {
                    w.WriteString("date_sighting", when.Value.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
                }

                if (Prop(s, "x_misp_source") is { } src)
                {
                    w.WriteString("source", src);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
    }

    private static void WriteTags(Utf8JsonWriter w, List<string> tags)
    {
        if (tags.Count == 0)
        {
            return;
        }

        w.WriteStartArray("Tag");
        foreach (var t in tags.Distinct(StringComparer.Ordinal))
        {
            w.WriteStartObject();
            w.WriteString("name", t);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static IEnumerable<string> RefsOf(StixObject report) =>
        report.Json.TryGetProperty("object_refs", out var refs) && refs.ValueKind == JsonValueKind.Array
            ? refs.EnumerateArray().Select(r => r.GetString()).OfType<string>()
            : [];

    private static string? Prop(StixObject? o, string name) =>
        o is not null && o.Json.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
