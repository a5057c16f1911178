using System.Text.Json;

namespace Musubi.Infrastructure.Feeds.Collectors;

/// <summary>An IntelMQ classification (taxonomy, type) and, where known, the malware.</summary>
public sealed record Classified(string Taxonomy, string Type, string? Malware = null);

/// <summary>
/// The classification of a detection (docs/FEEDS.md, "The platform's detections"). From the indicator's
/// <c>kill_chain_phases</c> (phase names of the Lockheed Martin chain or MITRE ATT&amp;CK tactics), <c>indicator_types</c>
/// and <c>labels</c>, or from the Sigma rule's <c>attack.*</c> tags; the first of these that applies wins:
/// <list type="number">
/// <item>an infection phase (installation, command-and-control, actions-on-objectives, execution, persistence,
/// lateral-movement, exfiltration, impact) → malicious-code / infected-system;</item>
/// <item>indicator type <c>compromised</c> → intrusions / system-compromise;</item>
/// <item>credential access (or ATT&amp;CK T1110, brute force) → intrusion-attempts / brute-force;</item>
/// <item>delivery, exploitation, initial-access (or T1190) → intrusion-attempts / exploit;</item>
/// <item>reconnaissance, discovery → information-gathering / scanner;</item>
/// <item>otherwise: an indicator alert whose constituency host is the source of the flow (it reached out to a listed
/// address) → malicious-code / infected-system; any other alert → intrusion-attempts / ids-alert.</item>
/// </list>
/// </summary>
public static class DetectionClassification
{
    private static readonly Classified Infected = new("malicious-code", "infected-system");
    private static readonly Classified Compromised = new("intrusions", "system-compromise");
    private static readonly Classified BruteForce = new("intrusion-attempts", "brute-force");
    private static readonly Classified Exploit = new("intrusion-attempts", "exploit");
    private static readonly Classified Scanner = new("information-gathering", "scanner");
    private static readonly Classified IdsAlert = new("intrusion-attempts", "ids-alert");

    private static readonly HashSet<string> InfectionPhases = new(StringComparer.OrdinalIgnoreCase)
    {
        "installation", "command-and-control", "command_and_control", "actions-on-objectives", "execution", "persistence",
        "lateral-movement", "lateral_movement", "exfiltration", "impact",
    };

    private static readonly HashSet<string> ExploitPhases = new(StringComparer.OrdinalIgnoreCase)
    {
        "delivery", "exploitation", "initial-access", "initial_access", "weaponization",
    };

    private static readonly HashSet<string> ReconPhases = new(StringComparer.OrdinalIgnoreCase) { "reconnaissance", "discovery" };

    /// <param name="raw">The indicator's STIX JSON.</param>
    /// <param name="hostIsSource">Whether the constituency host was the source of the matched flow.</param>
    public static Classified OfIndicator(string raw, bool hostIsSource)
    {
        var phases = new List<string>();
        var types = new List<string>();
        try
        {
            using var doc = JsonDocument.Parse(raw, new JsonDocumentOptions { MaxDepth = 64 });
            var root = doc.RootElement;
            if (root.TryGetProperty("kill_chain_phases", out var k) && k.ValueKind == JsonValueKind.Array)
            {
                foreach (var p in k.EnumerateArray())
                {
                    if (p.ValueKind == JsonValueKind.Object && p.TryGetProperty("phase_name", out var n) && n.ValueKind == JsonValueKind.String)
                    {
                        phases.Add(n.GetString()!);
                    }
                }
            }

            foreach (var name in new[] { "indicator_types", "labels" })
            {
                if (root.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Array)
                {
                    types.AddRange(a.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!));
                }
            }
        }
        catch (JsonException)
        {
            // Unreadable: the default below.
        }

        return Decide(phases, types, [], indicator: true, hostIsSource);
    }

    /// <param name="evidence">The alert's evidence JSON (<c>rule.tags</c>).</param>
    public static Classified OfSigma(string evidence, bool hostIsSource)
    {
        var phases = new List<string>();
        var techniques = new List<string>();
        try
        {
            using var doc = JsonDocument.Parse(evidence, new JsonDocumentOptions { MaxDepth = 64 });
            if (doc.RootElement.TryGetProperty("rule", out var rule) && rule.ValueKind == JsonValueKind.Object
                && rule.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Array)
            {
                foreach (var t in tags.EnumerateArray())
                {
                    if (t.ValueKind != JsonValueKind.String || t.GetString() is not { } tag || !tag.StartsWith("attack.", StringComparison.OrdinalIgnoreCase))
                    {
                        continue;
                    }

                    var name = tag["attack.".Length..];
                    if (name.Length > 1 && (name[0] is 't' or 'T') && char.IsAsciiDigit(name[1]))
                    {
                        techniques.Add(name.ToUpperInvariant());
                    }
                    else
                    {
                        phases.Add(name);
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Unreadable: the default below.
        }

        return Decide(phases, [], techniques, indicator: false, hostIsSource);
    }

    private static Classified Decide(List<string> phases, List<string> types, List<string> techniques, bool indicator, bool hostIsSource)
    {
        if (phases.Any(InfectionPhases.Contains))
        {
            return Infected;
        }

        if (types.Any(t => t.Equals("compromised", StringComparison.OrdinalIgnoreCase)))
        {
            return Compromised;
        }

        if (phases.Any(p => p.Replace('_', '-').Equals("credential-access", StringComparison.OrdinalIgnoreCase)) || techniques.Any(t => t.StartsWith("T1110", StringComparison.Ordinal)))
        {
            return BruteForce;
        }

        if (phases.Any(ExploitPhases.Contains) || techniques.Any(t => t.StartsWith("T1190", StringComparison.Ordinal)))
        {
            return Exploit;
        }

        if (phases.Any(ReconPhases.Contains))
        {
            return Scanner;
        }

        return indicator && hostIsSource ? Infected : IdsAlert;
    }
}
