using Musubi.Core.Sharing;

namespace Musubi.Core.Incidents;

/// <summary>The roles a team can hold on an incident. Serialised in kebab-case.</summary>
public enum IncidentRole
{
    NationalSoc,
    MobileAssistanceTeam,
    OrganisationCsirt,
    SectorCoordinator,
    Vendor,
    Police,
    Defence,
}

/// <summary>
/// What part of an incident a viewer sees, from most to least. Each layer is a projection of the incident
/// (docs/INCIDENTS.md lists the fields of each):
/// <list type="bullet">
/// <item><see cref="Full"/>: everything — the responders and the affected organisations.</item>
/// <item><see cref="LawEnforcement"/>: what police and defence need for an investigation — victims, timeline,
/// evidence with hashes, indicators; not internal tasks or notes.</item>
/// <item><see cref="Technical"/>: sanitised indicators, category, status, sector — no victim identity.</item>
/// <item><see cref="Policy"/>: a summary — category, severity, sectors, status, dates, counts.</item>
/// <item><see cref="None"/>: nothing; the incident does not exist for the viewer (404).</item>
/// </list>
/// </summary>
public enum IncidentLayer
{
    None = 0,
    Policy = 1,
    Technical = 2,
    LawEnforcement = 3,
    Full = 4,
}

/// <summary>The facts about an incident that decide who sees which layer.</summary>
public sealed record IncidentAudience(
    Guid CoordinatingOrganisation,
    IReadOnlySet<Guid> AffectedOrganisations,
    IReadOnlyDictionary<Guid, IncidentRole> TeamRoles,
    ObjectMarking Marking);

/// <summary>The communities of the strategy's layers, resolved from the constituency (their ids differ per installation).</summary>
public sealed record LayerCommunities(Guid? LawEnforcement, Guid? Policy);

/// <summary>
/// The one decision of which layer of an incident a principal sees. Being part of the response (coordinator,
/// affected organisation, a team with a role) decides first; otherwise sight goes through the access policy
/// (<see cref="AccessPolicy.MaySee"/> on the incident's marking), and the viewer's layer community picks the
/// projection. Exercise incidents follow the same rule.
/// </summary>
public static class IncidentLayers
{
    public static IncidentLayer LayerFor(Principal principal, IncidentAudience incident, LayerCommunities layers)
    {
        if (principal.OrganisationId is not { } organisation)
        {
            return IncidentLayer.None;
        }

        if (organisation == incident.CoordinatingOrganisation || incident.AffectedOrganisations.Contains(organisation))
        {
            return IncidentLayer.Full;
        }

        if (incident.TeamRoles.TryGetValue(organisation, out var role))
        {
            return LayerOf(role);
        }

        if (!AccessPolicy.MaySee(principal, incident.Marking).Allowed)
        {
            return IncidentLayer.None;
        }

        if (layers.LawEnforcement is { } police && principal.Communities.Contains(police))
        {
            return IncidentLayer.LawEnforcement;
        }

        if (layers.Policy is { } policy && principal.Communities.Contains(policy))
        {
            return IncidentLayer.Policy;
        }

        return IncidentLayer.Technical;
    }

    public static IncidentLayer LayerOf(IncidentRole role) => role switch
    {
        IncidentRole.NationalSoc or IncidentRole.MobileAssistanceTeam or IncidentRole.OrganisationCsirt => IncidentLayer.Full,
        IncidentRole.Police or IncidentRole.Defence => IncidentLayer.LawEnforcement,
        IncidentRole.SectorCoordinator or IncidentRole.Vendor => IncidentLayer.Technical,
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };
}
