using Musubi.Core.Identity;

namespace Musubi.Core.Feeds;

/// <summary>
/// Who may read what infected-host notification records (docs/NOTIFICATION.md). Pure, like <see cref="AccessRules"/>.
/// An organisation's people (any role, service accounts included: ISPs pull with them) read its own hosts, reports and
/// clean-up figures; centre staff (analysts and organisation administrators of the national centre) read every
/// organisation's. Platform administrators get no wider sight by their role.
/// </summary>
public static class FeedAccessRules
{
    public static bool IsCentreStaff(Actor actor, bool actorInNationalCentre) =>
        actorInNationalCentre && actor.Role is Role.Analyst or Role.OrgAdmin;

    /// <summary>Read the infected hosts, reports (tickets) and clean-up figures of <paramref name="organisationId"/> (null: recipients outside the constituency).</summary>
    public static bool CanReadInfectedHosts(Actor actor, Guid? organisationId, bool actorInNationalCentre) =>
        actor.HasScope(Scopes.ConstituencyRead)
        && ((organisationId is { } org && org == actor.OrganisationId && actor.OrganisationId != Guid.Empty)
            || IsCentreStaff(actor, actorInNationalCentre));

    /// <summary>Create, change and delete clean-up campaigns: platform administrators and centre staff, with constituency:write.</summary>
    public static bool CanManageCampaigns(Actor actor, bool actorInNationalCentre) =>
        actor.HasScope(Scopes.ConstituencyWrite) && (actor.IsPlatformAdmin || IsCentreStaff(actor, actorInNationalCentre));
}
