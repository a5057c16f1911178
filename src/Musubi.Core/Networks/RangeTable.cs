using System.Numerics;
using System.Runtime.CompilerServices;

namespace Musubi.Core.Networks;

/// <summary>
/// Sorted disjoint ranges with a direct-indexed table on the top address bits (16 once there are tens of thousands
/// of ranges; fewer for small sets so that a small index stays small). The table gives, for each bucket, the range
/// holding the bucket's first address, so a lookup searches only the ranges that start inside its own bucket: a few
/// steps of a branch-free binary search over a small window.
/// </summary>
internal sealed class RangeTable<T>
    where T : struct, IBinaryInteger<T>, IUnsignedNumber<T>
{
    private const int MaxBucketBits = 16;
    private static readonly int Width = Unsafe.SizeOf<T>() * 8;

    private readonly T[] _starts;
    private readonly int[] _owners;
    private readonly int[] _buckets;
    private readonly int _shift;

    /// <param name="starts">Ascending, the first one zero.</param>
    /// <param name="owners">The owner of each range, or -1.</param>
    public RangeTable(T[] starts, int[] owners)
    {
        _starts = starts;
        _owners = owners;
        int bucketBits = Math.Clamp(BitOperations.Log2((uint)starts.Length) + 1, 1, MaxBucketBits);
        _shift = Width - bucketBits;
        _buckets = BuildBuckets(starts, bucketBits, _shift);
    }

    public int Count => _starts.Length;

    internal ReadOnlySpan<T> Starts => _starts;

    internal ReadOnlySpan<int> Owners => _owners;

    public int OwnerOf(T address) => _owners[IndexOf(address)];

    /// <summary>The index of the range containing <paramref name="address"/>: the last one starting at or before it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int IndexOf(T address)
    {
        int bucket = int.CreateTruncating(address >>> _shift);
        int[] buckets = _buckets;
        int lo = buckets[bucket];
        int n = buckets[bucket + 1] - lo + 1;
        T[] starts = _starts;

        // Invariant: starts[lo] <= address and the answer lies in [lo, lo + n).
        while (n > 1)
        {
            int half = n >> 1;
            lo = starts[lo + half] <= address ? lo + half : lo;
            n -= half;
        }

        return lo;
    }

    private static int[] BuildBuckets(T[] starts, int bucketBits, int shift)
    {
        int bucketCount = 1 << bucketBits;
        var buckets = new int[bucketCount + 1];
        int range = 0;
        for (int bucket = 0; bucket < bucketCount; bucket++)
        {
            T first = T.CreateTruncating(bucket) << shift;
            while (range + 1 < starts.Length && starts[range + 1] <= first)
            {
                range++;
            }

            buckets[bucket] = range;
        }

        buckets[bucketCount] = starts.Length - 1;
        return buckets;
    }
}
