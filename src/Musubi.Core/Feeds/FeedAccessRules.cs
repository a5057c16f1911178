using Musubi.Core.Detection;
using Musubi.Core.Identity;

namespace Musubi.Core.Feeds;

/// <summary>
/// Who may do what with infected-host notification. Pure, like <see cref="AccessRules"/>.
/// <list type="bullet">
/// <item>Configure it (feed sources, recipients, routing, the prefix table), submit feed files and see or release
/// reports: platform administrators and the national SOC (analysts and organisation administrators of the national
/// centre), with <c>constituency:write</c> when acting by token. Reports name infected hosts of every organisation, so
/// nobody else gets them there (ISPs get theirs by e-mail, the pull API or the portal).</item>
/// <item>Read infected hosts, tickets and clean-up figures (docs/NOTIFICATION.md): an organisation's people (any role,
/// service accounts included: ISPs pull with them) read their own organisation's; centre staff read every
/// organisation's. Platform administrators get no wider sight by their role.</item>
/// </list>
/// </summary>
public static class FeedAccessRules
{
    public static bool CanManageFeeds(Actor actor, bool actorInNationalCentre) =>
        actor.HasScope(Scopes.ConstituencyWrite)
        && (actor.IsPlatformAdmin || DetectionAccessRules.IsNationalSoc(actor, actorInNationalCentre));

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
