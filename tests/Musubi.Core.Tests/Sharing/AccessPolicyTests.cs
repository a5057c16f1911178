using Musubi.Core.Sharing;

namespace Musubi.Core.Tests.Sharing;

/// <summary>The rules one by one, each with a principal that must get through and one that must not.</summary>
public sealed class AccessPolicyTests
{
    private static readonly Guid Creator = Guid.NewGuid(), Named = Guid.NewGuid(), Member = Guid.NewGuid(), Outsider = Guid.NewGuid();
    private static readonly Guid Community = Guid.NewGuid(), OtherCommunity = Guid.NewGuid();
    private static readonly Guid NamedUser = Guid.NewGuid(), ColleagueOfNamedUser = Guid.NewGuid();

    private static Principal User(Guid org, Guid? user = null, params Guid[] communities) =>
        new(user ?? Guid.NewGuid(), org, communities.ToHashSet());

    private static ObjectMarking Marked(Tlp tlp, bool published = false) =>
        new(tlp, Creator, SharingScope.Of([Community], [Named], [NamedUser]), published);

    [Theory]
    [InlineData(Tlp.Clear)]
    [InlineData(Tlp.Green)]
    [InlineData(Tlp.Amber)]
    [InlineData(Tlp.AmberStrict)]
    [InlineData(Tlp.Red)]
    public void The_creators_organisation_always_sees_its_own_objects(Tlp tlp) =>
        Assert.Equal(AccessDecision.Allow(AccessReason.CreatorOrganisation), AccessPolicy.MaySee(User(Creator), Marked(tlp)));

    [Fact]
    public void Clear_is_seen_by_everyone_signed_in_and_by_anonymous_callers_only_when_published()
    {
        Assert.True(AccessPolicy.MaySee(User(Outsider), Marked(Tlp.Clear)).Allowed);
        Assert.Equal(AccessReason.AnonymousNotPublished, AccessPolicy.MaySee(Principal.Anonymous, Marked(Tlp.Clear)).Reason);
        Assert.Equal(AccessReason.ClearPublished, AccessPolicy.MaySee(Principal.Anonymous, Marked(Tlp.Clear, published: true)).Reason);
        Assert.False(AccessPolicy.MaySee(Principal.Anonymous, Marked(Tlp.Green, published: true)).Allowed);
    }

    [Theory]
    [InlineData(Tlp.Green)]
    [InlineData(Tlp.Amber)]
    [InlineData(Tlp.AmberStrict)]
    public void Green_and_amber_are_seen_by_named_organisations_and_members_of_scoped_communities_only(Tlp tlp)
    {
        Assert.Equal(AccessReason.OrganisationInScope, AccessPolicy.MaySee(User(Named), Marked(tlp)).Reason);
        Assert.Equal(AccessReason.CommunityInScope, AccessPolicy.MaySee(User(Member, null, Community), Marked(tlp)).Reason);
        Assert.Equal(AccessReason.NotInScope, AccessPolicy.MaySee(User(Outsider, null, OtherCommunity), Marked(tlp)).Reason);
        Assert.False(AccessPolicy.MaySee(Principal.Anonymous, Marked(tlp)).Allowed);
    }

    [Fact]
    public void Red_is_seen_by_named_users_only_not_by_their_colleagues_or_communities()
    {
        Assert.Equal(AccessReason.UserNamedForRed, AccessPolicy.MaySee(User(Named, NamedUser), Marked(Tlp.Red)).Reason);
        Assert.Equal(AccessReason.RedNeedsNamedUser, AccessPolicy.MaySee(User(Named, ColleagueOfNamedUser), Marked(Tlp.Red)).Reason);
        Assert.Equal(AccessReason.RedNeedsNamedUser, AccessPolicy.MaySee(User(Member, null, Community), Marked(Tlp.Red)).Reason);
    }

    [Fact]
    public void A_partner_never_gets_anything_above_its_ceiling_or_outside_its_communities_whatever_the_scope_says()
    {
        var partnerPrincipal = User(Named, NamedUser, Community);
        var greenCeiling = new PartnerAgreement(Tlp.Green, new HashSet<Guid> { Community });
        Assert.True(AccessPolicy.MaySee(partnerPrincipal with { Partner = greenCeiling }, Marked(Tlp.Green)).Allowed);
        Assert.Equal(AccessReason.AbovePartnerCeiling, AccessPolicy.MaySee(partnerPrincipal with { Partner = greenCeiling }, Marked(Tlp.Amber)).Reason);
        Assert.Equal(AccessReason.AbovePartnerCeiling, AccessPolicy.MaySee(partnerPrincipal with { Partner = greenCeiling }, Marked(Tlp.Red)).Reason);
        var elsewhere = new PartnerAgreement(Tlp.Red, new HashSet<Guid> { OtherCommunity });
        Assert.Equal(AccessReason.PartnerCommunityNotAllowed, AccessPolicy.MaySee(partnerPrincipal with { Partner = elsewhere }, Marked(Tlp.Green)).Reason);
        Assert.True(AccessPolicy.MaySee(partnerPrincipal with { Partner = elsewhere }, Marked(Tlp.Clear)).Allowed);
        var creatorAsPartner = User(Creator);
        Assert.False(AccessPolicy.MaySee(creatorAsPartner with { Partner = greenCeiling }, Marked(Tlp.Amber)).Allowed);
    }

