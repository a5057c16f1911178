using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Musubi.Core.Sharing;
using Musubi.Stix.Model;

namespace Musubi.Stix.Misp;

/// <summary>
/// MISP event JSON (format 2.4) to a STIX 2.1 bundle, as documented in docs/MISP.md: per event a report, the creator
/// organisation as an identity, one indicator per to_ids attribute (not deleted), observed-data with an SCO per other
/// mappable attribute, an <c>x-misp-attribute</c> object for the rest, galaxy clusters as threat-actor, malware,
/// attack-pattern, intrusion-set, tool or course-of-action, sightings as sighting objects. <c>tlp:</c> tags become
/// TLP 2.0 marking references; other tags labels. Every attribute keeps its MISP type, category, value, uuid, comment
/// and to_ids in <c>x_misp_*</c> properties, so <see cref="StixToMisp"/> gives it back unchanged. Deterministic: the
/// same input always gives the same bundle (ids from MISP uuids, else version-5 UUIDs of their path).
/// </summary>
public static class MispToStix
{
    private const string Epoch = "1970-01-01T00:00:00.000Z";
    /// <summary>Non-ASCII text (Japanese) is written as UTF-8, not as \u escapes; JSON's own escapes still apply.</summary>
    private static readonly System.Text.Encodings.Web.JavaScriptEncoder Utf8 = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
    private static readonly string[] EventProperties = ["date", "threat_level_id", "analysis", "distribution"];

