namespace Musubi.Core.Identity;

/// <summary>A user's role within their organisation. Serialised in kebab-case.</summary>
public enum Role
{
    /// <summary>Manages users and settings of the whole platform. Does not widen sight of shared content.</summary>
    PlatformAdmin,
    /// <summary>Manages their own organisation: its details, contacts, networks and users.</summary>
    OrgAdmin,
    Analyst,
    ReadOnly,
    /// <summary>A machine account (sensors, SIEM connectors); signs in with API tokens only.</summary>
    Service,
}
