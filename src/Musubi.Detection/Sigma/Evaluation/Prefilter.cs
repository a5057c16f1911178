using System.Buffers;
using Musubi.Detection.Events;

namespace Musubi.Detection.Sigma.Evaluation;

/// <summary>
/// Selects the rule variants of a route group that can possibly match an event. A variant's condition gives
/// necessary clauses (<see cref="Node.Anchors"/>): each clause is a set of literals of which one must occur in a
/// given field. Each literal is represented by its rarest 4-character gram (rarest among the group's literals);
/// <see cref="GramIndex"/> passes over each field's lower-cased values find the grams present and check each hit
/// against the literals the gram represents, and a variant is a
/// candidate only when each of its clauses (up to <see cref="MaxClauses"/>, the most selective) saw one. A clause
/// over all values (keyword searches) is not checked here: scanning every value of every event would cost more than
/// the few keyword rules it would skip. Variants left without clauses are always candidates. The result is the same as evaluating every variant.
/// </summary>
internal sealed class Prefilter
{
    public const int MaxClauses = 8;

    private readonly int[] always;
    private readonly FieldScanner[] scanners;
    private readonly byte[] required;

    private Prefilter(int[] always, FieldScanner[] scanners, byte[] required)
    {
        this.always = always;
        this.scanners = scanners;
        this.required = required;
    }

    public int UnanchoredCount => always.Length;

    /// <summary>The variants (indexes into the group's) that are always candidates (for diagnostics).</summary>
    public IReadOnlyList<int> Always => always;

    /// <summary>Per scanned field: the field id and the number of grams (for diagnostics).</summary>
    public IEnumerable<(int Field, int Grams)> Scanners => scanners.Select(s => (s.Field, s.Owners.Length));

    /// <param name="shortLiterals">Whether rules without long literals are anchored by short or non-ASCII ones.</param>
    /// <param name="verify">Whether a gram's hit is checked against its literals (<see cref="GramIndex"/>).</param>
    public static Prefilter Build(IReadOnlyList<CompiledVariant> variants, bool shortLiterals = true, bool verify = true)
    {
        var always = new List<int>();
        var required = new byte[variants.Count];
        var byField = new Dictionary<int, Dictionary<string, List<(int Variant, byte Bit)>>>();
        for (var i = 0; i < variants.Count; i++)
        {
            var clauses = variants[i].Root.Anchors();
            if (clauses is null || clauses.Count == 0)
            {
                always.Add(i);
                continue;
            }

            // Clauses of long literals (found by their grams) when the rule has any; otherwise clauses of short
            // literals too (found by one vectorised search per field, or by the field's having non-ASCII text at all).
            var chosen = clauses
                .Where(c => c.All(a => a.Literal.Length >= GramIndex.MinLength && a.Field != Anchor.AnyField))
                .OrderByDescending(Node.Score)
                .Take(MaxClauses)
                .ToList();
            if (chosen.Count == 0 && shortLiterals)
            {
                chosen = clauses
                    .Where(c => c.All(a => a.Field != Anchor.AnyField && (a.Literal.Length >= GramIndex.MinLength || IsShort(a.Literal) || IsNonAscii(a.Literal))))
                    .OrderByDescending(Node.Score)
                    .Take(MaxClauses)
                    .ToList();
            }

            if (chosen.Count == 0)
            {
                always.Add(i);
                continue;
            }

            for (var c = 0; c < chosen.Count; c++)
            {
                var bit = (byte)(1 << c);
                required[i] |= bit;
                foreach (var anchor in chosen[c].Distinct())
                {
                    if (!byField.TryGetValue(anchor.Field, out var literals))
                    {
                        byField[anchor.Field] = literals = new Dictionary<string, List<(int, byte)>>(StringComparer.Ordinal);
                    }

                    if (!literals.TryGetValue(anchor.Literal, out var owners))
                    {
                        literals[anchor.Literal] = owners = [];
                    }

                    owners.Add((i, bit));
                }
            }
        }

        var scanners = byField.Select(p => new FieldScanner(p.Key, p.Value, verify)).ToArray();
        return new Prefilter(always.ToArray(), scanners, required);
    }

    /// <summary>An ASCII literal too short for a gram but long enough to be rare: found by <see cref="FieldScanner.ShortSearch"/>.</summary>
    internal static bool IsShort(string literal) =>
        literal.Length is >= ShortMinLength and < GramIndex.MinLength && !IsNonAscii(literal);

    /// <summary>
    /// A literal with a character outside ASCII: a lower-cased value holding it holds a non-ASCII character, which
    /// one vectorised test of the value tells (emoji, look-alike letters and other Unicode tricks are rare in events).
    /// </summary>
    internal static bool IsNonAscii(string literal) => literal.AsSpan().ContainsAnyExceptInRange('\0', '\u007f');

    /// <summary>Shorter ASCII literals (a lone backslash or quote) occur in nearly every value: not worth a search.</summary>
    private const int ShortMinLength = 2;

    /// <summary>Adds the indexes (into the group's variants) of the candidates, each once, in ascending order.</summary>
    public void Collect(EventFrame frame, MatchScratch scratch, List<int> candidates)
    {
        candidates.AddRange(always);
        var generation = scratch.NextGeneration();
        var stamps = scratch.Seen;
        var masks = scratch.Masks;
        var hits = scratch.Hits;
        foreach (var scanner in scanners)
        {
            for (var entry = frame.First(scanner.Field); entry >= 0; entry = frame.Next(entry))
            {
                Scan(scanner, frame, entry, hits, stamps, masks, generation, candidates);
            }
        }

        candidates.Sort();
    }

