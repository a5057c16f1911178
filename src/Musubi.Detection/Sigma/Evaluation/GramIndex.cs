using System.Numerics;
using System.Runtime.CompilerServices;

namespace Musubi.Detection.Sigma.Evaluation;

/// <summary>
/// Finds which of many 4-character grams occur in a text: one hash probe per character into a small open-addressing
/// table (a few hundred kilobytes, where a dense multi-literal automaton over thousands of literals would take
/// hundreds of megabytes and miss the cache on every character). Each literal is represented by one of its grams, so
/// a hit of a gram is then checked against the literals it represents, at the gram's offset in each, so that a literal
/// is reported only where it occurs in full (a gram of a hash or a path alone occurs in many values where the literal
/// does not).
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

    // The literals of gram g are [literalStarts[g], literalStarts[g + 1]) of these.
    private readonly int[] literalStarts;
    private readonly string[] literals;
    private readonly int[] literalOffsets;
    private readonly int[] literalValues;
    private readonly bool verify;

    /// <summary>
    /// One bit per 16-bit hash of some gram (the top bits of the same product that picks the gram's slot): 8 KB that
    /// stays in the L1 cache and, with a few thousand grams, rules out about 19 positions in 20 before the hash table
    /// is touched. (A bitmap of the grams' first two characters, tried before, let most positions of ordinary text
    /// through: a few thousand grams cover most common character pairs.)
    /// </summary>
    private readonly ulong[] filter = new ulong[65536 / 64];

    /// <param name="length">The length of every gram, <see cref="MinLength"/> to <see cref="MaxLength"/>.</param>
    /// <param name="grams">Distinct grams.</param>
    /// <param name="gramLiterals">
    /// For each gram, the literals it represents: the literal, where the gram starts in it, and the value reported
    /// when the literal is found.
    /// </param>
    /// <param name="verify">Whether a gram's hit is checked against its literals (off only to measure the difference).</param>
    public GramIndex(int length, IReadOnlyList<string> grams, IReadOnlyList<(string Literal, int Offset, int Value)[]> gramLiterals, bool verify = true)
    {
        Length = length;
        this.verify = verify;
        literalStarts = new int[grams.Count + 1];
        var flat = gramLiterals.SelectMany(l => l).ToArray();
        literals = flat.Select(l => l.Literal).ToArray();
        literalOffsets = flat.Select(l => l.Offset).ToArray();
        literalValues = flat.Select(l => l.Value).ToArray();
        for (var g = 0; g < grams.Count; g++)
        {
            literalStarts[g + 1] = literalStarts[g] + gramLiterals[g].Length;
        }

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
            values[slot] = i;
            var bit = FilterBit(Hash(key));
            filter[bit >> 6] |= 1UL << (bit & 63);
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

    /// <summary>
    /// Adds the value of every literal occurring in <paramref name="text"/> (repeats possible) to <paramref name="hits"/>.
    /// Without <paramref name="check"/>, every literal of a gram found is reported (for text with non-ASCII characters,
    /// which case-insensitive matching may equate with ASCII letters that lower-casing leaves apart, e.g. U+017F and s).
    /// </summary>
    public void Scan(ReadOnlySpan<char> text, List<int> hits, bool check = true)
    {
        if (text.Length < Length)
        {
            return;
        }

        var mask = keys.Length - 1;
        var keyMask = Length == 4 ? ulong.MaxValue : (1UL << (16 * Length)) - 1;
        var filter = this.filter;
        ulong key = 0;
        for (var i = 0; i < Length - 1; i++)
        {
            key = (key << 16) | text[i];
        }

        for (var i = Length - 1; i < text.Length; i++)
        {
            key = ((key << 16) | text[i]) & keyMask;
            var hash = Hash(key);
            var bit = FilterBit(hash);
            if ((filter[bit >> 6] & (1UL << (bit & 63))) == 0)
            {
                continue;
            }

            var slot = (int)(hash >> shift);
            while (true)
            {
                var value = values[slot];
                if (value < 0)
                {
                    break;
                }

                if (keys[slot] == key)
                {
                    Report(value, text, i - Length + 1, hits, check);
                    break;
                }

                slot = (slot + 1) & mask;
            }
        }
    }

    /// <summary>Reports the literals of gram <paramref name="gram"/> that occur around its hit at <paramref name="at"/>.</summary>
    private void Report(int gram, ReadOnlySpan<char> text, int at, List<int> hits, bool check)
    {
        var end = literalStarts[gram + 1];
        for (var k = literalStarts[gram]; k < end; k++)
        {
            var literal = literals[k];
            if (verify && check && literal.Length != Length)
            {
                var start = at - literalOffsets[k];
                if (start < 0 || start + literal.Length > text.Length || !text.Slice(start, literal.Length).SequenceEqual(literal))
                {
                    continue;
                }
            }

            hits.Add(literalValues[k]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Hash(ulong key) => key * 0x9E3779B97F4A7C15UL;

    /// <summary>
    /// The filter's bit: the top 16 bits of the hash, the only ones that depend on every character of the gram
    /// (<see cref="Slot"/> uses the top bits too, fewer of them).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int FilterBit(ulong hash) => (int)(hash >> 48);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Slot(ulong key) => (int)(Hash(key) >> shift);
}
