using Musubi.Core.Identity;

namespace Musubi.Core.Tests.Identity;

/// <summary>Who may escalate alerts into an incident: role × own/other/several organisations × national centre × scope.</summary>
public sealed class EscalationAccessRulesTests
{
    private static readonly Guid Own = Guid.NewGuid();
    private static readonly Guid Other = Guid.NewGuid();

    private static Actor Make(Role role, IReadOnlySet<string>? scopes = null) => new(Guid.NewGuid(), "u", Own, role, scopes);

    [Theory]
    [InlineData(Role.Analyst, false, true, false, false)]
    [InlineData(Role.OrgAdmin, false, true, false, false)]
    [InlineData(Role.ReadOnly, false, false, false, false)]
    [InlineData(Role.Service, false, false, false, false)]
    [InlineData(Role.PlatformAdmin, false, false, false, false)]
    [InlineData(Role.Analyst, true, true, true, true)]
    [InlineData(Role.OrgAdmin, true, true, true, true)]
    [InlineData(Role.ReadOnly, true, false, false, false)]
    [InlineData(Role.PlatformAdmin, true, false, false, false)]
    public void Analysts_escalate_their_own_organisations_alerts_and_the_national_soc_anyones(
        Role role, bool inNationalCentre, bool own, bool other, bool several)
    {
        var actor = Make(role);
        Assert.Equal(own, AccessRules.CanEscalateAlerts(actor, [Own], inNationalCentre));
        Assert.Equal(other, AccessRules.CanEscalateAlerts(actor, [Other], inNationalCentre));
        Assert.Equal(several, AccessRules.CanEscalateAlerts(actor, [Own, Other], inNationalCentre));
    }

    [Fact]
    public void A_token_without_the_incidents_write_scope_cannot_escalate()
    {
        Assert.False(AccessRules.CanEscalateAlerts(Make(Role.Analyst, new HashSet<string> { Scopes.IncidentsRead, Scopes.ConstituencyRead }), [Own], true));
        Assert.True(AccessRules.CanEscalateAlerts(Make(Role.Analyst, new HashSet<string> { Scopes.IncidentsWrite }), [Own], false));
    }
}
