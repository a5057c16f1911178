using System.Numerics;

namespace Musubi.Core.Networks;

/// <summary>
/// Turns nested prefixes into disjoint ranges that cover the whole address space. Each range is given by its first
/// address and the index of the most specific prefix covering it (-1 where no prefix does); a range runs up to the
/// next range's start.
/// </summary>
internal static class RangeFlattener
{
    /// <summary>
    /// Prefixes never partly overlap: two are either disjoint or nested. Sorted by start and then length, a stack of
    /// the prefixes still open therefore always has the innermost one containing the current address on top.
    /// </summary>
    public static (T[] Starts, int[] Prefixes) Flatten<T>(FamilyPrefixes<T> prefixes)
        where T : struct, IBinaryInteger<T>, IUnsignedNumber<T>, IMinMaxValue<T>
    {
        var ranges = new RangeList<T>(prefixes.Count * 2 + 1);
        var open = new Stack<int>();
        ranges.Add(T.Zero, -1);

        for (int p = 0; p < prefixes.Count; p++)
        {
            T start = prefixes.Starts[p];
            while (open.Count > 0 && prefixes.Ends[open.Peek()] < start)
            {
                Close(prefixes, open, ranges);
            }

            ranges.Add(start, p);
            open.Push(p);
        }

        while (open.Count > 0)
        {
            Close(prefixes, open, ranges);
        }

        return ranges.ToArrays();
    }

    private static void Close<T>(FamilyPrefixes<T> prefixes, Stack<int> open, RangeList<T> ranges)
        where T : struct, IBinaryInteger<T>, IUnsignedNumber<T>, IMinMaxValue<T>
    {
        T end = prefixes.Ends[open.Pop()];
        if (end != T.MaxValue)
        {
            ranges.Add(end + T.One, open.Count > 0 ? open.Peek() : -1);
        }
    }

    private sealed class RangeList<T>(int capacity)
        where T : struct, IBinaryInteger<T>
    {
        private readonly List<T> _starts = new(capacity);
        private readonly List<int> _prefixes = new(capacity);

        /// <summary>
        /// A range added at the same start as the last one replaces it (it is more specific, or it is the parent
        /// taking over again); one that continues the same prefix extends the last range.
        /// </summary>
        public void Add(T start, int prefix)
        {
            int last = _starts.Count - 1;
            if (last >= 0 && _starts[last] == start)
            {
                _starts.RemoveAt(last);
                _prefixes.RemoveAt(last);
                last--;
            }

            if (last >= 0 && _prefixes[last] == prefix)
            {
                return;
            }

            _starts.Add(start);
            _prefixes.Add(prefix);
        }

        public (T[] Starts, int[] Prefixes) ToArrays() => ([.. _starts], [.. _prefixes]);
    }
}
