using BenchmarkDotNet.Attributes;
using Musubi.Core.Networks;

namespace Musubi.Benchmarks.Networks;

/// <summary>IPv4 lookups against 1,000,000 claimed blocks; every figure is per lookup (Op/s = lookups per second).</summary>
[ShortRunJob]
[MemoryDiagnoser]
[OperationsPerSecond]
public class NetworkOwnershipLookupBenchmarks
{
    public const int PrefixCount = 1_000_000;
    public const int Lookups = 1_000_000;

    private NetworkOwnershipIndex _index = null!;
    private DictionaryPerLengthLookup _naive = null!;
    private uint[] _rangeStarts = null!;
    private int[] _rangeOwners = null!;
    private uint[] _addresses = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(OwnershipData.Seed);
        (IpPrefix Prefix, int Owner)[] claims = OwnershipData.Claims(PrefixCount, owners: 50_000, random);
        _addresses = OwnershipData.Addresses(Lookups, claims, random);
        _index = NetworkOwnershipIndex.Build(claims);
        _naive = new DictionaryPerLengthLookup(claims);
        _rangeStarts = _index.V4Ranges.Starts.ToArray();
        _rangeOwners = _index.V4Ranges.Owners.ToArray();
        CheckAgreement();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Lookups, Description = "Dictionary per prefix length (naive)")]
    public int DictionaryPerLength()
    {
        int sum = 0;
        foreach (uint address in _addresses)
        {
            sum += _naive.Lookup(address);
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Lookups, Description = "Binary search over all ranges, no top-16 table")]
    public int PlainBinarySearch()
    {
        int sum = 0;
        foreach (uint address in _addresses)
        {
            sum += LookupWithoutBuckets(address);
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Lookups, Description = "NetworkOwnershipIndex.LookupV4")]
    public int OwnershipIndex()
    {
        int sum = 0;
        NetworkOwnershipIndex index = _index;
        foreach (uint address in _addresses)
        {
            sum += index.LookupV4(address);
        }

        return sum;
    }

    private int LookupWithoutBuckets(uint address)
    {
        int found = Array.BinarySearch(_rangeStarts, address);
        return _rangeOwners[found >= 0 ? found : ~found - 1];
    }

    private void CheckAgreement()
    {
        for (int i = 0; i < 100_000; i++)
        {
            uint address = _addresses[i];
            int expected = _naive.Lookup(address);
            if (_index.LookupV4(address) != expected || LookupWithoutBuckets(address) != expected)
            {
                throw new InvalidOperationException($"Lookups disagree at address {address:X8}.");
            }
        }
    }
}
