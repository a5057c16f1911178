using System.Text.Json;
using Musubi.Core.Sharing;

namespace Musubi.Stix.Model;

/// <summary>
/// One STIX object, kept losslessly: <see cref="Raw"/> is the object's JSON text exactly as it was read (same bytes,
/// same key order, same whitespace inside it), and the indexed fields are parsed from it. Parsing is lenient: a field
/// of the wrong JSON type is left empty here and reported by <see cref="Validation.StixValidator"/>.
/// </summary>
public sealed class StixObject
{
    private StixObject(string raw, JsonElement json, string path, int index)
    {
        Raw = raw;
        Json = json;
        Path = path;
        Index = index;
    }

    /// <summary>The object's JSON text as read.</summary>
    public string Raw { get; }

    /// <summary>The parsed JSON (a standalone copy).</summary>
    public JsonElement Json { get; }

    /// <summary>Where the object was in its input: <c>$</c> for a lone object, <c>$.objects[3]</c> in a bundle.</summary>
    public string Path { get; }

    /// <summary>Position in the bundle's <c>objects</c>, 0 for a lone object.</summary>
    public int Index { get; }

    public string? Type { get; private set; }
    public string? Id { get; private set; }
    public string? SpecVersion { get; private set; }
    public StixTimestamp? Created { get; private set; }
    public StixTimestamp? Modified { get; private set; }
    public bool Revoked { get; private set; }
    public string? CreatedByRef { get; private set; }
    public IReadOnlyList<string> ObjectMarkingRefs { get; private set; } = [];
    public IReadOnlyList<GranularMarking> GranularMarkings { get; private set; } = [];
    public IReadOnlyList<string> Labels { get; private set; } = [];
    public string? Name { get; private set; }
    public string? Pattern { get; private set; }
    public string? PatternType { get; private set; }

    /// <summary>The <see cref="Pattern"/> as parsed by <c>StixValidator</c> (a <c>stix</c> pattern that parsed), else null.</summary>
    public Patterning.StixPattern? ParsedPattern { get; internal set; }
    public StixTimestamp? ValidFrom { get; private set; }
    public StixTimestamp? ValidUntil { get; private set; }
    public int? Confidence { get; private set; }
    public IReadOnlyList<ExternalReference> ExternalReferences { get; private set; } = [];

    /// <summary>Every embedded relationship (<c>*_ref</c>, <c>*_refs</c>), at any depth, with its JSON path.</summary>
    public IReadOnlyList<StixReference> References { get; private set; } = [];

    public StixKind Kind => StixTypes.KindOf(Type);

    /// <summary>
    /// The version key: <c>modified</c>, else <c>created</c> (marking definitions are not versioned), else nothing
    /// (SCOs have one version).
    /// </summary>
    public StixTimestamp? Version => Modified ?? Created;

    /// <summary>The most restrictive TLP 2.0 marking among <c>object_marking_refs</c>, or null when none is TLP 2.0.</summary>
    public Tlp? Tlp
    {
        get
        {
            Tlp? highest = null;
            foreach (var id in ObjectMarkingRefs)
            {
                if (TlpMarkings.FromId(id) is { } tlp && (highest is null || tlp > highest))
                {
                    highest = tlp;
                }
            }

            return highest;
        }
    }

    /// <summary>Builds an object from its JSON text. <paramref name="raw"/> must be one JSON object.</summary>
    public static StixObject Parse(string raw, string path = "$", int index = 0)
    {
        using var document = JsonDocument.Parse(raw);
        return FromElement(raw, document.RootElement.Clone(), path, index);
    }

