namespace Musubi.Stix.Model;

/// <summary>What an object is, by its <c>type</c> (spec sections 4–7 and 11).</summary>
public enum StixKind
{
    /// <summary>A STIX Domain Object (section 4).</summary>
    Domain,
    /// <summary>A STIX Relationship Object (section 5).</summary>
    Relationship,
    /// <summary>A STIX Cyber-observable Object (section 6).</summary>
    Observable,
    /// <summary>marking-definition (7.2).</summary>
    MarkingDefinition,
    /// <summary>language-content (7.1).</summary>
    LanguageContent,
    /// <summary>extension-definition (7.3).</summary>
    ExtensionDefinition,
    /// <summary>A type the spec does not define: a custom object (11.2) or a new object defined by an extension (7.3).</summary>
    Custom,
}

/// <summary>The types the spec defines, by kind.</summary>
public static class StixTypes
{
    public static readonly IReadOnlySet<string> Domain = new HashSet<string>(StringComparer.Ordinal)
    {
        "attack-pattern", "campaign", "course-of-action", "grouping", "identity", "incident", "indicator",
        "infrastructure", "intrusion-set", "location", "malware", "malware-analysis", "note", "observed-data",
        "opinion", "report", "threat-actor", "tool", "vulnerability",
    };

    public static readonly IReadOnlySet<string> Relationship = new HashSet<string>(StringComparer.Ordinal) { "relationship", "sighting" };

    public static readonly IReadOnlySet<string> Observable = new HashSet<string>(StringComparer.Ordinal)
    {
        "artifact", "autonomous-system", "directory", "domain-name", "email-addr", "email-message", "file",
        "ipv4-addr", "ipv6-addr", "mac-addr", "mutex", "network-traffic", "process", "software", "url",
        "user-account", "windows-registry-key", "x509-certificate",
    };

    public static StixKind KindOf(string? type) => type switch
    {
        null => StixKind.Custom,
        "marking-definition" => StixKind.MarkingDefinition,
        "language-content" => StixKind.LanguageContent,
        "extension-definition" => StixKind.ExtensionDefinition,
        _ when Domain.Contains(type) => StixKind.Domain,
        _ when Relationship.Contains(type) => StixKind.Relationship,
        _ when Observable.Contains(type) => StixKind.Observable,
        _ => StixKind.Custom,
    };
}
