using Musubi.Core.Networks;

namespace Musubi.Benchmarks.Networks;

/// <summary>
/// A synthetic but routing-table-like IPv4 constituency: mostly /24s, some short aggregates, a tail of small
/// customer blocks, and about a third of all blocks carved out of an earlier one so that nesting is common.
/// </summary>
public static class OwnershipData
{
    public const int Seed = 20_251_125;

    // (cumulative percentage, shortest length, longest length)
    private static readonly (int UpTo, int Min, int Max)[] LengthMix =
    [
        (1, 8, 15),
        (4, 16, 16),
        (14, 17, 21),
        (24, 22, 22),
        (34, 23, 23),
        (84, 24, 24),
        (94, 25, 29),
        (100, 30, 32),
    ];

    public static (IpPrefix Prefix, int Owner)[] Claims(int count, int owners, Random random)
    {
        var claims = new (IpPrefix Prefix, int Owner)[count];
        for (int i = 0; i < count; i++)
        {
            IpPrefix prefix = i > 0 && random.Next(3) == 0
                ? CarveFrom(claims[random.Next(i)].Prefix, random)
                : RandomPrefix(RandomLength(random), random);
            claims[i] = (prefix, random.Next(owners));
        }

        return claims;
    }

    /// <summary>Half inside a claimed block, half anywhere, in random order.</summary>
    public static uint[] Addresses(int count, (IpPrefix Prefix, int Owner)[] claims, Random random)
    {
        var addresses = new uint[count];
        for (int i = 0; i < count; i++)
        {
            if (random.Next(2) == 0)
            {
                IpPrefix block = claims[random.Next(claims.Length)].Prefix;
                addresses[i] = (uint)block.Network | (RandomUInt(random) & HostMask(block.Length));
            }
            else
            {
                addresses[i] = RandomUInt(random);
            }
        }

        return addresses;
    }

    private static IpPrefix CarveFrom(IpPrefix parent, Random random)
    {
        if (parent.Length == 32)
        {
            return parent;
        }

        int length = random.Next(parent.Length + 1, Math.Min(parent.Length + 8, 32) + 1);
        uint network = (uint)parent.Network | (RandomUInt(random) & HostMask(parent.Length) & ~HostMask(length));
        return IpPrefix.V4(network, length);
    }

    private static IpPrefix RandomPrefix(int length, Random random) => IpPrefix.V4(RandomUInt(random) & ~HostMask(length), length);

    private static int RandomLength(Random random)
    {
        int roll = random.Next(100);
        foreach ((int upTo, int min, int max) in LengthMix)
        {
            if (roll < upTo)
            {
                return random.Next(min, max + 1);
            }
        }

        return 24;
    }

    private static uint HostMask(int length) => length == 32 ? 0 : uint.MaxValue >> length;

    private static uint RandomUInt(Random random) => (uint)random.NextInt64(0, 1L << 32);
}
