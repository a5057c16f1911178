using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Musubi.Stix.Model;

namespace Musubi.Stix.Patterning;

/// <summary>Which observations (indexes into the input) satisfied a pattern.</summary>
public sealed record PatternMatch(IReadOnlyList<int> Observations);

/// <summary>Bounds on evaluation: how many partial matches a sub-expression may hold (REPEATS and AND combine).</summary>
public sealed record EvaluationLimits(int MaxPartialMatches = 10_000)
{
    public static readonly EvaluationLimits Default = new();
}

/// <summary>
/// Evaluates a STIX pattern over a sequence of observations (spec 9.5–9.7). Each observation expression is matched
/// against single observations, all its comparisons starting from the same SCO; observation operators then combine
/// distinct observations: AND (any order), OR, FOLLOWEDBY (the right one at or after the left one). Qualifiers filter:
/// WITHIN (latest − earliest &lt; window), START/STOP (every time in [start, stop)), REPEATS n (n distinct matches).
/// A path that does not resolve makes its comparison false, NOT included (9.6); incompatible types are false except
/// for != (9.6.1). Strings compare by code unit, never normalised, except LIKE and MATCHES, which compare NFC.
/// </summary>
public static class PatternEvaluator
{
    public static PatternMatch? Match(StixPattern pattern, IReadOnlyList<StixObservation> observations, EvaluationLimits? limits = null)
    {
        var bindings = Evaluate(pattern.Root, observations, limits ?? EvaluationLimits.Default);
        return bindings.Count == 0 ? null : new PatternMatch(bindings[0].Observations);
    }

    public static bool Matches(StixPattern pattern, IReadOnlyList<StixObservation> observations, EvaluationLimits? limits = null) =>
        Match(pattern, observations, limits) is not null;

    /// <summary>Does one observation satisfy an observation expression's comparisons (for single-observation use).</summary>
    public static bool MatchesObservation(ComparisonExpression comparison, StixObservation observation)
    {
        foreach (var root in observation.Objects)
        {
            if (EvaluateComparison(comparison, root, observation))
            {
                return true;
            }
        }

        return false;
    }

    private readonly record struct Binding(int[] Observations, DateTimeOffset First, DateTimeOffset Last)
    {
        public string Key => string.Join(',', Observations);
    }

    private static List<Binding> Evaluate(PatternExpression e, IReadOnlyList<StixObservation> obs, EvaluationLimits limits)
    {
        switch (e)
        {
            case ObservationExpression o:
                {
                    var result = new List<Binding>();
                    for (var i = 0; i < obs.Count; i++)
                    {
                        if (MatchesObservation(o.Comparison, obs[i]))
                        {
                            result.Add(new Binding([i], obs[i].Time, obs[i].Time));
                            if (result.Count >= limits.MaxPartialMatches)
                            {
                                break;
                            }
                        }
                    }

                    return result;
                }

            case ObservationBinary { Operator: ObservationOperator.Or } b:
                {
                    // Both sides, not just the first true one: an enclosing AND/FOLLOWEDBY may need the other's observations.
                    var union = Evaluate(b.Left, obs, limits);
                    var keys = union.Select(x => x.Key).ToHashSet(StringComparer.Ordinal);
                    foreach (var r in Evaluate(b.Right, obs, limits))
                    {
                        if (union.Count < limits.MaxPartialMatches && keys.Add(r.Key))
                        {
                            union.Add(r);
                        }
                    }

                    return union;
                }

            case ObservationBinary b:
                {
                    var left = Evaluate(b.Left, obs, limits);
                    if (left.Count == 0)
                    {
                        return left;
                    }

                    var right = Evaluate(b.Right, obs, limits);
                    var result = new List<Binding>();
                    var seen = new HashSet<string>(StringComparer.Ordinal);
                    foreach (var l in left)
                    {
                        foreach (var r in right)
                        {
                            if (!Disjoint(l, r) || (b.Operator == ObservationOperator.FollowedBy && r.First < l.Last))
                            {
                                continue;
                            }

                            var joined = Join(l, r);
                            if (seen.Add(joined.Key))
                            {
                                result.Add(joined);
                                if (result.Count >= limits.MaxPartialMatches)
                                {
                                    return result;
                                }
                            }
                        }
                    }

                    return result;
                }

            case QualifiedExpression { Qualifier: WithinQualifier w } q:
                {
                    var window = TimeSpan.FromTicks((long)(w.Seconds * TimeSpan.TicksPerSecond));
                    return Evaluate(q.Inner, obs, limits).Where(x => x.Last - x.First < window).ToList();
                }

            case QualifiedExpression { Qualifier: StartStopQualifier s } q:
                return Evaluate(q.Inner, obs, limits)
                    .Where(x => x.Observations.All(i => obs[i].Time >= s.Start.Value && obs[i].Time < s.Stop.Value))
                    .ToList();

            case QualifiedExpression { Qualifier: RepeatsQualifier r } q:
                return Repeat(Evaluate(q.Inner, obs, limits), r.Times, limits);

            default:
                throw new InvalidOperationException($"unknown expression {e.GetType().Name}");
        }
    }