    public sealed record Result(string BundleId, IReadOnlyList<string> Objects, int Events, int Indicators)
    {
        public string Bundle(bool indented = false)
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented, Encoder = Utf8 }))
            {
                w.WriteStartObject();
                w.WriteString("type", "bundle");
                w.WriteString("id", BundleId);
                w.WriteStartArray("objects");
                foreach (var o in Objects)
                {
                    w.WriteRawValue(o);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
    }

    public static Result Convert(ReadOnlyMemory<byte> utf8, MispLimits? limits = null)
    {
        using var doc = MispReader.Parse(utf8, limits);
        var events = MispReader.Events(doc.RootElement, limits);
        var objects = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var indicators = 0;
        foreach (var e in events)
        {
            indicators += ConvertEvent(e, objects, seen);
        }

        var bundleId = "bundle--" + Uuid5(string.Join(",", events.Select(e => MispReader.Text(e.Event, "uuid") ?? e.Path)));
        return new Result(bundleId, objects, events.Count, indicators);
    }

    private static int ConvertEvent(MispEventSource source, List<string> output, HashSet<string> seen)
    {
        var e = source.Event;
        var eventUuid = ValidUuid(MispReader.Text(e, "uuid")) ?? Uuid5("event:" + source.Path);
        var eventModified = EpochText(MispReader.Text(e, "timestamp")) ?? DateText(MispReader.Text(e, "date")) ?? Epoch;
        var eventCreated = DateText(MispReader.Text(e, "date")) ?? eventModified;
        if (string.CompareOrdinal(eventCreated, eventModified) > 0)
        {
            (eventCreated, eventModified) = (eventModified, eventCreated);
        }

        var eventTags = Tags(e);
        var eventTlp = eventTags.Tlp;
        var refs = new List<string>();
        var indicators = 0;

        string? creator = null;
        if (e.TryGetProperty("Orgc", out var orgc) && orgc.ValueKind == JsonValueKind.Object && MispReader.Text(orgc, "name") is { } orgName)
        {
            creator = "identity--" + (ValidUuid(MispReader.Text(orgc, "uuid")) ?? Uuid5("org:" + orgName));
            Add(output, seen, creator, w =>
            {
                Common(w, "identity", creator, eventCreated, eventCreated, null, null, []);
                w.WriteString("name", orgName);
                w.WriteString("identity_class", "organization");
            });
        }

        var attributeIds = new Dictionary<string, string>(StringComparer.Ordinal);
        var usedUuids = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var (a, owner) in MispReader.Attributes(e))
        {
            var i = index++;
            if (MispReader.Flag(a, "deleted"))
            {
                continue;
            }

            var type = MispReader.Text(a, "type")!;
            var value = MispReader.Text(a, "value")!;
            var uuid = ValidUuid(MispReader.Text(a, "uuid")) ?? Uuid5($"attribute:{eventUuid}:{i}:{type}:{value}");
            if (!usedUuids.Add(uuid))
            {
                // Two attributes with one uuid (seen in real exports): the second gets its own id; x_misp_uuid keeps the original.
                uuid = Uuid5($"attribute:{uuid}:{i}");
                usedUuids.Add(uuid);
            }

            var modified = EpochText(MispReader.Text(a, "timestamp")) ?? eventModified;
            var tags = Tags(a);
            var tlp = Max(eventTlp, tags.Tlp);
            var markings = tlp is { } t ? new[] { TlpMarkings.Id(t) } : [];
            var labels = eventTags.Labels.Concat(tags.Labels).Distinct(StringComparer.Ordinal).ToList();

            void MispProperties(Utf8JsonWriter w)
            {
                w.WriteString("x_misp_type", type);
                w.WriteString("x_misp_value", value);
                w.WriteString("x_misp_uuid", MispReader.Text(a, "uuid") ?? uuid);
                if (MispReader.Text(a, "category") is { } category)
                {
                    w.WriteString("x_misp_category", category);
                }

                if (MispReader.Text(a, "comment") is { Length: > 0 } comment)
                {
                    w.WriteString("x_misp_comment", comment);
                }

                w.WriteBoolean("x_misp_to_ids", MispReader.Flag(a, "to_ids"));
                if (owner is { } o)
                {
                    if (MispReader.Text(o, "name") is { } objectName)
                    {
                        w.WriteString("x_misp_object_name", objectName);
                    }

                    if (MispReader.Text(o, "uuid") is { } objectUuid)
                    {
                        w.WriteString("x_misp_object_uuid", objectUuid);
                    }

                    if (MispReader.Text(a, "object_relation") is { } relation)
                    {
                        w.WriteString("x_misp_object_relation", relation);
                    }
                }
            }

            string id;
            if (MispReader.IsIndicator(a))
            {
                id = "indicator--" + uuid;
                var (pattern, patternType) = MispPatterns.For(type, value);
                Add(output, seen, id, w =>
                {
                    Common(w, "indicator", id, modified, modified, creator, markings, labels);
                    w.WriteString("name", $"{type}: {Short(value)}");
                    w.WriteString("pattern", pattern);
                    w.WriteString("pattern_type", patternType);
                    w.WriteString("valid_from", modified);
                    w.WriteStartArray("indicator_types");
                    w.WriteStringValue("malicious-activity");
                    w.WriteEndArray();
                    MispProperties(w);
                });
                indicators++;
            }
            else if (MispPatterns.Observable(type, value) is { } sco)
            {
                var scoId = $"{sco.Type}--{Uuid5($"{sco.Type}:{sco.Property}:{sco.Value}")}";
                Add(output, seen, scoId, w =>
                {
                    w.WriteString("type", sco.Type);
                    w.WriteString("spec_version", "2.1");
                    w.WriteString("id", scoId);
                    if (sco.Property == "hashes")
                    {
                        w.WriteStartObject("hashes");
                        w.WriteString(sco.HashName!, sco.Value);
                        w.WriteEndObject();
                    }
                    else if (sco.Property == "number" && long.TryParse(sco.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                    {
                        w.WriteNumber("number", n);
                    }
                    else
                    {
                        w.WriteString(sco.Property, sco.Value);
                    }
                });
                refs.Add(scoId);
                id = "observed-data--" + uuid;
                Add(output, seen, id, w =>
                {
                    Common(w, "observed-data", id, modified, modified, creator, markings, labels);
                    w.WriteString("first_observed", modified);
                    w.WriteString("last_observed", modified);
                    w.WriteNumber("number_observed", 1);
                    w.WriteStartArray("object_refs");
                    w.WriteStringValue(scoId);
                    w.WriteEndArray();
                    MispProperties(w);
                });
            }
            else
            {
                id = "x-misp-attribute--" + uuid;
                Add(output, seen, id, w =>
                {
                    Common(w, "x-misp-attribute", id, modified, modified, creator, markings, labels);
                    MispProperties(w);
                });
            }

            refs.Add(id);
            attributeIds.TryAdd(MispReader.Text(a, "uuid") ?? uuid, id);
            foreach (var s in Sightings(a))
            {
                refs.Add(WriteSighting(output, seen, s, id, modified, creator, markings));
            }
        }

        foreach (var (cluster, galaxyType, path) in Clusters(e))
        {
            var clusterId = WriteCluster(output, seen, cluster, galaxyType, path, eventCreated, eventModified, creator, eventTlp);
            refs.Add(clusterId);
        }

        // Event-level sightings name their attribute by uuid.
        foreach (var s in Sightings(e))
        {
            if (MispReader.Text(s, "attribute_uuid") is { } au && attributeIds.TryGetValue(au, out var target))
            {
                refs.Add(WriteSighting(output, seen, s, target, eventModified, creator, eventTlp is { } et ? [TlpMarkings.Id(et)] : []));
            }
        }

        if (refs.Count == 0 && creator is not null)
        {
            refs.Add(creator);
        }

        var reportId = "report--" + eventUuid;
        var published = EpochText(MispReader.Text(e, "publish_timestamp")) ?? eventModified;
        Add(output, seen, reportId, w =>
        {
            Common(w, "report", reportId, eventCreated, eventModified, creator, eventTlp is { } et ? [TlpMarkings.Id(et)] : [], eventTags.Labels);
            w.WriteString("name", MispReader.Text(e, "info") is { Length: > 0 } info ? info : "MISP event " + eventUuid);
            w.WriteString("published", published);
            w.WriteStartArray("report_types");
            w.WriteStringValue("threat-report");
            w.WriteEndArray();
            w.WriteStartArray("object_refs");
            foreach (var r in refs.Distinct(StringComparer.Ordinal).DefaultIfEmpty("x-misp-attribute--" + Uuid5("empty:" + eventUuid)))
            {
                w.WriteStringValue(r);
            }

            w.WriteEndArray();
            w.WriteString("x_misp_event_uuid", MispReader.Text(e, "uuid") ?? eventUuid);
            foreach (var p in EventProperties)
            {
                if (MispReader.Text(e, p) is { } v)
                {
                    w.WriteString("x_misp_" + p, v);
                }
            }

            if (e.TryGetProperty("Tag", out var tagList) && tagList.ValueKind == JsonValueKind.Array)
            {
                w.WriteStartArray("x_misp_tags");
                foreach (var tag in tagList.EnumerateArray())
                {
                    if (MispReader.Text(tag, "name") is { } name)
                    {
                        w.WriteStringValue(name);
                    }
                }

                w.WriteEndArray();
            }
        });
        return indicators;
    }

    private static string WriteSighting(List<string> output, HashSet<string> seen, JsonElement s, string target, string fallback, string? creator, IReadOnlyList<string> markings)
    {
        var when = EpochText(MispReader.Text(s, "date_sighting")) ?? EpochText(MispReader.Text(s, "timestamp")) ?? fallback;
        var id = "sighting--" + (ValidUuid(MispReader.Text(s, "uuid")) ?? Uuid5($"sighting:{target}:{when}:{MispReader.Text(s, "type")}"));
        Add(output, seen, id, w =>
        {
            Common(w, "sighting", id, when, when, creator, markings, []);
            w.WriteString("sighting_of_ref", target);
            w.WriteString("first_seen", when);
            w.WriteString("last_seen", when);
            w.WriteNumber("count", 1);
            // MISP sighting types: 0 sighting, 1 false positive, 2 expiration.
            w.WriteString("x_misp_sighting_type", MispReader.Text(s, "type") ?? "0");
            if (s.TryGetProperty("Organisation", out var org) && MispReader.Text(org, "name") is { } name)
            {
                w.WriteString("x_misp_source", name);
            }
            else if (MispReader.Text(s, "source") is { Length: > 0 } source)
            {
                w.WriteString("x_misp_source", source);
            }
        });
        return id;
    }

    private static string WriteCluster(List<string> output, HashSet<string> seen, JsonElement c, string galaxyType, string path,
        string created, string modified, string? creator, Tlp? tlp)
    {
        var stixType = GalaxyStixType(galaxyType);
        var name = MispReader.Text(c, "value") ?? MispReader.Text(c, "name") ?? "(unnamed)";
        var id = $"{stixType}--{ValidUuid(MispReader.Text(c, "uuid")) ?? Uuid5($"cluster:{galaxyType}:{name}:{path}")}";
        Add(output, seen, id, w =>
        {
            Common(w, stixType, id, created, modified, creator, tlp is { } t ? [TlpMarkings.Id(t)] : [], []);
            w.WriteString("name", name);
            if (MispReader.Text(c, "description") is { Length: > 0 } d)
            {
                w.WriteString("description", d);
            }

            if (stixType == "malware")
            {
                w.WriteBoolean("is_family", true);
            }

            w.WriteString("x_misp_galaxy_type", galaxyType);
            if (MispReader.Text(c, "tag_name") is { } tagName)
            {
                w.WriteString("x_misp_tag_name", tagName);
            }
        });
        return id;
    }

    /// <summary>Galaxy type to STIX type (docs/MISP.md): by the words in the galaxy's type.</summary>
    public static string GalaxyStixType(string galaxyType)
    {
        var t = galaxyType.ToLowerInvariant();
        if (t.Contains("attack-pattern", StringComparison.Ordinal)) { return "attack-pattern"; }
        if (t.Contains("course-of-action", StringComparison.Ordinal)) { return "course-of-action"; }
        if (t.Contains("intrusion-set", StringComparison.Ordinal)) { return "intrusion-set"; }
        if (t.Contains("threat-actor", StringComparison.Ordinal)) { return "threat-actor"; }
        if (t.Contains("tool", StringComparison.Ordinal)) { return "tool"; }
        if (t.Contains("malware", StringComparison.Ordinal) || t is "ransomware" or "banker" or "rat" or "stealer" or "backdoor" or "botnet"
            or "exploit-kit" or "android" or "malpedia" or "tds") { return "malware"; }
        return "x-misp-galaxy-cluster";
    }

    private static IEnumerable<(JsonElement Cluster, string GalaxyType, string Path)> Clusters(JsonElement e)
    {
        if (!e.TryGetProperty("Galaxy", out var galaxies) || galaxies.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }

        var gi = 0;
        foreach (var g in galaxies.EnumerateArray())
        {
            var type = MispReader.Text(g, "type") ?? "unknown";
            if (g.ValueKind == JsonValueKind.Object && g.TryGetProperty("GalaxyCluster", out var clusters) && clusters.ValueKind == JsonValueKind.Array)
            {
                var ci = 0;
                foreach (var c in clusters.EnumerateArray())
                {
                    if (c.ValueKind == JsonValueKind.Object)
                    {
                        yield return (c, MispReader.Text(c, "type") ?? type, $"Galaxy[{gi}].GalaxyCluster[{ci}]");
                    }

                    ci++;
                }
            }

            gi++;
        }
    }

    private static IEnumerable<JsonElement> Sightings(JsonElement owner) =>
        owner.TryGetProperty("Sighting", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.Object)
            : [];

    private sealed record TagSet(Tlp? Tlp, List<string> Labels);

    /// <summary><c>tlp:</c> tags to the highest TLP 2.0 level (tlp:white is CLEAR); other tags are labels.</summary>
    private static TagSet Tags(JsonElement owner)
    {
        Tlp? tlp = null;
        var labels = new List<string>();
        if (owner.TryGetProperty("Tag", out var tags) && tags.ValueKind == JsonValueKind.Array)
        {
            foreach (var tag in tags.EnumerateArray())
            {
                if (MispReader.Text(tag, "name") is not { Length: > 0 } name)
                {
                    continue;
                }

                if (TlpOfTag(name) is { } t)
                {
                    tlp = Max(tlp, t);
                }
                else
                {
                    labels.Add(name);
                }
            }
        }

        return new TagSet(tlp, labels);
    }

    public static Tlp? TlpOfTag(string tag) => tag.Trim().ToLowerInvariant() switch
    {
        "tlp:white" or "tlp:clear" => Tlp.Clear,
        "tlp:green" => Tlp.Green,
        "tlp:amber" => Tlp.Amber,
        "tlp:amber+strict" => Tlp.AmberStrict,
        "tlp:red" => Tlp.Red,
        _ => null,
    };

    private static Tlp? Max(Tlp? a, Tlp? b) => a is null ? b : b is null ? a : (a > b ? a : b);

    private static void Common(Utf8JsonWriter w, string type, string id, string created, string modified, string? creator,
        IReadOnlyList<string>? markings, IReadOnlyList<string> labels)
    {
        w.WriteString("type", type);
        w.WriteString("spec_version", "2.1");
        w.WriteString("id", id);
        w.WriteString("created", created);
        w.WriteString("modified", modified);
        if (creator is not null && type != "identity")
        {
            w.WriteString("created_by_ref", creator);
        }

        if (labels.Count > 0)
        {
            w.WriteStartArray("labels");
            foreach (var l in labels)
            {
                w.WriteStringValue(l);
            }

            w.WriteEndArray();
        }

        if (markings is { Count: > 0 })
        {
            w.WriteStartArray("object_marking_refs");
            foreach (var m in markings)
            {
                w.WriteStringValue(m);
            }

            w.WriteEndArray();
        }
    }

    private static void Add(List<string> output, HashSet<string> seen, string id, Action<Utf8JsonWriter> body)
    {
        if (!seen.Add(id))
        {
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = Utf8 }))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        output.Add(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    private static string Short(string value) => value.Length > 200 ? value[..200] + "…" : value;

    /// <summary>A MISP epoch timestamp (seconds, as text) as a STIX timestamp with milliseconds.</summary>
    private static string? EpochText(string? seconds) =>
        long.TryParse(seconds, NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s >= 0 && s < 253402300800
            ? StixTimestamp.Format(DateTimeOffset.FromUnixTimeSeconds(s))
            : null;

    private static string? DateText(string? date) =>
        DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? StixTimestamp.Format(new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero))
            : null;

    /// <summary>The uuid if it is one STIX accepts (RFC 4122, version 1–5), lower case; otherwise null.</summary>
    private static string? ValidUuid(string? uuid) =>
        uuid is not null && StixId.IsValid("x--" + uuid.ToLowerInvariant(), "x") ? uuid.ToLowerInvariant() : null;

    /// <summary>A version-5 (SHA-1, name-based) UUID in a Musubi namespace: the same name always gives the same id.</summary>
    public static string Uuid5(string name)
    {
        var ns = new Guid("7d3a0c1e-5b7f-4f7e-9c55-4d75737562a9").ToByteArray(bigEndian: true);
#pragma warning disable CA5350 // RFC 4122 defines version-5 UUIDs with SHA-1; this is naming, not security.
        var bytes = SHA1.HashData([.. ns, .. Encoding.UTF8.GetBytes(name)]);
#pragma warning restore CA5350
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes.AsSpan(0, 16), bigEndian: true).ToString();
    }
}
