using System.Net.Sockets;
using CsCheck;
using Musubi.Core.Networks;
using Xunit;

namespace Musubi.Core.Tests.Networks;

/// <summary>
/// Sets big enough for the full 16-bit bucket table, checked against a hash table per prefix length probed from the
/// longest length down: a different algorithm with the same answers.
/// </summary>
public sealed class LargePrefixSetProperties
{
    private const int Claims = 40_000;

    [Fact]
    public void Large_IPv4_sets_match_a_per_length_hash_table_search() =>
        Gen.Select(Gen.UInt.Array[2_000], Gen.Int[0, 1_999].Array[Claims], Gen.Int[0, 32].Array[Claims], Gen.UInt.Array[5_000])
            .Sample(
                (bases, picks, lengths, probes) => AssertAgrees(
                    AddressFamily.InterNetwork, 32, [.. bases.Select(b => (UInt128)b)], picks, lengths, [.. probes.Select(p => (UInt128)p)]),
                iter: 10,
                writeLine: TestContext.Current.TestOutputHelper!.WriteLine,
                print: _ => "(large sample)");

    [Fact]
    public void Large_IPv6_sets_match_a_per_length_hash_table_search() =>
        Gen.Select(Gen.UInt128.Array[2_000], Gen.Int[0, 1_999].Array[Claims], Gen.Int[0, 128].Array[Claims], Gen.UInt128.Array[5_000])
            .Sample(
                (bases, picks, lengths, probes) => AssertAgrees(AddressFamily.InterNetworkV6, 128, bases, picks, lengths, probes),
                iter: 10,
                writeLine: TestContext.Current.TestOutputHelper!.WriteLine,
                print: _ => "(large sample)");

    private static void AssertAgrees(
        AddressFamily family, int width, UInt128[] bases, int[] picks, int[] lengths, UInt128[] randomProbes)
    {
        var claims = new (IpPrefix Prefix, int Owner)[picks.Length];
        var byLength = new Dictionary<UInt128, int>[width + 1];
        for (int i = 0; i < claims.Length; i++)
        {
            int length = lengths[i];
            UInt128 network = bases[picks[i]] & NetworkMask(width, length);
            claims[i] = (new IpPrefix(family, network, length), i % 997);
            (byLength[length] ??= []).TryAdd(network, claims[i].Owner);
        }

        var index = NetworkOwnershipIndex.Build(claims);
        var probes = new List<UInt128>(randomProbes);
        foreach (UInt128 b in bases)
        {
            probes.Add(b);
            probes.Add(b + 1);
            probes.Add(b - 1);
        }

        var ownersSeen = new HashSet<int>();
        foreach (UInt128 probe in probes)
        {
            UInt128 address = probe & NetworkMask(width, width);
            if (family == AddressFamily.InterNetworkV6 && (address >> 32) == 0xFFFF)
            {
                continue;
            }

            int expected = -1;
            for (int length = width; length >= 0 && expected < 0; length--)
            {
                if (byLength[length] is { } table && table.TryGetValue(address & NetworkMask(width, length), out int owner))
                {
                    expected = owner;
                }
            }

            int actual = family == AddressFamily.InterNetwork ? index.LookupV4((uint)address) : index.LookupV6(address);
            Assert.Equal(expected, actual);
            ownersSeen.Add(actual);
        }

        // Guards the test itself: most probes must land in specific blocks, not all in one short prefix.
        Assert.True(ownersSeen.Count > 500, $"only {ownersSeen.Count} distinct answers");
    }

    private static UInt128 NetworkMask(int width, int length)
    {
        // Shifts wrap at the type width, so /0 and the full length are spelled out.
        UInt128 all = width == 32 ? uint.MaxValue : UInt128.MaxValue;
        return length switch
        {
            0 => UInt128.Zero,
            _ when length == width => all,
            _ => all & ~(all >> length),
        };
    }
}