    /// <summary>Every choice of <paramref name="times"/> pairwise distinct matches, merged (bounded).</summary>
    private static List<Binding> Repeat(List<Binding> matches, int times, EvaluationLimits limits)
    {
        var result = new List<Binding>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (matches.Count < times)
        {
            return result;
        }

        void Search(int start, int depth, Binding? acc)
        {
            if (result.Count >= limits.MaxPartialMatches)
            {
                return;
            }

            if (depth == times)
            {
                if (seen.Add(acc!.Value.Key))
                {
                    result.Add(acc.Value);
                }

                return;
            }

            for (var i = start; i < matches.Count && matches.Count - i >= times - depth; i++)
            {
                if (acc is null || Disjoint(acc.Value, matches[i]))
                {
                    Search(i + 1, depth + 1, acc is null ? matches[i] : Join(acc.Value, matches[i]));
                    if (result.Count >= limits.MaxPartialMatches)
                    {
                        return;
                    }
                }
            }
        }

        Search(0, 0, null);
        return result;
    }

    private static bool Disjoint(Binding a, Binding b)
    {
        foreach (var x in a.Observations)
        {
            if (Array.IndexOf(b.Observations, x) >= 0)
            {
                return false;
            }
        }

        return true;
    }

    private static Binding Join(Binding a, Binding b)
    {
        var all = new int[a.Observations.Length + b.Observations.Length];
        a.Observations.CopyTo(all, 0);
        b.Observations.CopyTo(all, a.Observations.Length);
        Array.Sort(all);
        return new Binding(all, a.First < b.First ? a.First : b.First, a.Last > b.Last ? a.Last : b.Last);
    }

    private static bool EvaluateComparison(ComparisonExpression e, JsonElement root, StixObservation observation) => e switch
    {
        ComparisonBinary { Operator: BooleanOperator.And } b => EvaluateComparison(b.Left, root, observation) && EvaluateComparison(b.Right, root, observation),
        ComparisonBinary b => EvaluateComparison(b.Left, root, observation) || EvaluateComparison(b.Right, root, observation),
        Comparison c => EvaluateLeaf(c, root, observation),
        _ => false,
    };

    private static bool EvaluateLeaf(Comparison c, JsonElement root, StixObservation observation)
    {
        if (!root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != c.Path.ObjectType)
        {
            return false;
        }

        var values = Resolve(c.Path, root, observation);
        if (values.Count == 0)
        {
            return false;
        }

        if (c.Operator == ComparisonOperator.Exists)
        {
            return true;
        }

        var any = false;
        foreach (var (value, property) in values)
        {
            if (Compare(value, property, c.Operator, c.Value!))
            {
                any = true;
                break;
            }
        }

        return c.Negated ? !any : any;
    }

    private static List<(JsonElement Value, string? Property)> Resolve(ObjectPath path, JsonElement root, StixObservation observation)
    {
        var current = new List<(JsonElement, string?)> { (root, null) };
        foreach (var step in path.Steps)
        {
            var next = new List<(JsonElement, string?)>();
            foreach (var (value, property) in current)
            {
                switch (step)
                {
                    case PropertyStep p:
                        {
                            var target = value;
                            if (value.ValueKind == JsonValueKind.String && property is not null
                                && (property.EndsWith("_ref", StringComparison.Ordinal) || property.EndsWith("_refs", StringComparison.Ordinal)))
                            {
                                if (observation.Resolve(value.GetString()!) is not { } dereferenced)
                                {
                                    continue;
                                }

                                target = dereferenced;
                            }

                            if (target.ValueKind == JsonValueKind.Object && target.TryGetProperty(p.Name, out var child))
                            {
                                next.Add((child, p.Name));
                            }

                            break;
                        }

                    case IndexStep { Index: null }:
                        if (value.ValueKind == JsonValueKind.Array)
                        {
                            foreach (var item in value.EnumerateArray())
                            {
                                next.Add((item, property));
                            }
                        }

                        break;
                    case IndexStep { Index: { } n }:
                        if (value.ValueKind == JsonValueKind.Array && n >= 0 && n < value.GetArrayLength())
                        {
                            next.Add((value[n], property));
                        }

                        break;
                }
            }

            current = next;
        }

        return current;
    }

