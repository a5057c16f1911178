using System.Text.Json.Nodes;
using Musubi.Core.Sharing;

namespace Musubi.Infrastructure.Intelligence;

/// <summary>What a sanitised copy must not reveal, and whose it becomes.</summary>
/// <param name="CreatedByRef">The identity the copy is published as (the national centre), replacing the original creator.</param>
/// <param name="Tlp">The marking the copy carries; the original's markings are dropped.</param>
/// <param name="VictimTerms">Names and domains of the victims: removed from every text, and an object whose pattern or
/// value names one is withheld as a whole (its indicator would point at the victim).</param>
public sealed record SanitiserOptions(string CreatedByRef, Tlp Tlp, IReadOnlyCollection<string> VictimTerms);

/// <summary>
/// Makes a STIX object fit to share beyond the victim (docs/ACCESS-POLICY.md, "Sanitised copies"): custom <c>x_</c>
/// properties and extensions are removed at every depth, the creator becomes the national centre, markings become the
/// chosen TLP, granular markings go, and victim names are replaced by <c>[redacted]</c> in every text. Objects whose
/// pattern, value or reference to an identity or location cannot be cleaned are withheld (null). Pure: the input is
/// not changed. Used by incident publication; shared intelligence forwarding (issue 3) can use it the same way.
/// </summary>
public static class StixSanitiser
{
    public const string Redacted = "[redacted]";

    private static readonly HashSet<string> Kept = new(StringComparer.Ordinal)
    {
        "type", "spec_version", "id", "created", "modified", "valid_from", "valid_until", "pattern_type", "pattern_version",
    };

    /// <summary>Types that describe victims themselves: never carried over.</summary>
    private static readonly HashSet<string> VictimTypes = new(StringComparer.Ordinal) { "identity", "location", "user-account", "email-addr" };

    public static JsonObject? Sanitise(JsonObject source, SanitiserOptions options)
    {
        var type = source["type"]?.GetValue<string>();
        if (type is null || VictimTypes.Contains(type))
        {
            return null;
        }

        var terms = options.VictimTerms.Where(t => t.Trim().Length >= 3).Select(t => t.Trim()).Distinct(StringComparer.OrdinalIgnoreCase)
            .OrderByDescending(t => t.Length).ToList();
        foreach (var field in new[] { "pattern", "value", "name" })
        {
            if (field != "name" && source[field] is JsonValue v && v.TryGetValue<string>(out var text) && Mentions(text, terms))
            {
                return null;
            }
        }

        var copy = (JsonObject)Clean(source, terms)!;
        copy.Remove("created_by_ref");
        copy.Remove("object_marking_refs");
        copy.Remove("granular_markings");
        copy.Remove("extensions");
        // Sightings, reports and relationships may point at victims (identities, locations): those references go.
        foreach (var key in copy.Select(p => p.Key).Where(k => k is "where_sighted_refs" or "sighting_of_ref" or "object_refs" or "target_ref").ToList())
        {
            copy.Remove(key);
        }

        copy["created_by_ref"] = options.CreatedByRef;
        copy["object_marking_refs"] = new JsonArray(TlpMarkings.Id(options.Tlp));
        return copy;
    }

    /// <summary>Whether <paramref name="text"/> names any of the terms (case-insensitive).</summary>
    public static bool Mentions(string text, IReadOnlyCollection<string> terms) =>
        terms.Any(t => t.Length > 0 && text.Contains(t, StringComparison.OrdinalIgnoreCase));

    private static JsonNode? Clean(JsonNode? node, List<string> terms) => node switch
    {
        JsonObject o => CleanObject(o, terms),
        JsonArray a => new JsonArray([.. a.Select(item => Clean(item, terms))]),
        JsonValue v when v.TryGetValue<string>(out var s) => JsonValue.Create(Redact(s, terms)),
        null => null,
        _ => node.DeepClone(),
    };

    private static JsonObject CleanObject(JsonObject source, List<string> terms)
    {
        var result = new JsonObject();
        foreach (var (key, value) in source)
        {
            if (key.StartsWith("x_", StringComparison.Ordinal))
            {
                continue;
            }

            // A reference to an identity, location, user account or e-mail address may point at the victim: dropped.
            if (key.EndsWith("_ref", StringComparison.Ordinal))
            {
                if (value is JsonValue r && r.TryGetValue<string>(out var target) && !PointsAtVictim(target))
                {
                    result[key] = value.DeepClone();
                }

                continue;
            }

            if (key.EndsWith("_refs", StringComparison.Ordinal))
            {
                if (value is JsonArray list)
                {
                    var kept = new JsonArray([.. list.Where(i => i is JsonValue v && v.TryGetValue<string>(out var t) && !PointsAtVictim(t)).Select(i => i!.DeepClone())]);
                    if (kept.Count > 0)
                    {
                        result[key] = kept;
                    }
                }

                continue;
            }

            result[key] = Kept.Contains(key) ? value?.DeepClone() : Clean(value, terms);
        }

        return result;
    }

    private static bool PointsAtVictim(string id)
    {
        var cut = id.IndexOf("--", StringComparison.Ordinal);
        return cut > 0 && VictimTypes.Contains(id[..cut]);
    }

    private static string Redact(string text, List<string> terms)
    {
        foreach (var term in terms)
        {
            if (text.Contains(term, StringComparison.OrdinalIgnoreCase))
            {
                text = text.Replace(term, Redacted, StringComparison.OrdinalIgnoreCase);
            }
        }

        return text;
    }
}
