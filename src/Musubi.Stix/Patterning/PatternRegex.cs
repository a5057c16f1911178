using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace Musubi.Stix.Patterning;

/// <summary>
/// Regular expressions for MATCHES (search, DOTALL, spec 9.6.1) and LIKE (SQL wildcards). .NET's engine stands in for
/// PCRE: the common syntax is the same; PCRE-only constructs (possessive quantifiers, \K, recursion) are refused at
/// parse time. Every match has a timeout, so a pathological expression cannot stall detection.
/// </summary>
internal static class PatternRegex
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);
    private static readonly ConcurrentDictionary<(string, bool), Regex> Cache = new();

    public static bool IsValid(string pattern, out string? error)
    {
        try
        {
            _ = Matches(pattern);
            error = null;
            return true;
        }
        catch (ArgumentException e)
        {
            error = e.Message;
            return false;
        }
    }

    public static Regex Matches(string pattern) =>
        Get(pattern, false);

    public static Regex Like(string pattern) =>
        Get(pattern, true);

    private static Regex Get(string pattern, bool like)
    {
        // Patterns come from shared intelligence: bound the cache rather than trust the number of distinct expressions.
        if (Cache.Count > 10_000)
        {
            Cache.Clear();
        }

        return like
            ? Cache.GetOrAdd((pattern, true), k => new Regex(LikeToRegex(k.Item1), RegexOptions.Singleline | RegexOptions.CultureInvariant, Timeout))
            : Cache.GetOrAdd((pattern, false), k => new Regex(k.Item1, RegexOptions.Singleline | RegexOptions.CultureInvariant, Timeout));
    }

    private static string LikeToRegex(string like)
    {
        var sb = new StringBuilder("^");
        foreach (var c in like.Normalize(NormalizationForm.FormC))
        {
            sb.Append(c switch
            {
                '%' => ".*",
                '_' => ".",
                _ => Regex.Escape(c.ToString()),
            });
        }

        return sb.Append('$').ToString();
    }
}
