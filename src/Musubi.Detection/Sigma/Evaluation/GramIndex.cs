using System.Numerics;
using System.Runtime.CompilerServices;

namespace Musubi.Detection.Sigma.Evaluation;

/// <summary>
/// Finds which of many 4-character grams occur in a text: one hash probe per character into a small open-addressing
/// table (a few hundred kilobytes, where a dense multi-literal automaton over thousands of literals would take
/// hundreds of megabytes and miss the cache on every character). Each literal is represented by one of its grams, so
/// a hit says "this literal may be present": enough for a prefilter, which only has to keep every true candidate.
/// </summary>
internal sealed class GramIndex
{
    /// <summary>The longest gram: literals at least this long are represented by a gram of this length.</summary>
    public const int MaxLength = 4;

    /// <summary>
    /// The shortest gram. Shorter literals are not prefiltered: each extra gram length would cost another probe per
    /// character of every scanned value, while the few rules with such literals (emoji lists, two-letter switches)
    /// are evaluated directly, their long 'contains' lists in one vectorised pass.
    /// </summary>
    public const int MinLength = 4;

    private readonly ulong[] keys;
    private readonly int[] values;
    private readonly int shift;

    /// <summary>
    /// One bit per pair of (low bytes of the) first two characters of some gram: 8 KB that stays in the L1 cache and
    /// rules out most positions before the hash table is touched.
    /// </summary>
    private readonly ulong[] firstPairs = new ulong[65536 / 64];

    /// <param name="length">The length of every gram, <see cref="MinLength"/> to <see cref="MaxLength"/>.</param>
    /// <param name="grams">Distinct grams; the value of gram i is <c>values[i]</c>.</param>
    /// <param name="gramValues">The value reported for each gram.</param>
    public GramIndex(int length, IReadOnlyList<string> grams, IReadOnlyList<int> gramValues)
    {
        Length = length;
        var capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, grams.Count * 2));
        keys = new ulong[capacity];
        values = new int[capacity];
        Array.Fill(values, -1);
        shift = 64 - BitOperations.Log2((uint)capacity);
        for (var i = 0; i < grams.Count; i++)
        {
            var key = Pack(grams[i]);
            var slot = Slot(key);
            while (values[slot] >= 0)
            {
                slot = (slot + 1) & (capacity - 1);
            }

            keys[slot] = key;
            values[slot] = gramValues[i];
            if (length >= 2)
            {
                var pair = Pair(grams[i][0], grams[i][1]);
                firstPairs[pair >> 6] |= 1UL << (pair & 63);
            }
        }
    }

    public int Length { get; }

    public int Count => values.Count(v => v >= 0);

    public static ulong Pack(ReadOnlySpan<char> gram)
    {
        ulong key = 0;
        foreach (var c in gram)
        {
            key = (key << 16) | c;
        }

        return key;
    }

    /// <summary>Adds the value of every gram occurring in <paramref name="text"/> (repeats possible) to <paramref name="hits"/>.</summary>
    public void Scan(ReadOnlySpan<char> text, List<int> hits)
    {
        if (text.Length < Length)
        {
            return;
        }

        var mask = keys.Length - 1;
        var keyMask = Length == 4 ? ulong.MaxValue : (1UL << (16 * Length)) - 1;
        ulong key = 0;
        for (var i = 0; i < text.Length; i++)
        {
            key = ((key << 16) | text[i]) & keyMask;
            if (i < Length - 1)
            {
                continue;
            }

            if (Length >= 2)
            {
                var pair = Pair(text[i - Length + 1], text[i - Length + 2]);
                if ((firstPairs[pair >> 6] & (1UL << (pair & 63))) == 0)
                {
                    continue;
                }
            }

            var slot = Slot(key);
            while (true)
            {
                var value = values[slot];
                if (value < 0)
                {
                    break;
                }

                if (keys[slot] == key)
                {
                    hits.Add(value);
                    break;
                }

                slot = (slot + 1) & mask;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Pair(char first, char second) => ((first & 0xFF) << 8) | (second & 0xFF);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Slot(ulong key) => (int)((key * 0x9E3779B97F4A7C15UL) >> shift);
}
