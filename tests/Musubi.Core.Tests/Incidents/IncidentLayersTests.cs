using Musubi.Core.Incidents;
using Musubi.Core.Sharing;

namespace Musubi.Core.Tests.Incidents;

public sealed class IncidentLayersTests
{
    private static readonly Guid Centre = Guid.NewGuid(), Victim = Guid.NewGuid(), PoliceOrg = Guid.NewGuid(), VendorOrg = Guid.NewGuid();
    private static readonly Guid MobileTeamOrg = Guid.NewGuid(), OtherPolice = Guid.NewGuid(), Ministry = Guid.NewGuid(), Partner = Guid.NewGuid(), Outsider = Guid.NewGuid();
    private static readonly Guid LawCommunity = Guid.NewGuid(), PolicyCommunity = Guid.NewGuid(), SectorCommunity = Guid.NewGuid();
    private static readonly LayerCommunities Layers = new(LawCommunity, PolicyCommunity);

    private static IncidentAudience Incident(Tlp tlp = Tlp.Amber, params Guid[] sharedWith) => new(
        Centre,
        new HashSet<Guid> { Victim },
        new Dictionary<Guid, IncidentRole>
        {
            [PoliceOrg] = IncidentRole.Police,
            [VendorOrg] = IncidentRole.Vendor,
            [MobileTeamOrg] = IncidentRole.MobileAssistanceTeam,
        },
        new ObjectMarking(tlp, Centre, SharingScope.Of(sharedWith)));

    private static Principal User(Guid organisation, params Guid[] communities) => new(Guid.NewGuid(), organisation, communities.ToHashSet());

    [Fact]
    public void Responders_and_victims_see_everything()
    {
        Assert.Equal(IncidentLayer.Full, IncidentLayers.LayerFor(User(Centre), Incident(Tlp.Red), Layers));
        Assert.Equal(IncidentLayer.Full, IncidentLayers.LayerFor(User(Victim), Incident(Tlp.Red), Layers));
        Assert.Equal(IncidentLayer.Full, IncidentLayers.LayerFor(User(MobileTeamOrg), Incident(Tlp.Red), Layers));
    }

    [Fact]
    public void Assigned_police_get_the_law_enforcement_layer_and_a_vendor_the_technical_one_whatever_the_marking()
    {
        Assert.Equal(IncidentLayer.LawEnforcement, IncidentLayers.LayerFor(User(PoliceOrg), Incident(Tlp.Red), Layers));
        Assert.Equal(IncidentLayer.Technical, IncidentLayers.LayerFor(User(VendorOrg), Incident(Tlp.Red), Layers));
    }

    [Fact]
    public void Others_see_only_through_the_access_policy_and_their_layer_community_picks_the_projection()
    {
        var shared = Incident(Tlp.Amber, LawCommunity, PolicyCommunity, SectorCommunity);
        Assert.Equal(IncidentLayer.LawEnforcement, IncidentLayers.LayerFor(User(OtherPolice, LawCommunity), shared, Layers));
        Assert.Equal(IncidentLayer.Policy, IncidentLayers.LayerFor(User(Ministry, PolicyCommunity), shared, Layers));
        Assert.Equal(IncidentLayer.Technical, IncidentLayers.LayerFor(User(Partner, SectorCommunity), shared, Layers));
        Assert.Equal(IncidentLayer.None, IncidentLayers.LayerFor(User(Outsider), shared, Layers));
    }

    [Fact]
    public void Membership_of_a_layer_community_gives_nothing_when_the_incident_is_not_shared_with_the_viewer()
    {
        var unshared = Incident(Tlp.Amber, SectorCommunity);
        Assert.Equal(IncidentLayer.None, IncidentLayers.LayerFor(User(OtherPolice, LawCommunity), unshared, Layers));
        Assert.Equal(IncidentLayer.None, IncidentLayers.LayerFor(User(Ministry, PolicyCommunity), unshared, Layers));
        Assert.Equal(IncidentLayer.None, IncidentLayers.LayerFor(Principal.Anonymous, Incident(Tlp.Clear), Layers));
    }

    [Theory]
    [InlineData(IncidentRole.NationalSoc, IncidentLayer.Full)]
    [InlineData(IncidentRole.MobileAssistanceTeam, IncidentLayer.Full)]
    [InlineData(IncidentRole.OrganisationCsirt, IncidentLayer.Full)]
    [InlineData(IncidentRole.Police, IncidentLayer.LawEnforcement)]
    [InlineData(IncidentRole.Defence, IncidentLayer.LawEnforcement)]
    [InlineData(IncidentRole.SectorCoordinator, IncidentLayer.Technical)]
    [InlineData(IncidentRole.Vendor, IncidentLayer.Technical)]
    public void Each_team_role_has_its_layer(IncidentRole role, IncidentLayer layer) =>
        Assert.Equal(layer, IncidentLayers.LayerOf(role));
}
