namespace Musubi.Stix.Patterning;

/// <summary>An indicator value for search: the object path (without list indexes' effect on meaning) and the string.</summary>
public sealed record IndicatorValue(string ObjectType, string Path, string Value);

/// <summary>
/// The values a pattern looks for, for the store's search index: every positive <c>=</c> or <c>IN</c> comparison with
/// string constants (e.g. <c>ipv4-addr:value = '198.51.100.1'</c>, <c>file:hashes.'SHA-256' = '…'</c>). Negated
/// comparisons and operators other than equality are not values and are left out.
/// </summary>
public static class IndicatorValues
{
    public static IReadOnlyList<IndicatorValue> Extract(StixPattern pattern)
    {
        var result = new List<IndicatorValue>();
        Walk(pattern.Root, result);
        return result.Distinct().ToList();
    }

    private static void Walk(PatternExpression e, List<IndicatorValue> into)
    {
        switch (e)
        {
            case ObservationExpression o:
                Walk(o.Comparison, into);
                break;
            case ObservationBinary b:
                Walk(b.Left, into);
                Walk(b.Right, into);
                break;
            case QualifiedExpression q:
                Walk(q.Inner, into);
                break;
        }
    }

    private static void Walk(ComparisonExpression e, List<IndicatorValue> into)
    {
        switch (e)
        {
            case ComparisonBinary b:
                Walk(b.Left, into);
                Walk(b.Right, into);
                break;
            case Comparison { Negated: false, Operator: ComparisonOperator.Equal, Value: StringConstant s } c:
                into.Add(new IndicatorValue(c.Path.ObjectType, c.Path.ToString(), s.Value));
                break;
            case Comparison { Negated: false, Operator: ComparisonOperator.In, Value: SetConstant set } c:
                foreach (var item in set.Items.OfType<StringConstant>())
                {
                    into.Add(new IndicatorValue(c.Path.ObjectType, c.Path.ToString(), item.Value));
                }

                break;
        }
    }
}
