using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using static Musubi.Detection.Sigma.SigmaModifier;

namespace Musubi.Detection.Sigma.Evaluation;

/// <summary>Settings that compilation needs beyond the rule itself.</summary>
internal sealed class CompileContext
{
    public required Func<string, int> ResolveField { get; init; }

    public required IReadOnlyDictionary<string, IReadOnlyList<string>> Placeholders { get; init; }

    public TimeSpan RegexTimeout { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Compiled regexes are shared between rules and variants with the same pattern and options.</summary>
    public required Dictionary<(string, RegexOptions), Regex> RegexCache { get; init; }
}

/// <summary>
/// Compiles one <c>Field|modifiers: values</c> into a node, applying the modifiers in the order written. Rejects
/// (with <see cref="SigmaRuleException"/>) every combination whose meaning the specification does not give.
/// </summary>
internal static class PredicateCompiler
{
    /// <summary>More <c>windash</c> permutations than this per value is refused rather than silently cut.</summary>
    public const int MaxWindashVariants = 3125;

    private static readonly char[] Dashes = ['-', '/', '\u2013', '\u2014', '\u2015'];

    private static readonly HashSet<SigmaModifier> Transforms = [Windash, Base64, Base64Offset, Utf16Le, Utf16Be, Utf16, Wide, Expand];
    private static readonly HashSet<SigmaModifier> Positions = [Contains, StartsWith, EndsWith];
    private static readonly HashSet<SigmaModifier> Comparisons = [Lt, Lte, Gt, Gte];
    private static readonly HashSet<SigmaModifier> TimeParts = [Minute, Hour, Day, Week, Month, Year];
    private static readonly HashSet<SigmaModifier> RegexFlags = [ReIgnoreCase, ReMultiline, ReSingleline];

    public static Node Compile(SigmaFieldPredicate predicate, CompileContext context)
    {
        var mods = predicate.Modifiers;
        var key = predicate.Key;
        var all = mods.Contains(All);
        var neq = mods.Contains(Neq);
        var values = predicate.Values;

        if (all && values.Count < 2)
        {
            throw new SigmaRuleException($"'{key}': 'all' needs a list of at least two values");
        }

        if (mods.Contains(Exists))
        {
            if (mods.Count != 1)
            {
                throw new SigmaRuleException($"'{key}': 'exists' takes no other modifier");
            }

            if (predicate.Field is null)
            {
                throw new SigmaRuleException($"'{key}': 'exists' needs a field");
            }

            if (values.Count != 1 || values[0].Kind != SigmaValueKind.Boolean)
            {
                throw new SigmaRuleException($"'{key}': 'exists' takes true or false");
            }

            return new ExistsNode(context.ResolveField(predicate.Field), values[0].Text == "true");
        }

        if (values.Any(v => v.Kind == SigmaValueKind.Null))
        {
            if (values.Count > 1)
            {
                throw new SigmaRuleException($"'{key}': null cannot be part of a list of values (use a separate selection)");
            }

            if (predicate.Field is null)
            {
                throw new SigmaRuleException($"'{key}': a keyword cannot be null");
            }

            if (mods.Any(m => m != Neq))
            {
                throw new SigmaRuleException($"'{key}': null takes no modifier other than 'neq'");
            }

            var field = context.ResolveField(predicate.Field);
            return neq ? new NotNode(new NullNode(field)) : new NullNode(field);
        }

        var matchers = BuildMatchers(predicate, context);
        if (predicate.Field is null)
        {
            if (neq)
            {
                throw new SigmaRuleException($"'{key}': 'neq' needs a field");
            }

            return all
                ? new AndNode(matchers.Select(m => (Node)new KeywordNode(m)).ToArray())
                : new KeywordNode(Merge(matchers));
        }

        var id = context.ResolveField(predicate.Field);
        if (neq)
        {
            // neq negates the match the values would give, and needs the field to be there.
            return all
                ? new AndNode([new ExistsNode(id, true), new NotNode(new AndNode(matchers.Select(m => (Node)new FieldNode(id, m)).ToArray()))])
                : new NotEqualNode(id, Merge(matchers));
        }

        return all
            ? new AndNode(matchers.Select(m => (Node)new FieldNode(id, m)).ToArray())
            : new FieldNode(id, Merge(matchers));
    }

