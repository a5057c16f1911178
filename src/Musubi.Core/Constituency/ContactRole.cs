namespace Musubi.Core.Constituency;

/// <summary>Why one would reach a contact. Serialised in kebab-case.</summary>
public enum ContactRole
{
    Primary,
    Incident,
    Abuse,
    Technical,
    Management,
    Legal,
    Media,
}
