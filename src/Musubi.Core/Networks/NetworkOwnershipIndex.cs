using System.Net;
using System.Net.Sockets;

namespace Musubi.Core.Networks;

/// <summary>
/// Answers "who owns this address" by longest-prefix match over the constituency's IPv4 and IPv6 blocks.
/// Immutable once built and safe to share between threads. Lookups do not allocate. An IPv4-mapped IPv6 address
/// (::ffff:a.b.c.d) is looked up as the IPv4 address it carries.
/// </summary>
public sealed class NetworkOwnershipIndex
{
    private readonly FamilyIndex<uint> _v4;
    private readonly FamilyIndex<UInt128> _v6;

    private NetworkOwnershipIndex(FamilyIndex<uint> v4, FamilyIndex<UInt128> v6, IReadOnlyList<PrefixConflict> conflicts)
    {
        _v4 = v4;
        _v6 = v6;
        Conflicts = conflicts;
    }

    /// <summary>Claims by different owners on exactly the same block, in the input order of the losing claims.</summary>
    public IReadOnlyList<PrefixConflict> Conflicts { get; }

    /// <summary>Distinct blocks indexed, both families.</summary>
    public int PrefixCount => _v4.PrefixCount + _v6.PrefixCount;

    internal RangeTable<uint> V4Ranges => _v4.Ranges;

    /// <param name="claims">Owner handles are chosen by the caller and must not be negative.</param>
    /// <exception cref="ArgumentException">A claim has a default (uninitialised) prefix or a negative owner.</exception>
    public static NetworkOwnershipIndex Build(IEnumerable<(IpPrefix Prefix, int Owner)> claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var v4 = new List<PrefixClaim<uint>>();
        var v6 = new List<PrefixClaim<UInt128>>();
        int order = 0;
        foreach ((IpPrefix prefix, int owner) in claims)
        {
            if (owner < 0)
            {
                throw new ArgumentException($"Claim {order} ({prefix}) has a negative owner handle {owner}.", nameof(claims));
            }

            switch (prefix.Family)
            {
                case AddressFamily.InterNetwork:
                    v4.Add(new PrefixClaim<uint>((uint)prefix.Network, prefix.Length, owner, order));
                    break;
                case AddressFamily.InterNetworkV6:
                    v6.Add(new PrefixClaim<UInt128>(prefix.Network, prefix.Length, owner, order));
                    break;
                default:
                    throw new ArgumentException($"Claim {order} has an uninitialised prefix.", nameof(claims));
            }

            order++;
        }

        var conflicts = new List<(int Order, PrefixConflict Conflict)>();
        var v4Prefixes = FamilyPrefixes<uint>.FromClaims([.. v4], AddressFamily.InterNetwork, conflicts);
        var v6Prefixes = FamilyPrefixes<UInt128>.FromClaims([.. v6], AddressFamily.InterNetworkV6, conflicts);
        conflicts.Sort((a, b) => a.Order.CompareTo(b.Order));
        var reported = new PrefixConflict[conflicts.Count];
        for (int i = 0; i < reported.Length; i++)
        {
            reported[i] = conflicts[i].Conflict;
        }

        return new NetworkOwnershipIndex(
            new FamilyIndex<uint>(v4Prefixes, AddressFamily.InterNetwork),
            new FamilyIndex<UInt128>(v6Prefixes, AddressFamily.InterNetworkV6),
            Array.AsReadOnly(reported));
    }

    /// <returns>The owner handle, or -1 when no block contains the address.</returns>
    public int Lookup(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!AddressBits.TryRead(address, out AddressFamily family, out UInt128 value))
        {
            return -1;
        }

        return family == AddressFamily.InterNetwork ? LookupV4((uint)value) : _v6.Ranges.OwnerOf(value);
    }

    /// <param name="addressHostOrder">The address as a number, e.g. 192.0.2.1 is 0xC0000201.</param>
    /// <returns>The owner handle, or -1.</returns>
    public int LookupV4(uint addressHostOrder) => _v4.Ranges.OwnerOf(addressHostOrder);

    /// <returns>The owner handle, or -1.</returns>
    public int LookupV6(UInt128 address) =>
        AddressBits.IsMappedV4(address) ? LookupV4((uint)address) : _v6.Ranges.OwnerOf(address);

    /// <summary>Parses <paramref name="address"/> (strict dotted IPv4 or IPv6 text, no zone id) without allocating.</summary>
    /// <returns>False when the text is not an address; otherwise true, with <paramref name="owner"/> -1 if nobody owns it.</returns>
    public bool TryLookup(ReadOnlySpan<char> address, out int owner)
    {
        if (Ipv4Text.TryParse(address, out uint v4))
        {
            owner = LookupV4(v4);
            return true;
        }

        if (Ipv6Text.TryParse(address, out UInt128 v6))
        {
            owner = LookupV6(v6);
            return true;
        }

        owner = -1;
        return false;
    }

    /// <summary>The most specific block containing the address and its owner, or null.</summary>
    public (IpPrefix Prefix, int Owner)? LookupPrefix(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!AddressBits.TryRead(address, out AddressFamily family, out UInt128 value))
        {
            return null;
        }

        return family == AddressFamily.InterNetwork ? _v4.MatchOf((uint)value) : _v6.MatchOf(value);
    }
}
