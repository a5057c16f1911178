using System.Net;
using System.Net.Sockets;
using CsCheck;
using Musubi.Core.Networks;
using Xunit;

namespace Musubi.Core.Tests.Networks;

/// <summary>The index must agree with a naive linear longest-prefix match on arbitrary prefix sets and addresses.</summary>
public sealed class LongestPrefixMatchProperties
{
    private const int Iterations = 3000;

    // Prefixes are cut from a few random "base" addresses at random lengths, so they nest, touch and repeat often.
    private static readonly Gen<(IpPrefix Prefix, int Owner)[]> V4Claims =
        from bases in Gen.UInt.Array[1, 6]
        from picks in Gen.Select(Gen.Int[0, 5], Gen.Int[0, 32], Gen.Int[0, 4]).Array[0, 40]
        select picks.Select(p => (Prefix(AddressFamily.InterNetwork, bases[p.Item1 % bases.Length], p.Item2), p.Item3)).ToArray();

    private static readonly Gen<(IpPrefix Prefix, int Owner)[]> V6Claims =
        from bases in Gen.UInt128.Array[1, 6]
        from picks in Gen.Select(Gen.Int[0, 5], Gen.Int[0, 128], Gen.Int[0, 4]).Array[0, 40]
        select picks.Select(p => (Prefix(AddressFamily.InterNetworkV6, bases[p.Item1 % bases.Length], p.Item2), p.Item3)).ToArray();

    [Fact]
    public void IPv4_lookups_match_a_naive_longest_prefix_search() =>
        Gen.Select(V4Claims, Gen.UInt.Array[1, 30]).Sample(
            (claims, randoms) => AssertAgreesWithNaive(claims, randoms.Select(r => (UInt128)r), uint.MaxValue),
            iter: Iterations,
            writeLine: TestContext.Current.TestOutputHelper!.WriteLine,
            print: Print);

    [Fact]
    public void IPv6_lookups_match_a_naive_longest_prefix_search() =>
        Gen.Select(V6Claims, Gen.UInt128.Array[1, 30]).Sample(
            (claims, randoms) => AssertAgreesWithNaive(claims, randoms, UInt128.MaxValue),
            iter: Iterations,
            writeLine: TestContext.Current.TestOutputHelper!.WriteLine,
            print: Print);

    private static IpPrefix Prefix(AddressFamily family, UInt128 address, int length)
    {
        int max = family == AddressFamily.InterNetwork ? 32 : 128;
        UInt128 networkBits = length == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - length);
        return new IpPrefix(family, (address << (128 - max) & networkBits) >> (128 - max), length);
    }

    private static void AssertAgreesWithNaive((IpPrefix Prefix, int Owner)[] claims, IEnumerable<UInt128> randoms, UInt128 max)
    {
        var index = NetworkOwnershipIndex.Build(claims);
        var probes = new List<UInt128>(randoms) { UInt128.Zero, max };
        foreach ((IpPrefix prefix, _) in claims)
        {
            probes.Add(prefix.Network);
            probes.Add(prefix.Last);
            if (prefix.Network > 0)
            {
                probes.Add(prefix.Network - 1);
            }

            if (prefix.Last < max)
            {
                probes.Add(prefix.Last + 1);
            }
        }

        bool v4 = max == uint.MaxValue;
        foreach (UInt128 probe in probes)
        {
            // IPv4-mapped IPv6 addresses are answered from the IPv4 blocks; a unit test covers them.
            if (!v4 && (probe >> 32) == 0xFFFF)
            {
                continue;
            }

            (IpPrefix Prefix, int Owner)? expected = NaiveMatch(claims, probe);
            int actual = v4 ? index.LookupV4((uint)probe) : index.LookupV6(probe);
            Assert.Equal(expected?.Owner ?? -1, actual);
            Assert.Equal(expected, index.LookupPrefix(ToAddress(probe, v4 ? 4 : 16)));
        }
    }

    private static (IpPrefix Prefix, int Owner)? NaiveMatch((IpPrefix Prefix, int Owner)[] claims, UInt128 address)
    {
        (IpPrefix Prefix, int Owner)? best = null;
        foreach ((IpPrefix prefix, int owner) in claims)
        {
            bool inside = address >= prefix.Network && address <= prefix.Last;
            if (inside && (best is null || prefix.Length > best.Value.Prefix.Length))
            {
                best = (prefix, owner);
            }
        }

        return best;
    }

    private static IPAddress ToAddress(UInt128 value, int bytes)
    {
        var buffer = new byte[bytes];
        for (int i = 0; i < bytes; i++)
        {
            buffer[bytes - 1 - i] = (byte)(value >> (8 * i));
        }

        return new IPAddress(buffer);
    }

    private static string Print(((IpPrefix Prefix, int Owner)[] Claims, uint[] Randoms) sample) =>
        $"claims: {string.Join(", ", sample.Claims.Select(c => $"{c.Prefix}=>{c.Owner}"))}; probes: {string.Join(", ", sample.Randoms)}";

    private static string Print(((IpPrefix Prefix, int Owner)[] Claims, UInt128[] Randoms) sample) =>
        $"claims: {string.Join(", ", sample.Claims.Select(c => $"{c.Prefix}=>{c.Owner}"))}; probes: {string.Join(", ", sample.Randoms)}";
}
