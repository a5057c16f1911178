using System.Text.Json;
using Musubi.Stix.Model;
using Musubi.Stix.Patterning;

namespace Musubi.Stix.Validation;

/// <summary>Each object type's required properties and its own MUSTs (spec sections 4–7; enums in chapter 10).</summary>
internal static class TypeRules
{
    private static readonly Dictionary<string, string[]> Required = new(StringComparer.Ordinal)
    {
        ["attack-pattern"] = ["name"],
        ["campaign"] = ["name"],
        ["course-of-action"] = ["name"],
        ["grouping"] = ["context", "object_refs"],
        ["identity"] = ["name"],
        ["incident"] = ["name"],
        ["indicator"] = ["pattern", "pattern_type", "valid_from"],
        ["infrastructure"] = ["name"],
        ["intrusion-set"] = ["name"],
        ["malware"] = ["is_family"],
        ["malware-analysis"] = ["product"],
        ["note"] = ["content", "object_refs"],
        ["observed-data"] = ["first_observed", "last_observed", "number_observed"],
        ["opinion"] = ["opinion", "object_refs"],
        ["report"] = ["name", "published", "object_refs"],
        ["threat-actor"] = ["name"],
        ["tool"] = ["name"],
        ["vulnerability"] = ["name"],
        ["relationship"] = ["relationship_type", "source_ref", "target_ref"],
        ["sighting"] = ["sighting_of_ref"],
        ["autonomous-system"] = ["number"],
        ["directory"] = ["path"],
        ["domain-name"] = ["value"],
        ["email-addr"] = ["value"],
        ["email-message"] = ["is_multipart"],
        ["ipv4-addr"] = ["value"],
        ["ipv6-addr"] = ["value"],
        ["mac-addr"] = ["value"],
        ["mutex"] = ["name"],
        ["network-traffic"] = ["protocols"],
        ["software"] = ["name"],
        ["url"] = ["value"],
        ["language-content"] = ["object_ref", "contents"],
        ["extension-definition"] = ["created_by_ref", "name", "schema", "version", "extension_types"],
    };

    private static readonly HashSet<string> ObservableCommon = new(StringComparer.Ordinal)
    {
        "type", "id", "spec_version", "object_marking_refs", "granular_markings", "defanged",
    };

    private static readonly string[] OpinionEnum = ["strongly-disagree", "disagree", "neutral", "agree", "strongly-agree"];
    private static readonly string[] EncryptionAlgorithmEnum = ["AES-256-GCM", "ChaCha20-Poly1305", "mime-type-indicated"];
    private static readonly string[] RegistryDatatypeEnum =
    [
        "REG_NONE", "REG_SZ", "REG_EXPAND_SZ", "REG_BINARY", "REG_DWORD", "REG_DWORD_BIG_ENDIAN", "REG_DWORD_LITTLE_ENDIAN",
        "REG_LINK", "REG_MULTI_SZ", "REG_RESOURCE_LIST", "REG_FULL_RESOURCE_DESCRIPTION", "REG_RESOURCE_REQUIREMENTS_LIST",
        "REG_QWORD", "REG_INVALID_TYPE",
    ];

