using CsCheck;
using Musubi.Core.Sharing;

namespace Musubi.Core.Tests.Sharing;

/// <summary>
/// Generated constituencies, objects, principals and partner agreements (10,000+ cases per property): the policy
/// agrees with a model written from the rules' text, and nothing ever reaches a principal outside its scope.
/// </summary>
public sealed class AccessPolicyPropertyTests
{
    private const int Cases = 12_000;

    /// <summary>A constituency: organisations with users, communities, who is a member of what.</summary>
    private sealed record World(Guid[] Orgs, Guid[] Communities, bool[,] Member, (Guid User, int Org)[] Users)
    {
        public IReadOnlySet<Guid> CommunitiesOf(int org) =>
            Enumerable.Range(0, Communities.Length).Where(c => Member[org, c]).Select(c => Communities[c]).ToHashSet();
    }

    private sealed record Case(World World, ObjectMarking Object, int PrincipalUser, PartnerAgreement? Partner)
    {
        public Principal Principal => PrincipalUser < 0
            ? Principal.Anonymous with { Partner = Partner }
            : new Principal(World.Users[PrincipalUser].User, World.Orgs[World.Users[PrincipalUser].Org], World.CommunitiesOf(World.Users[PrincipalUser].Org), Partner);
    }

    private static readonly Gen<World> Worlds =
        from orgCount in Gen.Int[1, 8]
        from communityCount in Gen.Int[0, 5]
        from member in Gen.Bool.Array[orgCount * communityCount]
        from usersPerOrg in Gen.Int[1, 3].Array[orgCount]
        select MakeWorld(orgCount, communityCount, member, usersPerOrg);

    private static readonly Gen<Case> Cases_ =
        from world in Worlds
        from tlp in Gen.Enum<Tlp>()
        from creator in Gen.Int[0, world.Orgs.Length - 1]
        from scopeCommunities in Gen.Bool.Array[world.Communities.Length]
        from scopeOrgs in Gen.Bool.Array[world.Orgs.Length]
        from scopeUsers in Gen.Bool.Array[world.Users.Length]
        from published in Gen.Bool
        from principal in Gen.Int[-1, world.Users.Length - 1]
        from hasPartner in Gen.Bool
        from ceiling in Gen.Enum<Tlp>()
        from partnerCommunities in Gen.Bool.Array[world.Communities.Length]
        select new Case(world,
            new ObjectMarking(tlp, world.Orgs[creator], SharingScope.Of(
                Pick(world.Communities, scopeCommunities), Pick(world.Orgs, scopeOrgs), Pick(world.Users.Select(u => u.User).ToArray(), scopeUsers)), published),
            principal,
            hasPartner ? new PartnerAgreement(ceiling, Pick(world.Communities, partnerCommunities).ToHashSet()) : null);

    private static World MakeWorld(int orgCount, int communityCount, bool[] member, int[] usersPerOrg)
    {
        var grid = new bool[orgCount, communityCount];
        for (var o = 0; o < orgCount; o++)
        {
            for (var c = 0; c < communityCount; c++)
            {
                grid[o, c] = member[(o * communityCount) + c];
            }
        }

        var users = usersPerOrg.SelectMany((n, org) => Enumerable.Range(0, n).Select(_ => (Guid.NewGuid(), org))).ToArray();
        return new World(NewIds(orgCount), NewIds(communityCount), grid, users);
    }

    private static Guid[] NewIds(int n) => Enumerable.Range(0, n).Select(_ => Guid.NewGuid()).ToArray();

    private static IEnumerable<Guid> Pick(Guid[] ids, bool[] chosen) => ids.Where((_, i) => chosen[i]);

    /// <summary>The rules as written in DESIGN.md, evaluated over the world's membership table, not the principal's sets.</summary>
    private static bool Model(Case c)
    {
        var x = c.Object;
        if (c.Partner is { } p && (x.Tlp > p.Ceiling || (x.Tlp != Tlp.Clear && !x.Scope.Communities.Any(p.Communities.Contains))))
        {
            return false;
        }

        if (c.PrincipalUser < 0)
        {
            return x.Tlp == Tlp.Clear && x.PublishedToPublicFeed;
        }

        var (user, orgIndex) = c.World.Users[c.PrincipalUser];
        var org = c.World.Orgs[orgIndex];
        if (org == x.CreatorOrganisation || x.Tlp == Tlp.Clear)
        {
            return true;
        }

        if (x.Tlp == Tlp.Red)
        {
            return x.Scope.Users.Contains(user);
        }

        var memberOfScopedCommunity = Enumerable.Range(0, c.World.Communities.Length)
            .Any(ci => c.World.Member[orgIndex, ci] && x.Scope.Communities.Contains(c.World.Communities[ci]));
        return x.Scope.Organisations.Contains(org) || memberOfScopedCommunity;
    }

    [Fact]
    public void The_policy_agrees_with_the_written_rules_on_generated_cases()
    {
        var count = 0;
        Cases_.Sample(c =>
        {
            Interlocked.Increment(ref count);
            return AccessPolicy.MaySee(c.Principal, c.Object).Allowed == Model(c);
        }, iter: Cases, threads: 1);
        Assert.True(count >= 10_000, $"only {count} cases ran");
    }