    /// <summary>String matchers for an OR list merge into one (one pass over the needles).</summary>
    private static ValueMatcher Merge(List<ValueMatcher> matchers) =>
        matchers.Count > 1 && matchers.All(m => m is StringMatcher)
            ? new StringMatcher(matchers.SelectMany(m => ((StringMatcher)m).Needles).ToArray())
            : matchers.Count == 1 ? matchers[0] : new AnyMatcher(matchers.ToArray());

    /// <summary>One matcher per rule value (so that <c>all</c> can AND them).</summary>
    private static List<ValueMatcher> BuildMatchers(SigmaFieldPredicate predicate, CompileContext context)
    {
        var mods = predicate.Modifiers;
        var key = predicate.Key;
        var cased = mods.Contains(Cased);
        var position = mods.Where(Positions.Contains).ToList();
        if (position.Count > 1)
        {
            throw new SigmaRuleException($"'{key}': only one of contains, startswith and endswith may be used");
        }

        if (mods.Contains(Re))
        {
            var allowed = new HashSet<SigmaModifier>(RegexFlags) { Re, All, Neq, Cased };
            Refuse(key, mods, allowed, "re");
            var options = RegexOptions.Compiled | RegexOptions.CultureInvariant;
            if (mods.Contains(ReIgnoreCase))
            {
                options |= RegexOptions.IgnoreCase;
            }

            if (mods.Contains(ReMultiline))
            {
                options |= RegexOptions.Multiline;
            }

            if (mods.Contains(ReSingleline))
            {
                options |= RegexOptions.Singleline;
            }

            return predicate.Values.Select(v => (ValueMatcher)new RegexMatcher(CompileRegex(key, v, options, context))).ToList();
        }

        if (mods.Contains(Cidr))
        {
            Refuse(key, mods, [Cidr, All, Neq], "cidr");
            var networks = predicate.Values.Select(v => IPNetwork.TryParse(v.Text, out var net)
                ? net
                : throw new SigmaRuleException($"'{key}': '{v.Text}' is not a CIDR network")).ToArray();
            return networks.Select(n => (ValueMatcher)new CidrMatcher([n])).ToList();
        }

        var time = mods.Where(TimeParts.Contains).ToList();
        var comparison = mods.Where(Comparisons.Contains).ToList();
        if (time.Count > 0 || comparison.Count > 0)
        {
            if (time.Count > 1 || comparison.Count > 1)
            {
                throw new SigmaRuleException($"'{key}': at most one time part and one of lt, lte, gt, gte");
            }

            var allowed = new HashSet<SigmaModifier>(TimeParts) { Lt, Lte, Gt, Gte, All, Neq };
            Refuse(key, mods, allowed, time.Count > 0 ? SigmaModifiers.Name(time[0]) : SigmaModifiers.Name(comparison[0]));
            if (comparison.Count > 0 && mods.Contains(Neq))
            {
                throw new SigmaRuleException($"'{key}': 'neq' cannot be combined with {SigmaModifiers.Name(comparison[0])}");
            }

            var op = comparison.Count == 0 ? Comparison.Eq : comparison[0] switch
            {
                Lt => Comparison.Lt,
                Lte => Comparison.Lte,
                Gt => Comparison.Gt,
                _ => Comparison.Gte,
            };
            var numbers = predicate.Values.Select(v => Numbers.TryParse(v.Text, out var d) && v.Kind != SigmaValueKind.Boolean
                ? d
                : throw new SigmaRuleException($"'{key}': '{v.Text}' is not a number")).ToArray();
            if (time.Count > 0)
            {
                var part = time[0] switch
                {
                    Minute => TimePart.Minute,
                    Hour => TimePart.Hour,
                    Day => TimePart.Day,
                    Week => TimePart.Week,
                    Month => TimePart.Month,
                    _ => TimePart.Year,
                };
                return numbers.Select(n => (ValueMatcher)new TimePartMatcher(part, op, [n])).ToList();
            }

            return numbers.Select(n => (ValueMatcher)new NumberMatcher(op, [n])).ToList();
        }

        if (mods.Contains(FieldRef))
        {
            var allowed = new HashSet<SigmaModifier>(Positions) { FieldRef, All, Neq, Cased };
            Refuse(key, mods, allowed, "fieldref");
            var kind = position.Count == 0 ? NeedleKind.Equals : position[0] switch
            {
                Contains => NeedleKind.Contains,
                StartsWith => NeedleKind.StartsWith,
                _ => NeedleKind.EndsWith,
            };
            return predicate.Values.Select(v => v.Kind == SigmaValueKind.String && v.Text.Length > 0
                ? (ValueMatcher)new FieldRefMatcher([context.ResolveField(v.Text)], kind, cased)
                : throw new SigmaRuleException($"'{key}': 'fieldref' takes field names")).ToList();
        }

        // String matching, with transformations applied in the order written.
        var transformsInOrder = mods.Where(Transforms.Contains).ToList();
        var encoded = transformsInOrder.Any(m => m is Base64 or Base64Offset);
        var matchers = new List<ValueMatcher>();
        foreach (var value in predicate.Values)
        {
            var texts = new List<string> { value.Text };
            if (transformsInOrder.Contains(Expand))
            {
                texts = ExpandPlaceholders(key, value.Text, context.Placeholders);
            }

            var patterns = texts.Select(t => value.Kind == SigmaValueKind.String || transformsInOrder.Contains(Expand)
                ? SigmaString.Parse(t)
                : SigmaString.Literal(t)).ToList();
            var items = patterns.Select(p => (object)p).ToList();
            foreach (var transform in transformsInOrder)
            {
                items = transform switch
                {
                    Expand => items,
                    Windash => items.SelectMany(i => WindashVariants(key, Pattern(key, i, "windash"))).Select(p => (object)p).ToList(),
                    Utf16Le or Wide => items.Select(i => (object)Encoding.Unicode.GetBytes(LiteralText(key, i, SigmaModifiers.Name(transform)))).ToList(),
                    Utf16Be => items.Select(i => (object)Encoding.BigEndianUnicode.GetBytes(LiteralText(key, i, "utf16be"))).ToList(),
                    Utf16 => items.Select(i => (object)(byte[])[0xFF, 0xFE, .. Encoding.Unicode.GetBytes(LiteralText(key, i, "utf16"))]).ToList(),
                    Base64 => items.Select(i => (object)SigmaString.Literal(Convert.ToBase64String(Bytes(key, i, "base64")))).ToList(),
                    _ => items.SelectMany(i => Base64Offsets(Bytes(key, i, "base64offset"))).Select(s => (object)SigmaString.Literal(s)).ToList(),
                };
            }

            var needles = new List<Needle>();
            foreach (var item in items)
            {
                var pattern = item is byte[] bytes ? SigmaString.Literal(Latin1(bytes)) : (SigmaString)item;
                var positioned = position.Count == 0 ? pattern : position[0] switch
                {
                    Contains => pattern.WithStars(true, true),
                    StartsWith => pattern.WithStars(false, true),
                    _ => pattern.WithStars(true, false),
                };
                if (predicate.Field is null && position.Count == 0)
                {
                    // A keyword is searched for anywhere in the event's values.
                    positioned = positioned.WithStars(true, true);
                }

                // Encoded text is case-significant by construction: matching it case-insensitively would match other data.
                needles.Add(positioned.ToNeedle(cased || encoded));
            }

            matchers.Add(new StringMatcher(needles.ToArray()));
        }

        return matchers;
    }

