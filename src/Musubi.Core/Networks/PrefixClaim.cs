using System.Numerics;

namespace Musubi.Core.Networks;

/// <summary>One input claim of one address family, ordered by start, then length (parents first), then input order.</summary>
internal readonly record struct PrefixClaim<T>(T Start, int Length, int Owner, int Order) : IComparable<PrefixClaim<T>>
    where T : struct, IBinaryInteger<T>, IUnsignedNumber<T>
{
    public int CompareTo(PrefixClaim<T> other)
    {
        int byStart = Start.CompareTo(other.Start);
        if (byStart != 0)
        {
            return byStart;
        }

        return Length != other.Length ? Length.CompareTo(other.Length) : Order.CompareTo(other.Order);
    }
}