    internal static StixObject FromElement(string raw, JsonElement json, string path, int index)
    {
        var o = new StixObject(raw, json, path, index);
        if (json.ValueKind != JsonValueKind.Object)
        {
            return o;
        }

        o.Type = String(json, "type");
        o.Id = String(json, "id");
        o.SpecVersion = String(json, "spec_version");
        o.Created = Timestamp(json, "created");
        o.Modified = Timestamp(json, "modified");
        o.Revoked = json.TryGetProperty("revoked", out var revoked) && revoked.ValueKind == JsonValueKind.True;
        o.CreatedByRef = String(json, "created_by_ref");
        o.ObjectMarkingRefs = Strings(json, "object_marking_refs");
        o.Labels = Strings(json, "labels");
        o.Name = String(json, "name");
        o.Pattern = String(json, "pattern");
        o.PatternType = String(json, "pattern_type");
        o.ValidFrom = Timestamp(json, "valid_from");
        o.ValidUntil = Timestamp(json, "valid_until");
        o.Confidence = json.TryGetProperty("confidence", out var c) && c.ValueKind == JsonValueKind.Number && c.TryGetInt32(out var ci) ? ci : null;

        if (json.TryGetProperty("granular_markings", out var gm) && gm.ValueKind == JsonValueKind.Array)
        {
            var list = new List<GranularMarking>();
            foreach (var m in gm.EnumerateArray())
            {
                if (m.ValueKind == JsonValueKind.Object)
                {
                    list.Add(new GranularMarking(String(m, "marking_ref"), String(m, "lang"), Strings(m, "selectors")));
                }
            }

            o.GranularMarkings = list;
        }

        if (json.TryGetProperty("external_references", out var er) && er.ValueKind == JsonValueKind.Array)
        {
            var list = new List<ExternalReference>();
            foreach (var r in er.EnumerateArray())
            {
                if (r.ValueKind == JsonValueKind.Object)
                {
                    list.Add(new ExternalReference(String(r, "source_name"), String(r, "external_id"), String(r, "url"), String(r, "description")));
                }
            }

            o.ExternalReferences = list;
        }

        var refs = new List<StixReference>();
        CollectReferences(json, "$", refs, o.Type == "observed-data");
        o.References = refs;
        return o;
    }

    private static void CollectReferences(JsonElement element, string path, List<StixReference> into, bool observedData)
    {
        foreach (var p in element.EnumerateObject())
        {
            // Only strings (a *_ref), lists (*_refs, or objects inside) and objects can hold references: the others
            // are passed over without reading their names.
            var kind = p.Value.ValueKind;
            if (kind is not (JsonValueKind.String or JsonValueKind.Array or JsonValueKind.Object))
            {
                continue;
            }

            var (isRef, isRefs) = RefSuffix(p);
            // Deprecated observed-data "objects" use local keys ("0", "1") for references, not STIX ids.
            if (observedData && path == "$" && p.NameEquals("objects"))
            {
                continue;
            }

            if (isRef && kind == JsonValueKind.String)
            {
                into.Add(new StixReference(path + "." + p.Name, p.Name, p.Value.GetString()!));
            }
            else if (isRefs && kind == JsonValueKind.Array)
            {
                var childPath = path + "." + p.Name;
                var i = 0;
                foreach (var item in p.Value.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String)
                    {
                        into.Add(new StixReference($"{childPath}[{i}]", p.Name, item.GetString()!));
                    }

                    i++;
                }
            }
            else if (kind == JsonValueKind.Object)
            {
                CollectReferences(p.Value, path + "." + p.Name, into, false);
            }
            else if (kind == JsonValueKind.Array)
            {
                string? childPath = null;
                var i = 0;
                foreach (var item in p.Value.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Object)
                    {
                        childPath ??= path + "." + p.Name;
                        CollectReferences(item, $"{childPath}[{i}]", into, false);
                    }

                    i++;
                }
            }
        }
    }

    /// <summary>Whether a property's name ends in <c>_ref</c> or <c>_refs</c>, from its raw bytes unless it has escapes.</summary>
    internal static (bool Ref, bool Refs) RefSuffix(JsonProperty p)
    {
        var raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8PropertyName(p);
        if (raw.IndexOf((byte)'\\') < 0)
        {
            return (raw.EndsWith("_ref"u8), raw.EndsWith("_refs"u8));
        }

        var name = p.Name;
        return (name.EndsWith("_ref", StringComparison.Ordinal), name.EndsWith("_refs", StringComparison.Ordinal));
    }

    private static string? String(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static StixTimestamp? Timestamp(JsonElement e, string name) =>
        StixTimestamp.TryParse(String(e, name), out var t) ? t : null;

    private static IReadOnlyList<string> Strings(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var list = new List<string>(v.GetArrayLength());
        foreach (var item in v.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String)
            {
                list.Add(item.GetString()!);
            }
        }

        return list;
    }

    public override string ToString() => $"{Id ?? "(no id)"} at {Path}";
}

public sealed record GranularMarking(string? MarkingRef, string? Lang, IReadOnlyList<string> Selectors);

public sealed record ExternalReference(string? SourceName, string? ExternalId, string? Url, string? Description);

/// <summary>An embedded relationship: the property that holds it, where, and the id it points to.</summary>
public sealed record StixReference(string Path, string Property, string TargetId);
