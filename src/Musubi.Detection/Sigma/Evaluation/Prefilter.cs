using Musubi.Detection.Events;

namespace Musubi.Detection.Sigma.Evaluation;

/// <summary>
/// Selects the rule variants of a route group that can possibly match an event: a variant whose condition requires
/// one of a set of literals in a field (<see cref="Node.Anchors"/>) is a candidate only when an Aho–Corasick pass
/// over that field's lower-cased values finds one; variants without such a set are always candidates. The result is
/// the same as evaluating every variant.
/// </summary>
internal sealed class Prefilter
{
    private readonly int[] always;
    private readonly FieldScanner[] scanners;

    private Prefilter(int[] always, FieldScanner[] scanners)
    {
        this.always = always;
        this.scanners = scanners;
    }

    public int AnchoredCount => scanners.Sum(s => s.VariantCount);

    public int UnanchoredCount => always.Length;

    public static Prefilter Build(IReadOnlyList<CompiledVariant> variants)
    {
        var always = new List<int>();
        var byField = new Dictionary<int, (List<string> Literals, List<int> Owners)>();
        for (var i = 0; i < variants.Count; i++)
        {
            var anchors = variants[i].Root.Anchors();
            if (anchors is null || anchors.Count == 0)
            {
                always.Add(i);
                continue;
            }

            foreach (var anchor in anchors.Distinct())
            {
                if (!byField.TryGetValue(anchor.Field, out var entry))
                {
                    byField[anchor.Field] = entry = ([], []);
                }

                entry.Literals.Add(anchor.Literal);
                entry.Owners.Add(i);
            }
        }

        var scanners = byField.Select(p => new FieldScanner(p.Key, p.Value.Literals, p.Value.Owners)).ToArray();
        return new Prefilter(always.ToArray(), scanners);
    }

    /// <summary>Adds the indexes (into the group's variants) of the candidates, each once, in ascending order.</summary>
    public void Collect(EventFrame frame, MatchScratch scratch, List<int> candidates)
    {
        candidates.AddRange(always);
        var generation = scratch.NextGeneration();
        var seen = scratch.Seen;
        var hits = scratch.Hits;
        foreach (var scanner in scanners)
        {
            for (var entry = frame.First(scanner.Field); entry >= 0; entry = frame.Next(entry))
            {
                if (frame.Kind(entry) == EventValueKind.Null)
                {
                    continue;
                }

                hits.Clear();
                scanner.Automaton.Scan(frame.Lower(entry), hits);
                foreach (var literal in hits)
                {
                    var owner = scanner.Owners[literal];
                    if (seen[owner] != generation)
                    {
                        seen[owner] = generation;
                        candidates.Add(owner);
                    }
                }
            }
        }

        candidates.Sort();
    }

    private sealed class FieldScanner(int field, List<string> literals, List<int> owners)
    {
        public int Field { get; } = field;

        public AhoCorasick Automaton { get; } = new(literals);

        public int[] Owners { get; } = owners.ToArray();

        public int VariantCount { get; } = owners.Distinct().Count();
    }
}

/// <summary>Per-matcher scratch for the prefilter: a stamp per variant, reused without clearing.</summary>
internal sealed class MatchScratch(int size)
{
    private int generation;

    public int[] Seen { get; private set; } = new int[size];

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

    public void EnsureSize(int size)
    {
        if (Seen.Length < size)
        {
            Seen = new int[size];
        }
    }
}
