using System.Text.Json;
using Musubi.Stix.Model;
using Musubi.Stix.Patterning;

namespace Musubi.Stix.Validation;

/// <summary>
/// Checks STIX 2.1 objects against the spec's MUSTs (errors) and a few SHOULDs (warnings). The rules and their spec
/// sections are listed in docs/STIX.md. Validation never throws on bad data: everything becomes a <see cref="StixIssue"/>.
/// </summary>
public static class StixValidator
{
    /// <summary>
    /// Validates each object, then the references between them: a reference to an id that is not in
    /// <paramref name="objects"/> (nor in <paramref name="knownIds"/>, nor a TLP marking) is a warning, because the spec
    /// lets a bundle refer to objects the consumer already has or may never see (3.3, 8).
    /// </summary>
    public static IReadOnlyList<StixIssue> Validate(IReadOnlyList<StixObject> objects, Func<string, bool>? knownIds = null)
    {
        var issues = new List<StixIssue>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var o in objects)
        {
            if (o.Id is not null)
            {
                ids.Add(o.Id);
            }
        }

        foreach (var o in objects)
        {
            ValidateObject(o, issues);
            foreach (var r in o.References)
            {
                if (StixId.IsValid(r.TargetId) && !ids.Contains(r.TargetId) && !WellKnown.Contains(r.TargetId) && knownIds?.Invoke(r.TargetId) != true)
                {
                    issues.Add(new(StixSeverity.Warning, Join(o.Path, r.Path), o.Id, "reference-unresolved",
                        $"{r.Property} refers to {r.TargetId}, which is not in this input"));
                }
            }
        }