    public static void Check(StixValidator.Context ctx, JsonElement json, string type)
    {
        if (Required.TryGetValue(type, out var required))
        {
            foreach (var name in required)
            {
                ctx.Require(name);
            }
        }

        switch (type)
        {
            case "indicator":
                Indicator(ctx);
                break;
            case "malware":
                if (ctx.Get("is_family") is { } family && family.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    ctx.Error("is_family", "boolean", "is_family must be true or false");
                }
                else if (ctx.Get("is_family")?.ValueKind == JsonValueKind.True)
                {
                    ctx.Require("name");
                }

                Ordered(ctx, "first_seen", "last_seen", strict: false);
                break;
            case "malware-analysis":
                if (!ctx.Has("result") && !ctx.Has("analysis_sco_refs"))
                {
                    ctx.Error("", "required", "a malware-analysis needs result or analysis_sco_refs (4.12)");
                }

                break;
            case "location":
                Location(ctx);
                break;
            case "observed-data":
                ObservedData(ctx);
                break;
            case "opinion":
                Enum(ctx, "opinion", OpinionEnum);
                break;
            case "report":
                ctx.Timestamp("published", required: false);
                break;
            case "campaign":
            case "intrusion-set":
            case "threat-actor":
            case "infrastructure":
                Ordered(ctx, "first_seen", "last_seen", strict: false);
                break;
            case "relationship":
                if (ctx.Get("relationship_type") is { } rt && (rt.ValueKind != JsonValueKind.String || !StixId.IsTypeName(rt.GetString()!)))
                {
                    ctx.Error("relationship_type", "relationship-type", $"relationship_type must be lower case words joined by hyphens, found {StixValidator.Show(rt)}");
                }

                Ordered(ctx, "start_time", "stop_time", strict: true);
                break;
            case "sighting":
                Ordered(ctx, "first_seen", "last_seen", strict: false);
                Range(ctx, "count", 0, 999_999_999);
                break;
            case "marking-definition":
                MarkingDefinition(ctx);
                break;
            case "extension-definition":
                if (ctx.Get("extension_types") is { } et)
                {
                    if (et.ValueKind != JsonValueKind.Array || et.GetArrayLength() == 0)
                    {
                        ctx.Error("extension_types", "extension-type", "extension_types must be a non-empty list");
                    }
                    else
                    {
                        var i = 0;
                        foreach (var item in et.EnumerateArray())
                        {
                            if (item.ValueKind != JsonValueKind.String || !StixValidator.ExtensionTypes.Contains(item.GetString()))
                            {
                                ctx.Error($"extension_types[{i}]", "extension-type", $"must be one of {string.Join(", ", StixValidator.ExtensionTypes)}, found {StixValidator.Show(item)}");
                            }

                            i++;
                        }
                    }
                }

                break;
            case "file":
                if (!ctx.Has("hashes") && !ctx.Has("name"))
                {
                    ctx.Error("", "required", "a file needs hashes or name (6.7)");
                }

                break;
            case "artifact":
                var payload = ctx.Has("payload_bin");
                var url = ctx.Has("url");
                if (payload == url)
                {
                    ctx.Error("", "artifact-content", "an artifact must have exactly one of payload_bin and url (6.1)");
                }

                if (url && !ctx.Has("hashes"))
                {
                    ctx.Error("hashes", "required", "an artifact with url must have hashes (6.1)");
                }

                if (ctx.Has("decryption_key") && !ctx.Has("encryption_algorithm"))
                {
                    ctx.Error("decryption_key", "artifact-key", "decryption_key must not be present without encryption_algorithm (6.1)");
                }

                Enum(ctx, "encryption_algorithm", EncryptionAlgorithmEnum);
                break;
            case "email-message":
                if (ctx.Get("is_multipart") is { } mp)
                {
                    if (mp.ValueKind == JsonValueKind.True && ctx.Has("body"))
                    {
                        ctx.Error("body", "email-body", "body must not be present when is_multipart is true (6.6)");
                    }

                    if (mp.ValueKind == JsonValueKind.False && ctx.Has("body_multipart"))
                    {
                        ctx.Error("body_multipart", "email-body", "body_multipart must not be present when is_multipart is false (6.6)");
                    }
                }

                break;
            case "network-traffic":
                if (!ctx.Has("src_ref") && !ctx.Has("dst_ref"))
                {
                    ctx.Error("", "required", "network-traffic needs src_ref or dst_ref (6.12)");
                }

                break;
            case "windows-registry-key":
                if (ctx.Get("values") is { ValueKind: JsonValueKind.Array } values)
                {
                    var i = 0;
                    foreach (var v in values.EnumerateArray())
                    {
                        if (v.ValueKind == JsonValueKind.Object && v.TryGetProperty("data_type", out var dt)
                            && (dt.ValueKind != JsonValueKind.String || !RegistryDatatypeEnum.Contains(dt.GetString())))
                        {
                            ctx.Error($"values[{i}].data_type", "enum", $"data_type must be one of the windows-registry-datatype-enum values, found {StixValidator.Show(dt)}");
                        }

                        i++;
                    }
                }

                goto case "process";
            case "process":
            case "user-account":
            case "x509-certificate":
                if (!json.EnumerateObject().Any(p => !ObservableCommon.Contains(p.Name)))
                {
                    ctx.Error("", "required", $"a {type} must have at least one property besides the common ones (6)");
                }

                break;
        }
    }

    private static void Indicator(StixValidator.Context ctx)
    {
        var from = ctx.Timestamp("valid_from", required: false);
        var until = ctx.Timestamp("valid_until", required: false);
        if (from is { } f && until is { } u && string.CompareOrdinal(u.SortKey, f.SortKey) <= 0)
        {
            ctx.Error("valid_until", "valid-until", $"valid_until {u.Text} must be later than valid_from {f.Text} (4.7)");
        }

        var patternType = ctx.Get("pattern_type");
        if (ctx.Get("pattern") is not { } pattern)
        {
            return;
        }

        if (pattern.ValueKind != JsonValueKind.String)
        {
            ctx.Error("pattern", "pattern", "pattern must be a string");
            return;
        }

        if (patternType?.ValueKind == JsonValueKind.String && patternType.Value.GetString() == "stix")
        {
            try
            {
                // Kept on the object, so the store's index terms do not parse the same pattern again.
                ctx.Object.ParsedPattern = StixPattern.Parse(pattern.GetString()!);
            }
            catch (PatternSyntaxException e)
            {
                ctx.Error("pattern", "pattern-syntax", e.Message);
            }
        }
    }

