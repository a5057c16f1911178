using System.Text;

namespace Musubi.Detection.Sigma.Evaluation;

/// <summary>
/// A Sigma string value with its wildcards resolved: <c>*</c> and <c>?</c> are wildcards unless escaped with
/// <c>\</c>; a backslash escapes a wildcard or another backslash; any other backslash is literal (so <c>\\</c> and
/// <c>\</c> before a letter both mean one backslash, and <c>\\\\</c> means two).
/// </summary>
internal sealed class SigmaString
{
    private SigmaString(string chars, byte[] kinds)
    {
        Chars = chars;
        Kinds = kinds;
    }

    /// <summary>The characters; a wildcard position holds <c>*</c> or <c>?</c>.</summary>
    public string Chars { get; }

    /// <summary>Per character: 0 literal, 1 <c>*</c>, 2 <c>?</c>.</summary>
    public byte[] Kinds { get; }

    public bool HasWildcards => Kinds.Any(k => k != 0);

    public static SigmaString Literal(string text) => new(text, new byte[text.Length]);

    public static SigmaString Parse(string raw)
    {
        var chars = new StringBuilder(raw.Length);
        var kinds = new List<byte>(raw.Length);
        var i = 0;
        while (i < raw.Length)
        {
            var c = raw[i];
            if (c == '\\')
            {
                var run = 0;
                while (i < raw.Length && raw[i] == '\\')
                {
                    run++;
                    i++;
                }

                var beforeWildcard = i < raw.Length && raw[i] is '*' or '?';
                for (var k = 0; k < run / 2; k++)
                {
                    Add('\\', 0);
                }

                if (run % 2 == 1)
                {
                    if (beforeWildcard)
                    {
                        Add(raw[i], 0);
                        i++;
                    }
                    else
                    {
                        Add('\\', 0);
                    }
                }

                continue;
            }

            Add(c, c switch { '*' => (byte)1, '?' => (byte)2, _ => (byte)0 });
            i++;
        }

        return new SigmaString(chars.ToString(), kinds.ToArray());

        void Add(char ch, byte kind)
        {
            chars.Append(ch);
            kinds.Add(kind);
        }
    }

    public SigmaString WithStars(bool leading, bool trailing)
    {
        var addLead = leading && !(Kinds.Length > 0 && Kinds[0] == 1);
        var addTrail = trailing && !(Kinds.Length > 0 && Kinds[^1] == 1);
        if (!addLead && !addTrail)
        {
            return this;
        }

        var chars = (addLead ? "*" : "") + Chars + (addTrail ? "*" : "");
        var kinds = new List<byte>();
        if (addLead)
        {
            kinds.Add(1);
        }

        kinds.AddRange(Kinds);
        if (addTrail)
        {
            kinds.Add(1);
        }

        return new SigmaString(chars, kinds.ToArray());
    }

    /// <summary>Replaces literal characters, keeping wildcards (used by <c>windash</c>).</summary>
    public SigmaString ReplaceLiteral(int index, char replacement)
    {
        var array = Chars.ToCharArray();
        array[index] = replacement;
        return new SigmaString(new string(array), Kinds);
    }

    /// <summary>Builds the needle: plain comparisons where the wildcards allow, a glob otherwise.</summary>
    public Needle ToNeedle(bool cased)
    {
        var text = cased ? Chars : Chars.ToLowerInvariant();
        var n = Kinds.Length;
        var inner = n >= 2 ? Kinds.AsSpan(1, n - 2) : [];
        if (n > 0 && Kinds.All(k => k == 1))
        {
            return new Needle { Kind = NeedleKind.Any, Text = "", Cased = cased };
        }

        if (!HasWildcards)
        {
            return new Needle { Kind = NeedleKind.Equals, Text = text, Cased = cased };
        }

        var innerLiteral = !inner.ContainsAnyExcept((byte)0);
        if (n >= 2 && Kinds[0] == 1 && Kinds[^1] == 1 && innerLiteral)
        {
            return new Needle { Kind = NeedleKind.Contains, Text = text[1..^1], Cased = cased };
        }

        if (Kinds[0] == 1 && !Kinds.AsSpan(1).ContainsAnyExcept((byte)0))
        {
            return new Needle { Kind = NeedleKind.EndsWith, Text = text[1..], Cased = cased };
        }

        if (Kinds[^1] == 1 && !Kinds.AsSpan(0, n - 1).ContainsAnyExcept((byte)0))
        {
            return new Needle { Kind = NeedleKind.StartsWith, Text = text[..^1], Cased = cased };
        }

        return new Needle { Kind = NeedleKind.Glob, Text = text, GlobKinds = Kinds, Cased = cased };
    }
}
