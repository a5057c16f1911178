using Musubi.Core.Identity;

namespace Musubi.Core.Tests.Identity;

/// <summary>Every role × own/other organisation × token scope combination, against a table written out by hand.</summary>
public sealed class AccessRulesTests
{
    private static readonly Guid Own = Guid.NewGuid();
    private static readonly Guid Other = Guid.NewGuid();

    private static Actor Make(Role role, IReadOnlySet<string>? scopes = null) => new(Guid.NewGuid(), "u", Own, role, scopes);

    public static TheoryData<Role> Roles => new(Enum.GetValues<Role>());

    [Theory]
    [MemberData(nameof(Roles))]
    public void Everyone_signed_in_reads_the_directory_but_a_token_needs_the_read_scope(Role role)
    {
        Assert.True(AccessRules.CanReadDirectory(Make(role)));
        Assert.True(AccessRules.CanReadDirectory(Make(role, new HashSet<string> { Scopes.ConstituencyRead })));
        Assert.False(AccessRules.CanReadDirectory(Make(role, new HashSet<string> { Scopes.AuditRead })));
    }

    [Theory]
    [InlineData(Role.PlatformAdmin, true, true)]
    [InlineData(Role.OrgAdmin, true, false)]
    [InlineData(Role.Analyst, false, false)]
    [InlineData(Role.ReadOnly, false, false)]
    [InlineData(Role.Service, false, false)]
    public void Editing_an_organisation_is_for_platform_admins_and_its_own_admins(Role role, bool own, bool other)
    {
        var actor = Make(role);
        Assert.Equal(own, AccessRules.CanEditOrganisation(actor, Own));
        Assert.Equal(other, AccessRules.CanEditOrganisation(actor, Other));
        var readOnlyToken = Make(role, new HashSet<string> { Scopes.ConstituencyRead });
        Assert.False(AccessRules.CanEditOrganisation(readOnlyToken, Own));
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public void Only_platform_admins_create_classify_and_import(Role role)
    {
        var expected = role == Role.PlatformAdmin;
        var actor = Make(role);
        Assert.Equal(expected, AccessRules.CanCreateOrganisation(actor));
        Assert.Equal(expected, AccessRules.CanDeleteOrganisation(actor));
        Assert.Equal(expected, AccessRules.CanClassifyOrganisation(actor));
        Assert.Equal(expected, AccessRules.CanManageCommunities(actor));
        Assert.Equal(expected, AccessRules.CanManageSectors(actor));
        Assert.Equal(expected, AccessRules.CanImportConstituency(actor));
    }

    [Fact]
    public void User_management_follows_the_table()
    {
        foreach (var actorRole in Enum.GetValues<Role>())
        {
            foreach (var targetRole in Enum.GetValues<Role>())
            {
                foreach (var org in new[] { Own, Other })
                {
                    var expected = actorRole == Role.PlatformAdmin
                        || (actorRole == Role.OrgAdmin && org == Own && targetRole != Role.PlatformAdmin);
                    Assert.Equal(expected, AccessRules.CanManageUser(Make(actorRole), org, targetRole));
                    Assert.False(AccessRules.CanManageUser(Make(actorRole, new HashSet<string> { Scopes.UsersRead }), org, targetRole));
                }
            }
        }
    }

    [Theory]
    [InlineData(Role.PlatformAdmin, true, true, true)]
    [InlineData(Role.OrgAdmin, true, false, false)]
    [InlineData(Role.Analyst, false, false, false)]
    [InlineData(Role.ReadOnly, false, false, false)]
    [InlineData(Role.Service, false, false, false)]
    public void The_audit_trail_is_for_admins_and_org_admins_see_their_own(Role role, bool own, bool other, bool everything)
    {
        var actor = Make(role);
        Assert.Equal(own, AccessRules.CanReadAudit(actor, Own));
        Assert.Equal(other, AccessRules.CanReadAudit(actor, Other));
        Assert.Equal(everything, AccessRules.CanReadAudit(actor, null));
    }

    [Fact]
    public void Ordinary_users_may_grant_only_directory_reading_and_incident_work_to_their_tokens()
    {
        Assert.Equal(Scopes.All, AccessRules.GrantableScopes(Role.PlatformAdmin));
        Assert.Equal(Scopes.All, AccessRules.GrantableScopes(Role.OrgAdmin));
        Assert.Equal([Scopes.ConstituencyRead, Scopes.IncidentsRead, Scopes.IncidentsWrite, Scopes.IntelRead, Scopes.IntelWrite, Scopes.DetectionWrite],
            AccessRules.GrantableScopes(Role.Analyst));
        Assert.Equal([Scopes.ConstituencyRead, Scopes.IncidentsRead, Scopes.IncidentsWrite, Scopes.IntelRead, Scopes.IntelWrite], AccessRules.GrantableScopes(Role.Service));

        Assert.Equal([Scopes.ConstituencyRead, Scopes.IncidentsRead, Scopes.IntelRead], AccessRules.GrantableScopes(Role.ReadOnly));
    }

    [Theory]
    [InlineData(Role.PlatformAdmin, true)]
    [InlineData(Role.OrgAdmin, true)]
    [InlineData(Role.Analyst, true)]
    [InlineData(Role.Service, true)]
    [InlineData(Role.ReadOnly, false)]
    public void Everyone_but_read_only_users_may_publish_intelligence_with_the_write_scope(Role role, bool expected)
    {
        Assert.Equal(expected, AccessRules.CanPublishIntelligence(new Actor(Guid.NewGuid(), "u", Own, role)));
        Assert.False(AccessRules.CanPublishIntelligence(new Actor(Guid.NewGuid(), "u", Own, role, new HashSet<string> { Scopes.IntelRead })));
        Assert.True(AccessRules.CanReadIntelligence(new Actor(Guid.NewGuid(), "u", Own, role, new HashSet<string> { Scopes.IntelRead })));
        Assert.False(AccessRules.CanReadIntelligence(new Actor(Guid.NewGuid(), "u", Own, role, new HashSet<string> { Scopes.ConstituencyRead })));
    }

    [Fact]
    public void Incidents_are_worked_by_responders_with_the_write_scope_and_evidence_also_comes_from_police()
    {
        var analyst = new Actor(Guid.NewGuid(), "a", Guid.NewGuid(), Role.Analyst);
        var reader = analyst with { Role = Role.ReadOnly };
        var readToken = analyst with { Scopes = new HashSet<string> { Scopes.IncidentsRead } };
        Assert.True(AccessRules.CanReportIncident(analyst));
        Assert.False(AccessRules.CanReportIncident(reader));
        Assert.False(AccessRules.CanReportIncident(readToken));
        Assert.True(AccessRules.CanReadIncidents(readToken));
        Assert.False(AccessRules.CanReadIncidents(analyst with { Scopes = new HashSet<string> { Scopes.ConstituencyRead } }));
        Assert.True(AccessRules.CanWorkIncident(analyst, Core.Incidents.IncidentLayer.Full));
        Assert.False(AccessRules.CanWorkIncident(analyst, Core.Incidents.IncidentLayer.LawEnforcement));
        Assert.True(AccessRules.CanAddIncidentEvidence(analyst, Core.Incidents.IncidentLayer.LawEnforcement));
        Assert.False(AccessRules.CanAddIncidentEvidence(analyst, Core.Incidents.IncidentLayer.Technical));
        Assert.False(AccessRules.CanAddIncidentEvidence(reader, Core.Incidents.IncidentLayer.Full));
    }
}