    private static void Refuse(string key, IReadOnlyList<SigmaModifier> mods, HashSet<SigmaModifier> allowed, string main)
    {
        foreach (var m in mods)
        {
            if (!allowed.Contains(m))
            {
                throw new SigmaRuleException($"'{key}': modifier '{SigmaModifiers.Name(m)}' cannot be combined with '{main}'");
            }
        }
    }

    private static Regex CompileRegex(string key, SigmaValue value, RegexOptions options, CompileContext context)
    {
        if (value.Kind != SigmaValueKind.String && value.Kind != SigmaValueKind.Number)
        {
            throw new SigmaRuleException($"'{key}': 're' takes a string");
        }

        if (context.RegexCache.TryGetValue((value.Text, options), out var cached))
        {
            return cached;
        }

        try
        {
            var regex = new Regex(value.Text, options, context.RegexTimeout);
            context.RegexCache[(value.Text, options)] = regex;
            return regex;
        }
        catch (ArgumentException e)
        {
            throw new SigmaRuleException($"'{key}': invalid regular expression '{value.Text}': {e.Message}");
        }
    }

    private static SigmaString Pattern(string key, object item, string modifier) => item as SigmaString
        ?? throw new SigmaRuleException($"'{key}': '{modifier}' cannot follow an encoding modifier");

