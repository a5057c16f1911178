using System.Text;

namespace Musubi.Detection.Sigma.Evaluation;

/// <summary>
/// Finds a literal that every match of a regular expression must contain, for the prefilter. Conservative: only
/// characters at the top level of the pattern (outside groups and classes), each matched exactly once, count; a
/// top-level alternation, or anything not understood, gives no literal. The result is lower-cased (the prefilter
/// compares lower-cased text, so it also holds for case-insensitive patterns).
/// </summary>
internal static class RegexLiterals
{
    public static string? Required(string pattern)
    {
        var runs = new List<string>();
        var run = new StringBuilder();
        var i = 0;
        while (i < pattern.Length)
        {
            var c = pattern[i];
            char? literal = null;
            var width = 1;
            switch (c)
            {
                case '|':
                    return null; // top-level alternation: no single required literal
                case '(':
                    {
                        if (pattern.AsSpan(i).StartsWith("(?i)") || pattern.AsSpan(i).StartsWith("(?m)") || pattern.AsSpan(i).StartsWith("(?s)"))
                        {
                            i += 4;
                            continue;
                        }

                        var end = SkipGroup(pattern, i);
                        if (end < 0)
                        {
                            return null;
                        }

                        EndRun();
                        i = end;
                        SkipQuantifier(ref i, pattern);
                        continue;
                    }

                case '[':
                    {
                        var end = SkipClass(pattern, i);
                        if (end < 0)
                        {
                            return null;
                        }

                        EndRun();
                        i = end;
                        SkipQuantifier(ref i, pattern);
                        continue;
                    }

                case '\\':
                    if (i + 1 >= pattern.Length)
                    {
                        return null;
                    }

                    width = 2;
                    var next = pattern[i + 1];
                    if (char.IsAsciiLetterOrDigit(next))
                    {
                        literal = null; // \d, \s, \w, \b, \x41, \1 …: not a plain character
                        if (next is 'x' or 'u' or 'c' or 'p' or 'P' or 'k')
                        {
                            return null; // would need a real parser to skip
                        }
                    }
                    else
                    {
                        literal = next;
                    }

                    break;
                case '.':
                case '^':
                case '$':
                    break;
                case '*':
                case '+':
                case '?':
                case '{':
                case ')':
                case ']':
                    return null; // a quantifier or bracket where a character was expected
                default:
                    literal = c;
                    break;
            }

            i += width;
            var quantified = i < pattern.Length && pattern[i] is '*' or '?' or '{' or '+';
            var optional = i < pattern.Length && (pattern[i] is '*' or '?' || (pattern[i] == '{' && pattern.AsSpan(i).StartsWith("{0")));
            if (literal is { } ch && !optional)
            {
                run.Append(char.ToLowerInvariant(ch));
            }

            if (literal is null || quantified)
            {
                EndRun();
            }

            if (quantified)
            {
                SkipQuantifier(ref i, pattern);
            }
        }

        EndRun();
        return runs.Count == 0 ? null : runs.MaxBy(r => r.Length);

        void EndRun()
        {
            if (run.Length > 0)
            {
                runs.Add(run.ToString());
                run.Clear();
            }
        }
    }

    /// <summary>Skips <c>*</c>, <c>+</c>, <c>?</c> or <c>{n,m}</c> at <paramref name="i"/>, and a lazy <c>?</c> after it.</summary>
    private static void SkipQuantifier(ref int i, string pattern)
    {
        if (i >= pattern.Length)
        {
            return;
        }

        if (pattern[i] is '*' or '+' or '?')
        {
            i++;
        }
        else if (pattern[i] == '{')
        {
            var close = pattern.IndexOf('}', i);
            i = close < 0 ? pattern.Length : close + 1;
        }
        else
        {
            return;
        }

        if (i < pattern.Length && pattern[i] is '?' or '+')
        {
            i++;
        }
    }

    private static int SkipGroup(string pattern, int start)
    {
        var depth = 0;
        for (var i = start; i < pattern.Length; i++)
        {
            switch (pattern[i])
            {
                case '\\':
                    i++;
                    break;
                case '[':
                    i = SkipClass(pattern, i) - 1;
                    if (i < 0)
                    {
                        return -1;
                    }

                    break;
                case '(':
                    depth++;
                    break;
                case ')':
                    if (--depth == 0)
                    {
                        return i + 1;
                    }

                    break;
            }
        }

        return -1;
    }

    private static int SkipClass(string pattern, int start)
    {
        var i = start + 1;
        if (i < pattern.Length && pattern[i] == '^')
        {
            i++;
        }

        if (i < pattern.Length && pattern[i] == ']')
        {
            i++;
        }

        for (; i < pattern.Length; i++)
        {
            if (pattern[i] == '\\')
            {
                i++;
            }
            else if (pattern[i] == ']')
            {
                return i + 1;
            }
        }

        return -1;
    }
}
