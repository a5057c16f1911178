using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Musubi.Core.Networks;

namespace Musubi.Benchmarks.Networks;

/// <summary>How long loading the whole constituency takes: building the index from 1,000,000 IPv4 claims.</summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
public class NetworkOwnershipBuildBenchmarks
{
    private (IpPrefix Prefix, int Owner)[] _claims = null!;

    [GlobalSetup]
    public void Setup() =>
        _claims = OwnershipData.Claims(NetworkOwnershipLookupBenchmarks.PrefixCount, owners: 50_000, new Random(OwnershipData.Seed));

    [Benchmark(Description = "NetworkOwnershipIndex.Build, 1M IPv4 claims")]
    public int Build() => NetworkOwnershipIndex.Build(_claims).PrefixCount;
}