    private static string LiteralText(string key, object item, string modifier)
    {
        var pattern = Pattern(key, item, modifier);
        if (pattern.HasWildcards)
        {
            throw new SigmaRuleException($"'{key}': wildcards cannot be encoded by '{modifier}'");
        }

        return pattern.Chars;
    }

    private static byte[] Bytes(string key, object item, string modifier) =>
        item as byte[] ?? Encoding.UTF8.GetBytes(LiteralText(key, item, modifier));

    private static string Latin1(byte[] bytes) => Encoding.Latin1.GetString(bytes);

    /// <summary>
    /// The three renderings of a value inside longer Base64 text, for the value starting 0, 1 or 2 bytes into a
    /// 3-byte group: the characters that also depend on neighbouring bytes are dropped at both ends.
    /// </summary>
    internal static IEnumerable<string> Base64Offsets(byte[] value)
    {
        int[] startTrim = [0, 2, 3];
        int[] endTrim = [0, 3, 2];
        for (var shift = 0; shift < 3; shift++)
        {
            var padded = new byte[shift + value.Length];
            value.CopyTo(padded, shift);
            var encoded = Convert.ToBase64String(padded);
            var end = encoded.Length - endTrim[(shift + value.Length) % 3];
            var start = startTrim[shift];
            if (end > start)
            {
                yield return encoded[start..end];
            }
        }
    }

    private static List<SigmaString> WindashVariants(string key, SigmaString pattern)
    {
        var positions = new List<int>();
        for (var i = 0; i < pattern.Chars.Length; i++)
        {
            if (pattern.Kinds[i] == 0 && Array.IndexOf(Dashes, pattern.Chars[i]) >= 0)
            {
                positions.Add(i);
            }
        }

        if (Math.Pow(Dashes.Length, positions.Count) > MaxWindashVariants)
        {
            throw new SigmaRuleException($"'{key}': 'windash' on '{pattern.Chars}' gives more than {MaxWindashVariants} variants");
        }

        var variants = new List<SigmaString> { pattern };
        foreach (var position in positions)
        {
            variants = variants.SelectMany(v => Dashes.Select(d => v.ReplaceLiteral(position, d))).ToList();
        }

        return variants;
    }

    /// <summary>
    /// <c>expand</c>: each <c>%name%</c> becomes each configured value (a rule with an unconfigured placeholder is
    /// rejected, as the specification requires); <c>\%</c> is a plain percent sign.
    /// </summary>
    private static List<string> ExpandPlaceholders(string key, string raw, IReadOnlyDictionary<string, IReadOnlyList<string>> placeholders)
    {
        var results = new List<StringBuilder> { new() };
        var i = 0;
        var any = false;
        while (i < raw.Length)
        {
            if (raw[i] == '\\' && i + 1 < raw.Length && raw[i + 1] == '%')
            {
                results.ForEach(r => r.Append('%'));
                i += 2;
                continue;
            }

            if (raw[i] == '%')
            {
                var close = raw.IndexOf('%', i + 1);
                if (close < 0)
                {
                    throw new SigmaRuleException($"'{key}': unterminated placeholder in '{raw}'");
                }

                var name = raw[(i + 1)..close];
                if (!placeholders.TryGetValue(name, out var substitutes) || substitutes.Count == 0)
                {
                    throw new SigmaRuleException($"'{key}': placeholder '%{name}%' has no configured values");
                }

                results = results.SelectMany(r => substitutes.Select(s => new StringBuilder(r.ToString()).Append(s))).ToList();
                any = true;
                i = close + 1;
                continue;
            }

            results.ForEach(r => r.Append(raw[i]));
            i++;
        }

        if (!any)
        {
            throw new SigmaRuleException($"'{key}': 'expand' on a value without a %placeholder%");
        }

        return results.Select(r => r.ToString()).ToList();
    }
}

/// <summary>Any of several matchers of different kinds.</summary>
internal sealed class AnyMatcher(ValueMatcher[] matchers) : ValueMatcher
{
    public override bool Matches(Events.EventFrame frame, int entry)
    {
        foreach (var matcher in matchers)
        {
            if (matcher.Matches(frame, entry))
            {
                return true;
            }
        }

        return false;
    }

    public override List<string>? Literals()
    {
        var all = new List<string>();
        foreach (var matcher in matchers)
        {
            if (matcher.Literals() is not { } literals)
            {
                return null;
            }

            all.AddRange(literals);
        }

        return all;
    }
}
