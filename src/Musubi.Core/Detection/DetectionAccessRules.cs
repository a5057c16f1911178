using Musubi.Core.Identity;

namespace Musubi.Core.Detection;

/// <summary>
/// Who may manage sensors and see or handle alerts. Pure functions, like <see cref="AccessRules"/>.
/// The national SOC is the analysts and organisation administrators of the national centre: they watch every
/// organisation's alerts. Everyone else sees only their own organisation's alerts; platform administrators get no
/// wider sight by their role.
/// </summary>
public static class DetectionAccessRules
{
    /// <summary>Register, list and revoke the sensors of an organisation: its administrators, and platform admins.</summary>
    public static bool CanManageSensors(Actor actor, Guid organisationId) =>
        actor.HasScope(Scopes.ConstituencyWrite)
        && (actor.IsPlatformAdmin || (actor.Role == Role.OrgAdmin && actor.OrganisationId == organisationId));

    public static bool IsNationalSoc(Actor actor, bool actorInNationalCentre) =>
        actorInNationalCentre && actor.Role is Role.Analyst or Role.OrgAdmin;

    /// <summary>See alerts (and the quarantine) of <paramref name="organisationId"/>.</summary>
    public static bool CanReadAlerts(Actor actor, Guid organisationId, bool actorInNationalCentre) =>
        actor.HasScope(Scopes.ConstituencyRead)
        && actor.Role != Role.Service
        && (actor.OrganisationId == organisationId || IsNationalSoc(actor, actorInNationalCentre));

    /// <summary>
    /// Read quarantined (malformed) event lines: those who manage the organisation's sensors, and the platform admins and
    /// national SOC (with constituency:read). Lines with no organisation (a listener with no sensor) only for the latter.
    /// </summary>
    public static bool CanReadQuarantine(Actor actor, Guid? organisationId, bool actorInNationalCentre) =>
        (organisationId is { } org && CanManageSensors(actor, org))
        || (actor.HasScope(Scopes.ConstituencyRead) && (actor.IsPlatformAdmin || IsNationalSoc(actor, actorInNationalCentre)));

    /// <summary>Acknowledge alerts of <paramref name="organisationId"/>: analysts and organisation admins who may see them.</summary>
    public static bool CanHandleAlerts(Actor actor, Guid organisationId, bool actorInNationalCentre) =>
        CanReadAlerts(actor, organisationId, actorInNationalCentre) && actor.Role is Role.Analyst or Role.OrgAdmin;

    /// <summary>
    /// Upload, scope and delete Sigma rule sets, and try rules: platform administrators and the national SOC. By
    /// token, the detection:write scope (which analysts may hold) or, as before it existed, constituency:write.
    /// Everyone else is refused.
    /// </summary>
    public static bool CanManageRules(Actor actor, bool actorInNationalCentre) =>
        (actor.HasScope(Scopes.DetectionWrite) || actor.HasScope(Scopes.ConstituencyWrite))
        && (actor.IsPlatformAdmin || IsNationalSoc(actor, actorInNationalCentre));
}