    [Fact]
    public void Several_agreements_of_one_organisation_combine_to_the_lowest_ceiling_and_the_common_communities()
    {
        var amber = new PartnerAgreement(Tlp.Amber, new HashSet<Guid> { Community, OtherCommunity });
        var green = new PartnerAgreement(Tlp.Green, new HashSet<Guid> { Community });
        var combined = PartnerAgreement.Strictest([amber, green])!;
        Assert.Equal(Tlp.Green, combined.Ceiling);
        Assert.Equal(new HashSet<Guid> { Community }, combined.Communities);
        Assert.Null(PartnerAgreement.Strictest([]));
        var principal = User(Named, NamedUser, Community) with { Partner = combined };
        Assert.Equal(AccessReason.AbovePartnerCeiling, AccessPolicy.MaySee(principal, Marked(Tlp.Amber)).Reason);
        Assert.True(AccessPolicy.MaySee(principal, Marked(Tlp.Green)).Allowed);
    }

    [Fact]
    public void Resharing_follows_tlp_and_never_widens()
    {
        var sourceCommunities = new HashSet<Guid> { Community, OtherCommunity };
        var recipient = User(Member, null, Community, OtherCommunity);
        var lonely = User(Named);

        Assert.True(AccessPolicy.MayReshare(recipient, Marked(Tlp.Clear), ShareTarget.To(publicFeed: true), sourceCommunities).Allowed);
        Assert.True(AccessPolicy.MayReshare(recipient, Marked(Tlp.Green), ShareTarget.To([Community]), sourceCommunities).Allowed);
        Assert.True(AccessPolicy.MayReshare(recipient, Marked(Tlp.Green), ShareTarget.To([OtherCommunity]), sourceCommunities).Allowed);
        Assert.False(AccessPolicy.MayReshare(lonely, Marked(Tlp.Green), ShareTarget.To([OtherCommunity]), sourceCommunities).Allowed);
        Assert.False(AccessPolicy.MayReshare(recipient, Marked(Tlp.Green), ShareTarget.To([Guid.NewGuid()]), sourceCommunities).Allowed);
        Assert.False(AccessPolicy.MayReshare(recipient, Marked(Tlp.Green), ShareTarget.To(publicFeed: true), sourceCommunities).Allowed);

        Assert.True(AccessPolicy.MayReshare(lonely, Marked(Tlp.Amber), ShareTarget.To(organisations: [Named]), sourceCommunities).Allowed);
        Assert.Equal(AccessReason.ReshareToClientsByNotification,
            AccessPolicy.MayReshare(lonely, Marked(Tlp.Amber), ShareTarget.To(clientsByNotification: true), sourceCommunities).Reason);
        Assert.False(AccessPolicy.MayReshare(lonely, Marked(Tlp.AmberStrict), ShareTarget.To(clientsByNotification: true), sourceCommunities).Allowed);
        Assert.False(AccessPolicy.MayReshare(lonely, Marked(Tlp.Amber), ShareTarget.To([Community]), sourceCommunities).Allowed);
        Assert.False(AccessPolicy.MayReshare(lonely, Marked(Tlp.Amber), ShareTarget.To(organisations: [Outsider]), sourceCommunities).Allowed);

        Assert.Equal(AccessReason.ReshareRedNever,
            AccessPolicy.MayReshare(User(Named, NamedUser), Marked(Tlp.Red), ShareTarget.To(organisations: [Named]), sourceCommunities).Reason);
        Assert.Equal(AccessReason.ReshareByOutsider,
            AccessPolicy.MayReshare(User(Outsider), Marked(Tlp.Green), ShareTarget.To([Community]), sourceCommunities).Reason);
    }

    [Theory]
    [InlineData(Tlp.Amber, Tlp.Green, true, false)]
    [InlineData(Tlp.Amber, Tlp.Amber, true, true)]
    [InlineData(Tlp.Amber, Tlp.Red, true, true)]
    [InlineData(Tlp.Red, Tlp.Clear, false, true)]
    public void A_derived_object_keeps_at_least_the_marking_of_content_it_carries_verbatim(Tlp source, Tlp derived, bool verbatim, bool allowed) =>
        Assert.Equal(allowed, AccessPolicy.MayDerive(source, derived, verbatim).Allowed);

    [Fact]
    public void Tlp_marking_ids_round_trip()
    {
        foreach (var tlp in Enum.GetValues<Tlp>())
        {
            Assert.Equal(tlp, TlpMarkings.FromId(TlpMarkings.Id(tlp)));
        }

        Assert.Null(TlpMarkings.FromId("marking-definition--00000000-0000-4000-8000-000000000000"));
    }
}