        return issues;
    }

    /// <summary>Validates one object on its own (no reference resolution).</summary>
    public static IReadOnlyList<StixIssue> ValidateObject(StixObject o)
    {
        var issues = new List<StixIssue>();
        ValidateObject(o, issues);
        return issues;
    }

    /// <summary>The TLP 1.0 and 2.0 marking definitions, which every consumer knows without receiving them.</summary>
    private static readonly HashSet<string> WellKnown = new(StringComparer.Ordinal)
    {
        Musubi.Core.Sharing.TlpMarkings.ClearId, Musubi.Core.Sharing.TlpMarkings.GreenId, Musubi.Core.Sharing.TlpMarkings.AmberId,
        Musubi.Core.Sharing.TlpMarkings.AmberStrictId, Musubi.Core.Sharing.TlpMarkings.RedId,
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
        "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d",
    };

    private static void ValidateObject(StixObject o, List<StixIssue> issues)
    {
        var ctx = new Context(o, issues);
        var json = o.Json;
        if (json.ValueKind != JsonValueKind.Object)
        {
            ctx.Error("", "not-an-object", "a STIX object must be a JSON object");
            return;
        }

        // type (3.1, 3.2)
        if (!json.TryGetProperty("type", out var typeElement))
        {
            ctx.Error("type", "required", "the required property type is missing");
        }
        else if (typeElement.ValueKind != JsonValueKind.String)
        {
            ctx.Error("type", "type-format", "type must be a string");
        }
        else if (!StixId.IsTypeName(o.Type!) || o.Type!.Length is < 3 or > 250)
        {
            ctx.Error("type", "type-format", $"type '{o.Type}' must be 3–250 characters of a-z, 0-9 and single hyphens, starting with a letter");
        }

        if (o.Type == "bundle")
        {
            ctx.Error("type", "nested-bundle", "a bundle cannot be an object inside a bundle");
            return;
        }

        var kind = o.Kind;

        // id (2.9, 3.3)
        if (!json.TryGetProperty("id", out var idElement))
        {
            ctx.Error("id", "required", "the required property id is missing");
        }
        else if (idElement.ValueKind != JsonValueKind.String || !StixId.IsValid(o.Id))
        {
            ctx.Error("id", "id-format", $"id must be <type>--<RFC 4122 UUID>, found {Show(idElement)}");
        }
        else if (o.Type is not null && StixId.TypeOf(o.Id!) != o.Type)
        {
            ctx.Error("id", "id-type-mismatch", $"id '{o.Id}' must start with its type '{o.Type}--'");
        }

        // spec_version (3.2): required on SDOs, SROs and meta objects; optional on SCOs; always "2.1" when present.
        var specRequired = kind is StixKind.Domain or StixKind.Relationship or StixKind.MarkingDefinition or StixKind.LanguageContent or StixKind.ExtensionDefinition;
        if (json.TryGetProperty("spec_version", out var sv))
        {
            if (sv.ValueKind != JsonValueKind.String || sv.GetString() != "2.1")
            {
                ctx.Error("spec_version", "spec-version", $"spec_version must be \"2.1\", found {Show(sv)}");
            }
        }
        else if (specRequired)
        {
            // A MUST for 2.1 producers, but real 2.1 stores hold objects written without it (the python-stix2 test data's
            // PoisonIvy malware): read as 2.1 and warned about, rather than refused.
            ctx.Warning("spec_version", "spec-version-missing", "spec_version is missing; the object is read as STIX 2.1");
        }

        // created / modified (3.2, 3.6): required on versioned objects, millisecond precision at least, modified ≥ created.
        var versioned = kind is StixKind.Domain or StixKind.Relationship or StixKind.LanguageContent or StixKind.ExtensionDefinition;
        var needMillis = versioned || kind == StixKind.Custom;
        var created = ctx.Timestamp("created", required: versioned || kind == StixKind.MarkingDefinition, millis: needMillis);
        var modified = ctx.Timestamp("modified", required: versioned, millis: needMillis);
        if (kind == StixKind.MarkingDefinition && json.TryGetProperty("modified", out _))
        {
            ctx.Warning("modified", "marking-not-versioned", "marking definitions cannot be versioned; modified is not one of their properties");
        }

        if (created is { } c && modified is { } m && string.CompareOrdinal(m.SortKey, c.SortKey) < 0)
        {
            ctx.Error("modified", "modified-before-created", $"modified {m.Text} is before created {c.Text}");
        }

        if (kind == StixKind.Observable)
        {
            foreach (var name in (string[])["created", "modified", "created_by_ref", "revoked", "labels", "confidence", "lang", "external_references"])
            {
                if (json.TryGetProperty(name, out _) && !(o.Type == "process" && name == "created") && !(o.Type == "windows-registry-key" && name == "modified"))
                {
                    ctx.Warning(name, "not-for-observables", $"{name} is not a property of cyber-observable objects (3.2)");
                }
            }
        }

        CommonProperties(ctx, json, kind);
        PropertyNames(ctx, json, kind);
        References(ctx, o);
        TypeRules.Check(ctx, json, o.Type ?? "");
    }

    private static void CommonProperties(Context ctx, JsonElement json, StixKind kind)
    {
        if (json.TryGetProperty("created_by_ref", out var cbr) && (cbr.ValueKind != JsonValueKind.String || !StixId.IsValid(cbr.GetString(), "identity")))
        {
            ctx.Error("created_by_ref", "created-by-ref", $"created_by_ref must be an identity id, found {Show(cbr)}");
        }

        if (json.TryGetProperty("revoked", out var revoked) && revoked.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            ctx.Error("revoked", "revoked-type", "revoked must be true or false");
        }

        if (json.TryGetProperty("labels", out var labels))
        {
            ctx.StringList("labels", labels, allowEmpty: false);
        }

        if (json.TryGetProperty("confidence", out var confidence)
            && (confidence.ValueKind != JsonValueKind.Number || !confidence.TryGetInt32(out var cv) || cv is < 0 or > 100))
        {
            ctx.Error("confidence", "confidence-range", $"confidence must be an integer from 0 to 100, found {Show(confidence)}");
        }

        if (json.TryGetProperty("lang", out var lang) && lang.ValueKind != JsonValueKind.String)
        {
            ctx.Error("lang", "lang-type", "lang must be a string (an RFC 5646 language code)");
        }

        if (json.TryGetProperty("external_references", out var refs))
        {
            if (refs.ValueKind != JsonValueKind.Array)
            {
                ctx.Error("external_references", "external-references", "external_references must be a list");
            }
            else
            {
                var i = 0;
                foreach (var r in refs.EnumerateArray())
                {
                    ExternalReferenceRules(ctx, $"external_references[{i++}]", r);
                }
            }
        }

        if (json.TryGetProperty("object_marking_refs", out var omr))
        {
            if (omr.ValueKind != JsonValueKind.Array || omr.GetArrayLength() == 0)
            {
                ctx.Error("object_marking_refs", "object-marking-refs", "object_marking_refs must be a non-empty list of marking-definition ids");
            }
            else
            {
                var i = 0;
                foreach (var r in omr.EnumerateArray())
                {
                    if (r.ValueKind != JsonValueKind.String || !StixId.IsValid(r.GetString(), "marking-definition"))
                    {
                        ctx.Error($"object_marking_refs[{i}]", "object-marking-refs", $"must be a marking-definition id, found {Show(r)}");
                    }

                    i++;
                }
            }
        }

        if (json.TryGetProperty("granular_markings", out var gm))
        {
            if (gm.ValueKind != JsonValueKind.Array || gm.GetArrayLength() == 0)
            {
                ctx.Error("granular_markings", "granular-markings", "granular_markings must be a non-empty list");
            }
            else
            {
                var i = 0;
                foreach (var g in gm.EnumerateArray())
                {
                    GranularMarkingRules(ctx, $"granular_markings[{i++}]", g);
                }
            }
        }

        if (json.TryGetProperty("extensions", out var extensions))
        {
            ExtensionRules(ctx, extensions, kind);
        }
    }

    private static void ExternalReferenceRules(Context ctx, string path, JsonElement r)
    {
        if (r.ValueKind != JsonValueKind.Object)
        {
            ctx.Error(path, "external-reference", "an external reference must be an object");
            return;
        }

        var source = r.TryGetProperty("source_name", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        if (source is null)
        {
            ctx.Error(path + ".source_name", "required", "an external reference must have a source_name (2.5)");
        }

        if (!r.TryGetProperty("description", out _) && !r.TryGetProperty("url", out _) && !r.TryGetProperty("external_id", out _))
        {
            ctx.Error(path, "external-reference", "an external reference needs at least one of description, url, external_id (2.5.2)");
        }

        var externalId = r.TryGetProperty("external_id", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        if (source == "cve" && (externalId is null || !System.Text.RegularExpressions.Regex.IsMatch(externalId, "^CVE-\\d{4}-(0\\d{3}|[1-9]\\d{3,})$")))
        {
            ctx.Error(path + ".external_id", "external-reference-cve", $"a cve reference's external_id must be CVE-YYYY-NNNN, found {Show(e)}");
        }

        if (source == "capec" && (externalId is null || !System.Text.RegularExpressions.Regex.IsMatch(externalId, "^CAPEC-\\d+$")))
        {
            ctx.Error(path + ".external_id", "external-reference-capec", $"a capec reference's external_id must be CAPEC-N, found {Show(e)}");
        }

        if (r.TryGetProperty("hashes", out var hashes) && hashes.ValueKind != JsonValueKind.Object)
        {
            ctx.Error(path + ".hashes", "hashes", "hashes must be a dictionary");
        }
    }

    private static void GranularMarkingRules(Context ctx, string path, JsonElement g)
    {
        if (g.ValueKind != JsonValueKind.Object)
        {
            ctx.Error(path, "granular-markings", "a granular marking must be an object");
            return;
        }

        var hasRef = g.TryGetProperty("marking_ref", out var mr);
        var hasLang = g.TryGetProperty("lang", out _);
        if (hasRef == hasLang)
        {
            ctx.Error(path, "granular-markings", "a granular marking must have exactly one of marking_ref and lang (7.2.3)");
        }

        if (hasRef && (mr.ValueKind != JsonValueKind.String || !StixId.IsValid(mr.GetString(), "marking-definition")))
        {
            ctx.Error(path + ".marking_ref", "granular-markings", $"marking_ref must be a marking-definition id, found {Show(mr)}");
        }

        if (!g.TryGetProperty("selectors", out var selectors))
        {
            ctx.Error(path + ".selectors", "required", "a granular marking must have selectors");
        }
        else
        {
            ctx.StringList(path + ".selectors", selectors, allowEmpty: false);
        }
    }

    private static void ExtensionRules(Context ctx, JsonElement extensions, StixKind kind)
    {
        if (extensions.ValueKind != JsonValueKind.Object)
        {
            ctx.Error("extensions", "extensions", "extensions must be a dictionary");
            return;
        }

        foreach (var e in extensions.EnumerateObject())
        {
            var path = $"extensions['{e.Name}']";
            var isDefinition = e.Name.StartsWith("extension-definition--", StringComparison.Ordinal);
            if (isDefinition && !StixId.IsValid(e.Name, "extension-definition"))
            {
                ctx.Error(path, "extension-name", $"'{e.Name}' is not a valid extension-definition id");
            }
            else if (!isDefinition && !(StixId.IsTypeName(e.Name) && e.Name.EndsWith("-ext", StringComparison.Ordinal) && e.Name.Length is >= 3 and <= 250))
            {
                ctx.Error(path, "extension-name", $"'{e.Name}' must be an extension-definition id or a predefined or custom extension name ending in -ext (7.3, 11.3)");
            }

            if (e.Value.ValueKind != JsonValueKind.Object)
            {
                ctx.Error(path, "extensions", "an extension must be an object");
                continue;
            }

            if (!isDefinition && !e.Value.EnumerateObject().Any())
            {
                ctx.Error(path, "extensions", "an extension must have at least one property (11.3)");
            }

            if (e.Value.TryGetProperty("extension_type", out var t)
                && (t.ValueKind != JsonValueKind.String || !ExtensionTypes.Contains(t.GetString()!)))
            {
                ctx.Error(path + ".extension_type", "extension-type", $"extension_type must be one of {string.Join(", ", ExtensionTypes)}, found {Show(t)}");
            }
        }
    }

    internal static readonly string[] ExtensionTypes = ["new-sdo", "new-sro", "new-sco", "property-extension", "toplevel-property-extension"];

    /// <summary>Property names (3.1, 11.1): a-z, 0-9, underscore, starting with a letter; custom ones 3–250 characters.</summary>
    private static void PropertyNames(Context ctx, JsonElement json, StixKind kind)
    {
        if (PlainPropertyNames(json, kind))
        {
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in json.EnumerateObject())
        {
            if (!seen.Add(p.Name))
            {
                ctx.Error(p.Name, "duplicate-property", $"the property {p.Name} appears more than once");
                continue;
            }

            var valid = p.Name.Length > 0 && (char.IsAsciiLetterLower(p.Name[0]) || (p.Name[0] == '_' && kind == StixKind.Custom))
                && p.Name.All(ch => char.IsAsciiLetterLower(ch) || char.IsAsciiDigit(ch) || ch == '_');
            if (!valid)
            {
                ctx.Error(p.Name, "property-name", $"property name '{p.Name}' must contain only a-z, 0-9 and underscore and start with a letter (3.1)");
            }
            else if (p.Name != "id" && p.Name.Length is < 3 or > 250)
            {
                ctx.Error(p.Name, "property-name", $"property name '{p.Name}' must be 3–250 characters (11.1)");
            }
        }
    }

    [ThreadStatic]
    private static JsonProperty[]? _properties;

    /// <summary>
    /// The common case without allocating: at most 64 properties, no escapes in their names, every name valid and
    /// none repeated. False means "look closer": <see cref="PropertyNames"/> then checks (and reports) name by name.
    /// </summary>
    private static bool PlainPropertyNames(JsonElement json, StixKind kind)
    {
        var properties = _properties ??= new JsonProperty[64];
        var count = 0;
        foreach (var p in json.EnumerateObject())
        {
            if (count == properties.Length)
            {
                return false;
            }

            var name = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8PropertyName(p);
            if (name.Length == 0 || !(char.IsAsciiLetterLower((char)name[0]) || (name[0] == (byte)'_' && kind == StixKind.Custom))
                || (name.Length is < 3 or > 250 && !name.SequenceEqual("id"u8)))
            {
                return false;
            }

            foreach (var b in name)
            {
                if (!(b is >= (byte)'a' and <= (byte)'z' || b is >= (byte)'0' and <= (byte)'9' || b == (byte)'_'))
                {
                    return false;
                }
            }

            for (var j = 0; j < count; j++)
            {
                if (name.SequenceEqual(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8PropertyName(properties[j])))
                {
                    return false;
                }
            }

            properties[count++] = p;
        }

        return true;
    }

    /// <summary>
    /// Every <c>*_ref</c> holds an id and every <c>*_refs</c> a non-empty list of ids (3.1). In custom <c>x_</c>
    /// properties a value that is not an id is only a warning: real producers ship empty custom refs (the ATT&amp;CK
    /// data's <c>x_mitre_data_source_ref: ""</c>), and the spec cannot constrain what a custom property means.
    /// </summary>
    private static void References(Context ctx, StixObject o)
    {
        void Check(JsonElement element, string path, bool insideCustom)
        {
            foreach (var p in element.EnumerateObject())
            {
                var (isRef, isRefs) = StixObject.RefSuffix(p);
                var valueKind = p.Value.ValueKind;
                if (!isRef && !isRefs && valueKind is not (JsonValueKind.Object or JsonValueKind.Array))
                {
                    continue;
                }

                var childPath = path.Length == 0 ? p.Name : $"{path}.{p.Name}";
                var custom = insideCustom || p.Name.StartsWith("x_", StringComparison.Ordinal);
                if (o.Type == "observed-data" && path.Length == 0 && p.Name == "objects")
                {
                    continue;
                }

                if (isRef)
                {
                    if (p.Value.ValueKind != JsonValueKind.String || !StixId.IsValid(p.Value.GetString()))
                    {
                        ctx.Report(custom ? StixSeverity.Warning : StixSeverity.Error, childPath, "reference-format", $"{p.Name} must be a STIX id, found {Show(p.Value)}");
                    }
                }
                else if (isRefs)
                {
                    if (p.Value.ValueKind != JsonValueKind.Array || p.Value.GetArrayLength() == 0)
                    {
                        ctx.Report(custom ? StixSeverity.Warning : StixSeverity.Error, childPath, "reference-format", $"{p.Name} must be a non-empty list of STIX ids");
                    }
                    else
                    {
                        var i = 0;
                        foreach (var item in p.Value.EnumerateArray())
                        {
                            if (item.ValueKind != JsonValueKind.String || !StixId.IsValid(item.GetString()))
                            {
                                ctx.Report(custom ? StixSeverity.Warning : StixSeverity.Error, $"{childPath}[{i}]", "reference-format", $"{p.Name} must hold STIX ids, found {Show(item)}");
                            }

                            i++;
                        }
                    }
                }
                else if (p.Value.ValueKind == JsonValueKind.Object)
                {
                    Check(p.Value, childPath, custom);
                }
                else if (p.Value.ValueKind == JsonValueKind.Array)
                {
                    var i = 0;
                    foreach (var item in p.Value.EnumerateArray())
                    {
                        if (item.ValueKind == JsonValueKind.Object)
                        {
                            Check(item, $"{childPath}[{i}]", custom);
                        }

                        i++;
                    }
                }
            }
        }

        Check(o.Json, "", false);
    }

    internal static string Show(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => $"'{Truncate(e.GetString()!)}'",
        JsonValueKind.Undefined => "nothing",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        _ => Truncate(e.GetRawText()),
    };

    private static string Truncate(string s) => s.Length <= 80 ? s : s[..77] + "...";

    private static string Join(string objectPath, string relative) => relative == "$" ? objectPath : objectPath + relative[1..];

    /// <summary>Collects issues for one object, with paths relative to it.</summary>
    internal sealed class Context(StixObject o, List<StixIssue> issues)
    {
        public StixObject Object => o;

        public void Error(string relativePath, string code, string message) => Report(StixSeverity.Error, relativePath, code, message);

        public void Warning(string relativePath, string code, string message) => Report(StixSeverity.Warning, relativePath, code, message);

        public void Report(StixSeverity severity, string relativePath, string code, string message) =>
            issues.Add(new StixIssue(severity, relativePath.Length == 0 ? o.Path : $"{o.Path}.{relativePath}", o.Id, code, message));

        public StixTimestamp? Timestamp(string name, bool required, bool millis = false)
        {
            if (!o.Json.TryGetProperty(name, out var v))
            {
                if (required)
                {
                    Error(name, "required", $"the required property {name} is missing");
                }

                return null;
            }

            if (v.ValueKind != JsonValueKind.String || !StixTimestamp.TryParse(v.GetString(), out var ts))
            {
                Error(name, "timestamp-format", $"{name} must be an RFC 3339 UTC timestamp YYYY-MM-DDTHH:mm:ss[.s+]Z, found {Show(v)}");
                return null;
            }

            if (millis && ts.FractionDigits < 3)
            {
                Error(name, "timestamp-precision", $"{name} must be precise to at least the millisecond (3.2), found '{ts.Text}'");
            }

            return ts;
        }

        public void StringList(string relativePath, JsonElement v, bool allowEmpty)
        {
            if (v.ValueKind != JsonValueKind.Array || (!allowEmpty && v.GetArrayLength() == 0) || v.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String))
            {
                Error(relativePath, "string-list", $"{relativePath} must be a {(allowEmpty ? "" : "non-empty ")}list of strings");
            }
        }

        public bool Has(string name) => o.Json.TryGetProperty(name, out _);

        public JsonElement? Get(string name) => o.Json.TryGetProperty(name, out var v) ? v : null;

        public void Require(string name)
        {
            if (!Has(name))
            {
                Error(name, "required", $"the required property {name} is missing");
            }
        }
    }
}
