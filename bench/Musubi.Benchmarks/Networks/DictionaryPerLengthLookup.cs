using Musubi.Core.Networks;

namespace Musubi.Benchmarks.Networks;

/// <summary>
/// The textbook baseline: one hash table per prefix length, probed from /32 down to /0 until a block matches.
/// </summary>
public sealed class DictionaryPerLengthLookup
{
    private readonly Dictionary<uint, int>?[] _byLength = new Dictionary<uint, int>?[33];

    public DictionaryPerLengthLookup(IEnumerable<(IpPrefix Prefix, int Owner)> claims)
    {
        foreach ((IpPrefix prefix, int owner) in claims)
        {
            if (prefix.IsIPv4)
            {
                (_byLength[prefix.Length] ??= []).TryAdd((uint)prefix.Network, owner);
            }
        }
    }

    public int Lookup(uint address)
    {
        for (int length = 32; length >= 0; length--)
        {
            Dictionary<uint, int>? table = _byLength[length];
            if (table is null)
            {
                continue;
            }

            uint network = length == 0 ? 0 : address & (uint.MaxValue << (32 - length));
            if (table.TryGetValue(network, out int owner))
            {
                return owner;
            }
        }

        return -1;
    }
}