    [Fact]
    public void Nothing_reaches_a_principal_outside_its_scope()
    {
        Cases_.Sample(c =>
        {
            var decision = AccessPolicy.MaySee(c.Principal, c.Object);
            if (!decision.Allowed)
            {
                return true;
            }

            var p = c.Principal;
            var x = c.Object;
            var withinPartner = c.Partner is null || x.Tlp <= c.Partner.Ceiling;
            var inScope = x.Tlp == Tlp.Clear
                ? !p.IsAnonymous || x.PublishedToPublicFeed
                : !p.IsAnonymous && (p.OrganisationId == x.CreatorOrganisation
                    || (x.Tlp == Tlp.Red ? x.Scope.Users.Contains(p.UserId!.Value)
                        : x.Scope.Organisations.Contains(p.OrganisationId!.Value) || x.Scope.Communities.Overlaps(p.Communities)));
            return withinPartner && inScope;
        }, iter: Cases, threads: 1);
    }

    /// <summary>From CLEAR to AMBER+STRICT (RED is by named user, a different axis, checked by the model above).</summary>
    [Fact]
    public void A_stricter_marking_never_lets_more_principals_see_the_object()
    {
        Cases_.Sample(c =>
        {
            var p = c.Principal;
            for (var tlp = Tlp.Clear; tlp < Tlp.AmberStrict; tlp++)
            {
                var looser = AccessPolicy.MaySee(p, c.Object with { Tlp = tlp }).Allowed;
                var stricter = AccessPolicy.MaySee(p, c.Object with { Tlp = tlp + 1 }).Allowed;
                if (stricter && !looser)
                {
                    return false;
                }
            }

            return true;
        }, iter: Cases, threads: 1);
    }

    [Fact]
    public void Resharing_never_reaches_anyone_the_original_scope_and_tlp_exclude()
    {
        Cases_.Sample(c =>
        {
            var p = c.Principal;
            if (p.IsAnonymous)
            {
                return true;
            }

            var creatorIndex = Array.IndexOf(c.World.Orgs, c.Object.CreatorOrganisation);
            var source = c.World.CommunitiesOf(creatorIndex);
            foreach (var community in c.World.Communities)
            {
                var decision = AccessPolicy.MayReshare(p, c.Object, ShareTarget.To([community]), source);
                if (!decision.Allowed)
                {
                    continue;
                }

                var ok = c.Object.Tlp == Tlp.Clear
                    || (c.Object.Tlp == Tlp.Green && (c.Object.Scope.Communities.Contains(community)
                        || (p.Communities.Contains(community) && source.Contains(community))));
                if (!ok)
                {
                    return false;
                }
            }

            return !AccessPolicy.MayReshare(p, c.Object with { Tlp = Tlp.Red }, ShareTarget.To(organisations: [p.OrganisationId!.Value]), source).Allowed;
        }, iter: Cases, threads: 1);
    }

    /// <summary>
    /// The per-partner ceiling (issue 3): a principal whose organisation is a partner never sees an object above the
    /// agreement's ceiling, even as the object's creator, named organisation or member of every scoped community; and at
    /// or below the ceiling the agreement takes nothing away that the scope grants within the partner's communities.
    /// </summary>
    [Fact]
    public void A_partner_principal_never_sees_above_its_ceiling_and_keeps_what_the_scope_grants_at_or_below_it()
    {
        var count = 0;
        Cases_.Where(c => c.Partner is not null && c.PrincipalUser >= 0).Sample(c =>
        {
            Interlocked.Increment(ref count);
            var withPartner = AccessPolicy.MaySee(c.Principal, c.Object);
            var without = AccessPolicy.MaySee(c.Principal with { Partner = null }, c.Object);
            if (c.Object.Tlp > c.Partner!.Ceiling)
            {
                return !withPartner.Allowed && withPartner.Reason == AccessReason.AbovePartnerCeiling;
            }

            var inPartnerCommunities = c.Object.Tlp == Tlp.Clear || c.Object.Scope.Communities.Overlaps(c.Partner.Communities);
            return withPartner.Allowed == (without.Allowed && inPartnerCommunities);
        }, iter: Cases, threads: 1);
        Assert.True(count >= 1_000, $"only {count} partner cases ran");
    }

    /// <summary>Several agreements for one organisation combine to the strictest: whatever it lets through, each one does.</summary>
    [Fact]
    public void The_strictest_of_several_agreements_lets_nothing_through_that_any_one_of_them_refuses()
    {
        var gen = from c in Cases_
                  from ceiling in Gen.Enum<Tlp>()
                  from pick in Gen.Bool.Array[c.World.Communities.Length]
                  select (c, second: new PartnerAgreement(ceiling, Pick(c.World.Communities, pick).ToHashSet()));
        gen.Sample(x =>
        {
            var (c, second) = x;
            var first = c.Partner ?? new PartnerAgreement(Tlp.Red, c.World.Communities.ToHashSet());
            var strictest = PartnerAgreement.Strictest([first, second])!;
            var principal = c.Principal;
            if (!AccessPolicy.MaySee(principal with { Partner = strictest }, c.Object).Allowed)
            {
                return true;
            }

            return AccessPolicy.MaySee(principal with { Partner = first }, c.Object).Allowed
                && AccessPolicy.MaySee(principal with { Partner = second }, c.Object).Allowed;
        }, iter: Cases, threads: 1);
    }
}
