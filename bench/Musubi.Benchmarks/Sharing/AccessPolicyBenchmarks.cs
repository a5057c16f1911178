using BenchmarkDotNet.Attributes;
using Musubi.Core.Sharing;

namespace Musubi.Benchmarks.Sharing;

/// <summary>
/// Access-policy decisions per second (issue 3 target: 5,000,000/s on one core). A realistic mix: principals in a
/// few communities, objects of every TLP scoped to one to three communities and a couple of organisations. The
/// baseline is the same rule written the obvious way with LINQ, measured in the same run.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class AccessPolicyBenchmarks
{
    private const int Pairs = 4096;
    private Principal[] _principals = null!;
    private ObjectMarking[] _objects = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(20261125);
        var communities = Enumerable.Range(0, 40).Select(_ => Guid.NewGuid()).ToArray();
        var orgs = Enumerable.Range(0, 500).Select(_ => Guid.NewGuid()).ToArray();
        _principals = new Principal[Pairs];
        _objects = new ObjectMarking[Pairs];
        for (var i = 0; i < Pairs; i++)
        {
            var member = Enumerable.Range(0, random.Next(1, 5)).Select(_ => communities[random.Next(communities.Length)]).ToHashSet();
            _principals[i] = new Principal(Guid.NewGuid(), orgs[random.Next(orgs.Length)], member);
            var scope = SharingScope.Of(
                Enumerable.Range(0, random.Next(1, 4)).Select(_ => communities[random.Next(communities.Length)]),
                Enumerable.Range(0, random.Next(0, 3)).Select(_ => orgs[random.Next(orgs.Length)]),
                Enumerable.Range(0, random.Next(0, 2)).Select(_ => Guid.NewGuid()));
            _objects[i] = new ObjectMarking((Tlp)random.Next(5), orgs[random.Next(orgs.Length)], scope);
        }
    }

    [Benchmark(OperationsPerInvoke = Pairs)]
    public int Policy()
    {
        var allowed = 0;
        for (var i = 0; i < Pairs; i++)
        {
            if (AccessPolicy.MaySee(_principals[i], _objects[i]).Allowed)
            {
                allowed++;
            }
        }

        return allowed;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Pairs)]
    public int NaiveLinq()
    {
        var allowed = 0;
        for (var i = 0; i < Pairs; i++)
        {
            var p = _principals[i];
            var x = _objects[i];
            var ok = p.OrganisationId == x.CreatorOrganisation || x.Tlp switch
            {
                Tlp.Clear => true,
                Tlp.Red => x.Scope.Users.Contains(p.UserId!.Value),
                _ => x.Scope.Organisations.Contains(p.OrganisationId!.Value) || x.Scope.Communities.Intersect(p.Communities).Any(),
            };
            if (ok)
            {
                allowed++;
            }
        }

        return allowed;
    }
}
