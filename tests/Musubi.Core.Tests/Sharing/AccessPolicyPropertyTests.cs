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
            ? Principal.Anonymous
            : new Principal(World.Users[PrincipalUser].User, World.Orgs[World.Users[PrincipalUser].Org], World.CommunitiesOf(World.Users[PrincipalUser].Org));
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
            return AccessPolicy.MaySee(c.Principal, c.Object, c.Partner).Allowed == Model(c);
        }, iter: Cases, threads: 1);
        Assert.True(count >= 10_000, $"only {count} cases ran");
    }

    [Fact]
    public void Nothing_reaches_a_principal_outside_its_scope()
    {
        Cases_.Sample(c =>
        {
            var decision = AccessPolicy.MaySee(c.Principal, c.Object, c.Partner);
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
                var looser = AccessPolicy.MaySee(p, c.Object with { Tlp = tlp }, c.Partner).Allowed;
                var stricter = AccessPolicy.MaySee(p, c.Object with { Tlp = tlp + 1 }, c.Partner).Allowed;
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
}