    private static bool Compare(JsonElement value, string? property, ComparisonOperator op, PatternConstant constant)
    {
        switch (op)
        {
            case ComparisonOperator.Equal:
                return Order(value, property, constant) == 0;
            case ComparisonOperator.NotEqual:
                return Order(value, property, constant) is not 0;
            case ComparisonOperator.Greater:
                return Order(value, property, constant) > 0;
            case ComparisonOperator.Less:
                return Order(value, property, constant) < 0;
            case ComparisonOperator.GreaterOrEqual:
                return Order(value, property, constant) >= 0;
            case ComparisonOperator.LessOrEqual:
                return Order(value, property, constant) <= 0;
            case ComparisonOperator.In:
                return ((SetConstant)constant).Items.Any(item => Order(value, property, item) == 0);
            case ComparisonOperator.Like:
            case ComparisonOperator.Matches:
                {
                    var text = AsText(value, property);
                    if (text is null)
                    {
                        return false;
                    }

                    var regex = op == ComparisonOperator.Like
                        ? PatternRegex.Like(((StringConstant)constant).Value)
                        : PatternRegex.Matches(((StringConstant)constant).Value);
                    try
                    {
                        return regex.IsMatch(IsBinary(property) ? text : text.Normalize(NormalizationForm.FormC));
                    }
                    catch (RegexMatchTimeoutException)
                    {
                        return false;
                    }
                }

            case ComparisonOperator.IsSubset:
            case ComparisonOperator.IsSuperset:
                {
                    if (value.ValueKind != JsonValueKind.String || !Cidr.TryParse(value.GetString()!, out var observed)
                        || !Cidr.TryParse(((StringConstant)constant).Value, out var given))
                    {
                        return false;
                    }

                    return op == ComparisonOperator.IsSubset ? observed.IsSubsetOf(given) : given.IsSubsetOf(observed);
                }

            default:
                return false;
        }
    }

    /// <summary>The order of the observed value against the constant; null when their types cannot be compared.</summary>
    private static int? Order(JsonElement value, string? property, PatternConstant constant)
    {
        switch (constant)
        {
            case StringConstant s:
                if (IsBinary(property))
                {
                    return DecodeBinary(value, property) is { } bytes && Latin1(s.Value) is { } given ? CompareBytes(bytes, given) : null;
                }

                return value.ValueKind == JsonValueKind.String ? Math.Sign(string.CompareOrdinal(value.GetString(), s.Value)) : null;
            case IntegerConstant i:
                return value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var d1) ? d1.CompareTo(i.Value) : null;
            case FloatConstant f:
                return value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var d2) ? d2.CompareTo(f.Value) : null;
            case BooleanConstant b:
                return value.ValueKind is JsonValueKind.True or JsonValueKind.False
                    ? (value.ValueKind == JsonValueKind.True) == b.Value ? 0 : 1
                    : null;
            case TimestampConstant t:
                return value.ValueKind == JsonValueKind.String && StixTimestamp.TryParse(value.GetString(), out var ts)
                    ? Math.Sign(string.CompareOrdinal(ts.SortKey, t.Value.SortKey))
                    : null;
            case BinaryConstant bin:
                return ObservedBytes(value, property) is { } ob ? CompareBytes(ob, bin.Bytes) : null;
            case HexConstant hex:
                return ObservedBytes(value, property) is { } oh ? CompareBytes(oh, hex.Bytes) : null;
            default:
                return null;
        }
    }

    private static bool IsBinary(string? property) =>
        property is not null && (property.EndsWith("_bin", StringComparison.Ordinal) || property.EndsWith("_hex", StringComparison.Ordinal));

    private static byte[]? ObservedBytes(JsonElement value, string? property) =>
        IsBinary(property) ? DecodeBinary(value, property) : value.ValueKind == JsonValueKind.String ? Latin1(value.GetString()!) : null;

    private static byte[]? DecodeBinary(JsonElement value, string? property)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        var text = value.GetString()!;
        try
        {
            return property!.EndsWith("_hex", StringComparison.Ordinal) ? Convert.FromHexString(text) : Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>A string as octets when every code point is below U+0100 (spec 9.6.4), else null.</summary>
    private static byte[]? Latin1(string s)
    {
        var bytes = new byte[s.Length];
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] > 0xFF)
            {
                return null;
            }

            bytes[i] = (byte)s[i];
        }

        return bytes;
    }

    private static string? AsText(JsonElement value, string? property)
    {
        if (IsBinary(property))
        {
            return DecodeBinary(value, property) is { } bytes ? Encoding.Latin1.GetString(bytes) : null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }

    private static int CompareBytes(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => Math.Sign(a.SequenceCompareTo(b));
}
