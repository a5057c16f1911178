using Musubi.Core.Detection;
using Musubi.Core.Identity;

namespace Musubi.Core.Feeds;

/// <summary>
/// Who may configure infected-host notification (feed sources, recipients, routing, the prefix table), submit feed
/// files and see or release reports: platform administrators and the national SOC (analysts and organisation
/// administrators of the national centre), with <c>constituency:write</c> when acting by token. Reports name
/// infected hosts of every organisation, so nobody else gets them here (ISPs get theirs by e-mail or the portal).
/// </summary>
public static class FeedAccessRules
{
    public static bool CanManageFeeds(Actor actor, bool actorInNationalCentre) =>
        actor.HasScope(Scopes.ConstituencyWrite)
        && (actor.IsPlatformAdmin || DetectionAccessRules.IsNationalSoc(actor, actorInNationalCentre));
}
