using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Musubi.Detection.Sigma.Correlation;

public enum CorrelationType
{
    EventCount,
    ValueCount,
    Temporal,
    TemporalOrdered,
    ValueSum,
    ValueAvg,
    ValuePercentile,
}

public enum CorrelationOperator
{
    Gt,
    Gte,
    Lt,
    Lte,
    Eq,
    Neq,
}

/// <summary>One criterion of a correlation condition; several are AND-linked (e.g. <c>gt: 100, lte: 200</c>).</summary>
public readonly record struct CorrelationCriterion(CorrelationOperator Operator, double Value)
{
    public bool IsSatisfiedBy(double actual) => Operator switch
    {
        CorrelationOperator.Gt => actual > Value,
        CorrelationOperator.Gte => actual >= Value,
        CorrelationOperator.Lt => actual < Value,
        CorrelationOperator.Lte => actual <= Value,
        CorrelationOperator.Eq => actual == Value,
        _ => actual != Value,
    };

    /// <summary>True when the aggregate can only grow towards this criterion (a lower bound).</summary>
    public bool IsLowerBound => Operator is CorrelationOperator.Gt or CorrelationOperator.Gte;
}

/// <summary>A correlation (meta) rule.</summary>
public sealed class SigmaCorrelationRule : SigmaDocument
{
    public required CorrelationType Type { get; init; }

    /// <summary>Ids or names of the rules (or correlations) correlated.</summary>
    public required IReadOnlyList<string> Rules { get; init; }

    public IReadOnlyList<string> GroupBy { get; init; } = [];

    public required TimeSpan Timespan { get; init; }

    /// <summary>AND-linked criteria; empty for temporal types means "all referenced rules".</summary>
    public IReadOnlyList<CorrelationCriterion> Condition { get; init; } = [];

    /// <summary>The <c>field</c> of the condition (value_count, value_sum, value_avg, value_percentile).</summary>
    public IReadOnlyList<string> ValueFields { get; init; } = [];

    /// <summary>alias → (rule id or name → field in that rule's events).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Aliases { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, string>>();

    /// <summary>When true, the referenced rules also report their own matches.</summary>
    public bool Generate { get; init; }
}