    private void Scan(FieldScanner scanner, EventFrame frame, int entry, List<int> hits, int[] stamps, byte[] masks, int generation, List<int> candidates)
    {
        if (frame.Kind(entry) == EventValueKind.Null)
        {
            return;
        }

        hits.Clear();
        var text = frame.Lower(entry);
        var nonAscii = text.ContainsAnyExceptInRange('\0', '\u007f');
        foreach (var index in scanner.Indexes)
        {
            index.Scan(text, hits, check: !nonAscii);
        }

        if (scanner.ShortSearch is { } search)
        {
            var shorts = scanner.ShortLiterals;
            for (var at = text.IndexOfAny(search); at >= 0;)
            {
                var rest = text[at..];
                for (var k = 0; k < shorts.Length; k++)
                {
                    if (rest.StartsWith(shorts[k], StringComparison.Ordinal))
                    {
                        hits.Add(scanner.ShortValues[k]);
                    }
                }

                var next = text[(at + 1)..].IndexOfAny(search);
                at = next < 0 ? -1 : at + 1 + next;
            }
        }

        if (scanner.NonAsciiValue >= 0 && nonAscii)
        {
            hits.Add(scanner.NonAsciiValue);
        }

        foreach (var literal in hits)
        {
            foreach (var (variant, bit) in scanner.Owners[literal])
            {
                if (stamps[variant] != generation)
                {
                    stamps[variant] = generation;
                    masks[variant] = 0;
                }

                var before = masks[variant];
                var after = (byte)(before | bit);
                if (after != before)
                {
                    masks[variant] = after;
                    if (after == required[variant])
                    {
                        candidates.Add(variant);
                    }
                }
            }
        }
    }

    private sealed class FieldScanner
    {
        public FieldScanner(int field, Dictionary<string, List<(int Variant, byte Bit)>> literals, bool verify)
        {
            Field = field;

            // How many literals each gram occurs in: a gram shared by many literals (".exe", "\\sys") is probably
            // common in events too, so each literal is represented by its least shared gram.
            var frequency = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var literal in literals.Keys)
            {
                foreach (var gram in GramsOf(literal).Distinct())
                {
                    frequency[gram] = frequency.GetValueOrDefault(gram) + 1;
                }
            }

            // Hit values: one per long literal (checked in full where its gram is found), then one per short literal,
            // then "has non-ASCII text".
            var all = new List<(int, byte)[]>();
            var byGram = new Dictionary<string, List<(string Literal, int Offset, int Value)>>(StringComparer.Ordinal);
            var shortOwners = new Dictionary<string, List<(int, byte)>>(StringComparer.Ordinal);
            var nonAsciiOwners = new List<(int, byte)>();
            foreach (var (literal, literalOwners) in literals)
            {
                if (literal.Length < GramIndex.MinLength)
                {
                    if (IsNonAscii(literal))
                    {
                        nonAsciiOwners.AddRange(literalOwners);
                    }
                    else
                    {
                        shortOwners[literal] = literalOwners;
                    }

                    continue;
                }

                var best = GramsOf(literal).MinBy(g => frequency[g])!;
                if (!byGram.TryGetValue(best, out var list))
                {
                    byGram[best] = list = [];
                }

                list.Add((literal, literal.IndexOf(best, StringComparison.Ordinal), all.Count));
                all.Add(literalOwners.Distinct().ToArray());
            }

            ShortLiterals = shortOwners.Keys.ToArray();
            ShortValues = new int[ShortLiterals.Length];
            for (var k = 0; k < ShortLiterals.Length; k++)
            {
                ShortValues[k] = all.Count;
                all.Add(shortOwners[ShortLiterals[k]].Distinct().ToArray());
            }

            if (ShortLiterals.Length > 0)
            {
                ShortSearch = SearchValues.Create(ShortLiterals, StringComparison.Ordinal);
            }

            if (nonAsciiOwners.Count > 0)
            {
                NonAsciiValue = all.Count;
                all.Add(nonAsciiOwners.Distinct().ToArray());
            }

            Owners = all.ToArray();
            Indexes = byGram
                .GroupBy(p => p.Key.Length)
                .Select(g => new GramIndex(g.Key, g.Select(p => p.Key).ToList(), g.Select(p => p.Value.ToArray()).ToList(), verify))
                .ToArray();
        }

        public int Field { get; }

        /// <summary>One index per gram length in use (4, and 2 or 3 for short literals).</summary>
        public GramIndex[] Indexes { get; }

        public (int Variant, byte Bit)[][] Owners { get; }

        /// <summary>The short ASCII literals (<see cref="IsShort"/>), searched for all at once; null when none.</summary>
        public SearchValues<string>? ShortSearch { get; }

        public string[] ShortLiterals { get; }

        /// <summary>The hit value (index into <see cref="Owners"/>) of each short literal.</summary>
        public int[] ShortValues { get; }

        /// <summary>The hit value of "the value has a non-ASCII character" (<see cref="IsNonAscii"/>), or -1.</summary>
        public int NonAsciiValue { get; } = -1;

        private static IEnumerable<string> GramsOf(string literal)
        {
            var length = Math.Min(GramIndex.MaxLength, literal.Length);
            for (var i = 0; i + length <= literal.Length; i++)
            {
                yield return literal.Substring(i, length);
            }
        }
    }
}

/// <summary>Per-matcher scratch for the prefilter: a stamp and a clause mask per variant, reused without clearing.</summary>
internal sealed class MatchScratch(int size)
{
    private int generation;

    public int[] Seen { get; } = new int[size];

    public byte[] Masks { get; } = new byte[size];

    public List<int> Hits { get; } = new(64);

    public int NextGeneration()
    {
        if (++generation == int.MaxValue)
        {
            Array.Clear(Seen);
            generation = 1;
        }

        return generation;
    }
}