    private static void Location(StixValidator.Context ctx)
    {
        var lat = ctx.Get("latitude");
        var lon = ctx.Get("longitude");
        if (!ctx.Has("region") && !ctx.Has("country") && (lat is null || lon is null))
        {
            ctx.Error("", "required", "a location needs region, country, or latitude and longitude (4.10)");
        }

        if ((lat is null) != (lon is null))
        {
            ctx.Error(lat is null ? "latitude" : "longitude", "location-coordinates", "latitude and longitude must be given together (4.10)");
        }

        if (ctx.Has("precision") && (lat is null || lon is null))
        {
            ctx.Error("precision", "location-coordinates", "precision requires latitude and longitude (4.10)");
        }

        if (lat is { } la && (la.ValueKind != JsonValueKind.Number || la.GetDouble() is < -90 or > 90))
        {
            ctx.Error("latitude", "range", "latitude must be a number from -90 to 90");
        }

        if (lon is { } lo && (lo.ValueKind != JsonValueKind.Number || lo.GetDouble() is < -180 or > 180))
        {
            ctx.Error("longitude", "range", "longitude must be a number from -180 to 180");
        }
    }

    private static void ObservedData(StixValidator.Context ctx)
    {
        Ordered(ctx, "first_observed", "last_observed", strict: false);
        Range(ctx, "number_observed", 1, 999_999_999);
        var objects = ctx.Has("objects");
        var refs = ctx.Has("object_refs");
        if (objects == refs)
        {
            ctx.Error("", "observed-data-content", "observed-data must have exactly one of object_refs and the deprecated objects (4.14)");
        }

        if (objects)
        {
            ctx.Warning("objects", "deprecated", "objects is deprecated in STIX 2.1; use object_refs (4.14)");
        }
    }

    private static void MarkingDefinition(StixValidator.Context ctx)
    {
        var hasDefinition = ctx.Has("definition") || ctx.Has("definition_type");
        if (hasDefinition && !(ctx.Has("definition") && ctx.Has("definition_type")))
        {
            ctx.Error(ctx.Has("definition") ? "definition_type" : "definition", "required", "definition and definition_type go together (7.2.1)");
        }

        if (!hasDefinition && !ctx.Has("extensions"))
        {
            ctx.Error("", "required", "a marking definition needs definition_type and definition, or an extension that defines it (7.2.1)");
        }

        if (ctx.Get("definition_type") is { ValueKind: JsonValueKind.String } dt && ctx.Get("definition") is { } def)
        {
            if (def.ValueKind != JsonValueKind.Object)
            {
                ctx.Error("definition", "marking-definition", "definition must be an object");
            }
            else if (dt.GetString() == "statement" && !(def.TryGetProperty("statement", out var s) && s.ValueKind == JsonValueKind.String))
            {
                ctx.Error("definition.statement", "required", "a statement marking needs definition.statement (7.2.1.3)");
            }
            else if (dt.GetString() == "tlp" && !(def.TryGetProperty("tlp", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() is "white" or "green" or "amber" or "red"))
            {
                ctx.Error("definition.tlp", "enum", "a TLP 1.0 marking's definition.tlp must be white, green, amber or red (7.2.1.4)");
            }
        }
    }

    private static void Enum(StixValidator.Context ctx, string name, string[] values)
    {
        if (ctx.Get(name) is { } v && (v.ValueKind != JsonValueKind.String || !values.Contains(v.GetString())))
        {
            ctx.Error(name, "enum", $"{name} must be one of {string.Join(", ", values)} (an enumeration, not an open vocabulary), found {StixValidator.Show(v)}");
        }
    }

    private static void Range(StixValidator.Context ctx, string name, long min, long max)
    {
        if (ctx.Get(name) is { } v && (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out var n) || n < min || n > max))
        {
            ctx.Error(name, "range", $"{name} must be an integer from {min} to {max}, found {StixValidator.Show(v)}");
        }
    }

    private static void Ordered(StixValidator.Context ctx, string first, string last, bool strict)
    {
        var a = ctx.Timestamp(first, required: false);
        var b = ctx.Timestamp(last, required: false);
        if (a is { } x && b is { } y)
        {
            var cmp = string.CompareOrdinal(y.SortKey, x.SortKey);
            if (cmp < 0 || (strict && cmp == 0))
            {
                ctx.Error(last, "time-order", $"{last} {y.Text} must be {(strict ? "later than" : "at or after")} {first} {x.Text}");
            }
        }
    }
}