internal static class CorrelationParser
{
    public static SigmaCorrelationRule Parse(YamlMappingNode map, string source, int index)
    {
        var title = Yaml.RequiredString(map, "title");
        var body = Yaml.Get(map, "correlation") as YamlMappingNode ?? throw new SigmaRuleException("'correlation' must be a mapping");
        var typeText = Yaml.OptionalString(body, "type") ?? throw new SigmaRuleException("correlation: missing 'type'");
        var type = typeText switch
        {
            "event_count" => CorrelationType.EventCount,
            "value_count" => CorrelationType.ValueCount,
            "temporal" => CorrelationType.Temporal,
            "temporal_ordered" => CorrelationType.TemporalOrdered,
            "value_sum" => CorrelationType.ValueSum,
            "value_avg" => CorrelationType.ValueAvg,
            "value_percentile" => CorrelationType.ValuePercentile,
            _ => throw new SigmaRuleException($"correlation: unknown type '{typeText}'"),
        };
        var rules = Yaml.StringList(body, "rules");
        if (rules.Count == 0)
        {
            throw new SigmaRuleException("correlation: 'rules' must list at least one rule id or name");
        }

        var timespanText = Yaml.OptionalString(body, "timespan") ?? throw new SigmaRuleException("correlation: missing 'timespan'");
        var groupBy = Yaml.StringList(body, "group-by");
        var criteria = new List<CorrelationCriterion>();
        var fields = new List<string>();
        switch (Yaml.Get(body, "condition"))
        {
            case null:
            case YamlScalarNode nothing when Yaml.IsNull(nothing):
                break;
            case YamlMappingNode condition:
                foreach (var (keyNode, valueNode) in condition.Children)
                {
                    var key = Yaml.KeyText(keyNode);
                    if (key == "field")
                    {
                        fields.AddRange(valueNode switch
                        {
                            YamlScalarNode { Value: { Length: > 0 } f } => [f],
                            YamlSequenceNode seq => seq.Children.Select(c => ((YamlScalarNode)c).Value ?? ""),
                            _ => throw new SigmaRuleException("correlation: condition 'field' must be a name or a list of names"),
                        });
                        continue;
                    }

                    var op = key switch
                    {
                        "gt" => CorrelationOperator.Gt,
                        "gte" => CorrelationOperator.Gte,
                        "lt" => CorrelationOperator.Lt,
                        "lte" => CorrelationOperator.Lte,
                        "eq" => CorrelationOperator.Eq,
                        "neq" => CorrelationOperator.Neq,
                        _ => throw new SigmaRuleException($"correlation: unknown condition operator '{key}' (gt, gte, lt, lte, eq, neq, field)"),
                    };
                    if (valueNode is not YamlScalarNode { Value: { } number }
                        || !double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                    {
                        throw new SigmaRuleException($"correlation: condition '{key}' needs a number");
                    }

                    criteria.Add(new CorrelationCriterion(op, value));
                }

                break;
            default:
                throw new SigmaRuleException("correlation: 'condition' must be a mapping such as 'gte: 10'");
        }

        var temporal = type is CorrelationType.Temporal or CorrelationType.TemporalOrdered;
        if (!temporal && criteria.Count == 0)
        {
            throw new SigmaRuleException($"correlation: type '{typeText}' needs a condition (gt, gte, lt, lte, eq or neq)");
        }

        var needsField = type is CorrelationType.ValueCount or CorrelationType.ValueSum or CorrelationType.ValueAvg or CorrelationType.ValuePercentile;
        if (needsField && fields.Count == 0)
        {
            throw new SigmaRuleException($"correlation: type '{typeText}' needs 'field' in its condition");
        }

        if (!needsField && fields.Count > 0)
        {
            throw new SigmaRuleException($"correlation: type '{typeText}' takes no 'field'");
        }

        if (type is CorrelationType.ValueSum or CorrelationType.ValueAvg or CorrelationType.ValuePercentile && fields.Count > 1)
        {
            throw new SigmaRuleException($"correlation: type '{typeText}' aggregates a single numeric field");
        }

        if (type == CorrelationType.ValuePercentile && criteria.Any(c => c.Value is < 0 or > 100))
        {
            throw new SigmaRuleException("correlation: value_percentile thresholds are percentages (0 to 100)");
        }

        var aliases = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        if (Yaml.Get(body, "aliases") is YamlMappingNode aliasMap)
        {
            foreach (var (aliasKey, perRule) in aliasMap.Children)
            {
                if (perRule is not YamlMappingNode ruleMap)
                {
                    throw new SigmaRuleException($"correlation: alias '{Yaml.KeyText(aliasKey)}' must map rule names to fields");
                }

                aliases[Yaml.KeyText(aliasKey)] = ruleMap.Children.ToDictionary(
                    p => Yaml.KeyText(p.Key),
                    p => p.Value is YamlScalarNode { Value: { Length: > 0 } f } ? f : throw new SigmaRuleException("correlation: alias targets must be field names"),
                    StringComparer.Ordinal);
            }
        }

        var generateText = Yaml.OptionalString(body, "generate") ?? Yaml.OptionalString(map, "generate");
        return new SigmaCorrelationRule
        {
            Title = title,
            Id = Yaml.OptionalString(map, "id"),
            Name = Yaml.OptionalString(map, "name"),
            Status = Yaml.OptionalString(map, "status"),
            Description = Yaml.OptionalString(map, "description"),
            Level = SigmaLoader.ParseLevel(Yaml.OptionalString(map, "level")),
            Tags = Yaml.StringList(map, "tags"),
            FalsePositives = Yaml.StringList(map, "falsepositives"),
            Author = Yaml.OptionalString(map, "author"),
            Date = Yaml.OptionalString(map, "date"),
            Modified = Yaml.OptionalString(map, "modified"),
            References = Yaml.StringList(map, "references"),
            Type = type,
            Rules = rules,
            GroupBy = groupBy,
            Timespan = ParseTimespan(timespanText),
            Condition = criteria,
            ValueFields = fields,
            Aliases = aliases,
            Generate = generateText is "true" or "True",
            Source = source,
            DocumentIndex = index,
        };
    }

    internal static TimeSpan ParseTimespan(string text)
    {
        if (text.Length >= 2 && long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            switch (text[^1])
            {
                case 's': return TimeSpan.FromSeconds(n);
                case 'm': return TimeSpan.FromMinutes(n);
                case 'h': return TimeSpan.FromHours(n);
                case 'd': return TimeSpan.FromDays(n);
            }
        }

        throw new SigmaRuleException($"correlation: timespan '{text}' must be a positive number followed by s, m, h or d");
    }
}
