namespace Musubi.Core.Identity;

/// <summary>
/// Who may manage what in the constituency and identity areas. Pure functions of the actor and the target, so they
/// can be tested exhaustively. (Sight of shared intelligence is a different matter: that is the TLP access policy.)
/// </summary>
public static class AccessRules
{
    public static bool CanReadDirectory(Actor actor) => actor.HasScope(Scopes.ConstituencyRead);

    public static bool CanCreateOrganisation(Actor actor) =>
        actor.IsPlatformAdmin && actor.HasScope(Scopes.ConstituencyWrite);

    public static bool CanDeleteOrganisation(Actor actor) => CanCreateOrganisation(actor);

    /// <summary>Details, contacts and networks of one organisation.</summary>
    public static bool CanEditOrganisation(Actor actor, Guid organisationId) =>
        actor.HasScope(Scopes.ConstituencyWrite)
        && (actor.IsPlatformAdmin || (actor.Role == Role.OrgAdmin && actor.OrganisationId == organisationId));

    /// <summary>Changing an organisation's kind, sector or community memberships shapes what it may see later.</summary>
    public static bool CanClassifyOrganisation(Actor actor) => CanCreateOrganisation(actor);

    public static bool CanManageSectors(Actor actor) => CanCreateOrganisation(actor);

    public static bool CanManageCommunities(Actor actor) => CanCreateOrganisation(actor);

    public static bool CanImportConstituency(Actor actor) => CanCreateOrganisation(actor);

    public static bool CanReadUsers(Actor actor, Guid organisationId) =>
        actor.HasScope(Scopes.UsersRead)
        && (actor.IsPlatformAdmin || (actor.Role == Role.OrgAdmin && actor.OrganisationId == organisationId));

    /// <summary>Create, change, disable or reset a user of <paramref name="organisationId"/> holding <paramref name="role"/>.</summary>
    public static bool CanManageUser(Actor actor, Guid organisationId, Role role) =>
        actor.HasScope(Scopes.UsersWrite)
        && (actor.IsPlatformAdmin
            || (actor.Role == Role.OrgAdmin && actor.OrganisationId == organisationId && role != Role.PlatformAdmin));

    /// <summary>Everyone may read audit entries about their own organisation if they administer it.</summary>
    public static bool CanReadAudit(Actor actor, Guid? organisationId) =>
        actor.HasScope(Scopes.AuditRead)
        && (actor.IsPlatformAdmin
            || (actor.Role == Role.OrgAdmin && organisationId is { } id && id == actor.OrganisationId));

    /// <summary>
    /// Reading shared intelligence at all; which objects is the access policy's decision, per object
    /// (<see cref="Sharing.AccessPolicy.MaySee"/>), never the role's.
    /// </summary>
    public static bool CanReadIntelligence(Actor actor) => actor.HasScope(Scopes.IntelRead);

    /// <summary>
    /// Federation partners (their agreements, credentials for the remote, pull and push runs): platform administrators
    /// with <c>constituency:write</c> to change or run them, <c>constituency:read</c> to list them.
    /// </summary>
    public static bool CanManagePartners(Actor actor) => actor.IsPlatformAdmin && actor.HasScope(Scopes.ConstituencyWrite);

    public static bool CanReadPartners(Actor actor) => actor.IsPlatformAdmin && actor.HasScope(Scopes.ConstituencyRead);

    /// <summary>Publishing (importing) intelligence on behalf of one's organisation: everyone but read-only users.</summary>
    public static bool CanPublishIntelligence(Actor actor) =>
        actor.HasScope(Scopes.IntelWrite) && actor.Role != Role.ReadOnly;

    /// <summary>
    /// Checkpoints, the public key and consistency proofs: what auditors and police need to check the log. They carry
    /// only hashes, so any administrator may read them; the token needs <c>ledger:read</c>.
    /// </summary>
    public static bool CanReadLedger(Actor actor) =>
        actor.HasScope(Scopes.LedgerRead) && actor.Role is Role.PlatformAdmin or Role.OrgAdmin;

    /// <summary>
    /// One entry (payload, inclusion proof) or an export: platform administrators all of them, organisation
    /// administrators their own organisation's. <paramref name="organisationId"/> null means the whole log.
    /// </summary>
    public static bool CanReadLedgerEntries(Actor actor, Guid? organisationId) =>
        CanReadLedger(actor)
        && (actor.IsPlatformAdmin || (organisationId is { } id && id == actor.OrganisationId));

    /// <summary>On-demand checkpoints, retention policies, legal holds, monitor alerts: platform administrators.</summary>
    public static bool CanManageLedger(Actor actor) => actor.IsPlatformAdmin && actor.HasScope(Scopes.LedgerAdmin);

    /// <summary>The scopes a user of this role may put on a token of their own.</summary>
    public static IReadOnlyList<string> GrantableScopes(Role role) => role switch
    {
        Role.PlatformAdmin or Role.OrgAdmin => Scopes.All,
        Role.Analyst => [Scopes.ConstituencyRead, Scopes.IncidentsRead, Scopes.IncidentsWrite, Scopes.IntelRead, Scopes.IntelWrite, Scopes.DetectionWrite],
        Role.Service => [Scopes.ConstituencyRead, Scopes.IncidentsRead, Scopes.IncidentsWrite, Scopes.IntelRead, Scopes.IntelWrite],
        _ => [Scopes.ConstituencyRead, Scopes.IncidentsRead, Scopes.IntelRead],
    };

    /// <summary>Seeing incidents at all; which incidents and how much of each is <c>IncidentLayers.LayerFor</c>.</summary>
    public static bool CanReadIncidents(Actor actor) => actor.HasScope(Scopes.IncidentsRead);

    /// <summary>Reporting an incident (web form, API) or opening one: anyone who acts for an organisation, not read-only users.</summary>
    public static bool CanReportIncident(Actor actor) => actor.HasScope(Scopes.IncidentsWrite) && actor.Role != Role.ReadOnly;

    /// <summary>Working an incident (status, teams, tasks, severity, merging, publishing) needs the full layer.</summary>
    public static bool CanWorkIncident(Actor actor, Incidents.IncidentLayer layer) =>
        CanReportIncident(actor) && layer == Incidents.IncidentLayer.Full;

    /// <summary>
    /// Escalating alerts into an incident: analysts and organisation administrators of the alerts' organisation, or
    /// of the national centre (the national SOC), which alone may merge alerts of several organisations into one
    /// incident. Needs the incidents:write scope; whether the alerts may be seen at all is checked first (404).
    /// </summary>
    public static bool CanEscalateAlerts(Actor actor, IEnumerable<Guid> alertOrganisations, bool actorInNationalCentre) =>
        actor.HasScope(Scopes.IncidentsWrite)
        && actor.Role is Role.Analyst or Role.OrgAdmin
        && (actorInNationalCentre || alertOrganisations.All(o => o == actor.OrganisationId));

    /// <summary>Adding notes and evidence: responders, and police or defence on the case.</summary>
    public static bool CanAddIncidentEvidence(Actor actor, Incidents.IncidentLayer layer) =>
        CanReportIncident(actor) && layer >= Incidents.IncidentLayer.LawEnforcement;
}
