namespace Musubi.Detection.Sigma.Evaluation;

/// <summary>
/// Multi-literal substring search (Aho–Corasick) compiled to a dense automaton over the characters the literals use
/// (any other character is one class). One pass over a value reports every literal it contains.
/// </summary>
internal sealed class AhoCorasick
{
    private readonly ushort[] asciiClass = new ushort[128];
    private readonly Dictionary<char, ushort> otherClass = [];
    private readonly int classes;
    private readonly int[] delta;
    private readonly int[][] outputs;

    public AhoCorasick(IReadOnlyList<string> literals)
    {
        // Character classes: 0 is "any character no literal uses".
        ushort next = 1;
        foreach (var literal in literals)
        {
            foreach (var c in literal)
            {
                if (c < 128)
                {
                    if (asciiClass[c] == 0)
                    {
                        asciiClass[c] = next++;
                    }
                }
                else if (!otherClass.ContainsKey(c))
                {
                    otherClass[c] = next++;
                }
            }
        }

        classes = next;

        // Trie.
        var children = new List<Dictionary<ushort, int>> { new() };
        var own = new List<List<int>> { new() };
        for (var p = 0; p < literals.Count; p++)
        {
            var state = 0;
            foreach (var c in literals[p])
            {
                var cls = ClassOf(c);
                if (!children[state].TryGetValue(cls, out var child))
                {
                    child = children.Count;
                    children.Add([]);
                    own.Add([]);
                    children[state][cls] = child;
                }

                state = child;
            }

            own[state].Add(p);
        }

        // Failure links breadth-first, folded into a full transition table.
        var states = children.Count;
        delta = new int[states * classes];
        var fail = new int[states];
        outputs = new int[states][];
        var queue = new Queue<int>();
        outputs[0] = [.. own[0]];
        for (ushort cls = 0; cls < classes; cls++)
        {
            if (children[0].TryGetValue(cls, out var child))
            {
                delta[cls] = child;
                fail[child] = 0;
                queue.Enqueue(child);
            }
        }

        while (queue.Count > 0)
        {
            var state = queue.Dequeue();
            outputs[state] = [.. own[state], .. outputs[fail[state]]];
            for (ushort cls = 0; cls < classes; cls++)
            {
                if (children[state].TryGetValue(cls, out var child))
                {
                    fail[child] = delta[(fail[state] * classes) + cls];
                    delta[(state * classes) + cls] = child;
                    queue.Enqueue(child);
                }
                else
                {
                    delta[(state * classes) + cls] = delta[(fail[state] * classes) + cls];
                }
            }
        }
    }

    public int StateCount => outputs.Length;

    /// <summary>Writes the index of each literal found (possibly repeated) into <paramref name="hits"/>.</summary>
    public void Scan(ReadOnlySpan<char> text, List<int> hits)
    {
        var s = 0;
        var d = delta;
        var k = classes;
        foreach (var c in text)
        {
            s = d[(s * k) + ClassOf(c)];
            var found = outputs[s];
            if (found.Length > 0)
            {
                hits.AddRange(found);
            }
        }
    }

    private ushort ClassOf(char c) =>
        c < 128 ? asciiClass[c] : otherClass.TryGetValue(c, out var cls) ? cls : (ushort)0;
}
