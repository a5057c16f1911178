using System.Net.Sockets;
using System.Numerics;

namespace Musubi.Core.Networks;

/// <summary>The lookup structure of one address family: flattened ranges plus what is needed to name the matching block.</summary>
internal sealed class FamilyIndex<T>
    where T : struct, IBinaryInteger<T>, IUnsignedNumber<T>, IMinMaxValue<T>
{
    private readonly FamilyPrefixes<T> _prefixes;
    private readonly int[] _rangePrefixes;
    private readonly AddressFamily _family;

    public FamilyIndex(FamilyPrefixes<T> prefixes, AddressFamily family)
    {
        _prefixes = prefixes;
        _family = family;
        (T[] starts, _rangePrefixes) = RangeFlattener.Flatten(prefixes);
        var owners = new int[starts.Length];
        for (int r = 0; r < owners.Length; r++)
        {
            int prefix = _rangePrefixes[r];
            owners[r] = prefix < 0 ? -1 : prefixes.Owners[prefix];
        }

        Ranges = new RangeTable<T>(starts, owners);
    }

    public RangeTable<T> Ranges { get; }

    public int PrefixCount => _prefixes.Count;

    public (IpPrefix Prefix, int Owner)? MatchOf(T address)
    {
        int prefix = _rangePrefixes[Ranges.IndexOf(address)];
        return prefix < 0 ? null : (_prefixes.ToPrefix(prefix, _family), _prefixes.Owners[prefix]);
    }
}
