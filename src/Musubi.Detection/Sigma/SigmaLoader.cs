using Musubi.Detection.Sigma.Conditions;
using Musubi.Detection.Sigma.Correlation;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Musubi.Detection.Sigma;

/// <summary>A document that could not be loaded, with the precise reason.</summary>
public sealed record SigmaLoadFailure(string Source, int DocumentIndex, string? RuleId, string? Title, string Reason)
{
    public override string ToString() =>
        $"{Source}{(DocumentIndex > 0 ? $"#{DocumentIndex}" : "")}: {(RuleId ?? Title ?? "?")}: {Reason}";
}

/// <summary>The documents of one or more YAML files: rules, filters and correlations, and those that failed.</summary>
public sealed class SigmaDocumentSet
{
    public List<SigmaRule> Rules { get; } = [];

    public List<SigmaFilter> Filters { get; } = [];

    public List<SigmaCorrelationRule> Correlations { get; } = [];

    public List<SigmaLoadFailure> Failures { get; } = [];

    /// <summary>Every document seen, loaded or not.</summary>
    public int DocumentCount => Rules.Count + Filters.Count + Correlations.Count + Failures.Count;

    public void Add(SigmaDocumentSet other)
    {
        Rules.AddRange(other.Rules);
        Filters.AddRange(other.Filters);
        Correlations.AddRange(other.Correlations);
        Failures.AddRange(other.Failures);
    }
}

/// <summary>
/// Reads Sigma YAML (one or several documents per file, separated by <c>---</c>) into rules, filters and correlation
/// rules. Dates and other scalars stay strings. A document that is not valid Sigma 2.x becomes a
/// <see cref="SigmaLoadFailure"/>; the others still load.
/// </summary>
public static class SigmaLoader
{
    public static SigmaDocumentSet LoadDirectory(string directory)
    {
        var set = new SigmaDocumentSet();
        var files = Directory.EnumerateFiles(directory, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal);
        foreach (var file in files)
        {
            set.Add(LoadFile(file));
        }

        return set;
    }

    public static SigmaDocumentSet LoadFile(string path) => LoadYaml(File.ReadAllText(path), path);

    public static SigmaDocumentSet LoadYaml(string yaml, string source)
    {
        var set = new SigmaDocumentSet();
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            set.Failures.Add(new SigmaLoadFailure(source, 0, null, null, $"invalid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.InnerException?.Message ?? e.Message}"));
            return set;
        }

        for (var i = 0; i < stream.Documents.Count; i++)
        {
            var root = stream.Documents[i].RootNode;
            if (root is YamlScalarNode { Value: null or "" })
            {
                continue; // an empty document, e.g. after a trailing '---'
            }

            string? id = null, title = null;
            try
            {
                if (root is not YamlMappingNode map)
                {
                    throw new SigmaRuleException("a Sigma document must be a mapping");
                }

                id = Yaml.OptionalString(map, "id");
                title = Yaml.OptionalString(map, "title");
                if (map.Children.ContainsKey(new YamlScalarNode("action")))
                {
                    throw new SigmaRuleException("'action' (rule collections of Sigma 1.x) is not part of Sigma 2.x: write each rule as a complete document");
                }

                if (map.Children.ContainsKey(new YamlScalarNode("correlation")))
                {
                    set.Correlations.Add(CorrelationParser.Parse(map, source, i));
                }
                else if (map.Children.ContainsKey(new YamlScalarNode("filter")))
                {
                    set.Filters.Add(ParseFilter(map, source, i));
                }
                else
                {
                    set.Rules.Add(ParseRule(map, source, i));
                }
            }
            catch (SigmaRuleException e)
            {
                set.Failures.Add(new SigmaLoadFailure(source, i, id, title, e.Message));
            }
        }

        return set;
    }

    internal static SigmaRule ParseRule(YamlMappingNode map, string source, int index)
    {
        var title = Yaml.RequiredString(map, "title");
        var logSource = ParseLogSource(Yaml.Get(map, "logsource") ?? throw new SigmaRuleException("missing 'logsource'"));
        var detectionNode = Yaml.Get(map, "detection") as YamlMappingNode
            ?? throw new SigmaRuleException("missing or invalid 'detection' (a mapping is required)");
        return new SigmaRule
        {
            Title = title,
            Id = Yaml.OptionalString(map, "id"),
            Name = Yaml.OptionalString(map, "name"),
            Status = Yaml.OptionalString(map, "status"),
            Description = Yaml.OptionalString(map, "description"),
            Level = ParseLevel(Yaml.OptionalString(map, "level")),
            Tags = Yaml.StringList(map, "tags"),
            FalsePositives = Yaml.StringList(map, "falsepositives"),
            Author = Yaml.OptionalString(map, "author"),
            Date = Yaml.OptionalString(map, "date"),
            Modified = Yaml.OptionalString(map, "modified"),
            References = Yaml.StringList(map, "references"),
            Fields = Yaml.StringList(map, "fields"),
            Taxonomy = Yaml.OptionalString(map, "taxonomy"),
            LogSource = logSource,
            Detection = ParseDetection(detectionNode, "detection"),
            Source = source,
            DocumentIndex = index,
        };
    }

    private static SigmaFilter ParseFilter(YamlMappingNode map, string source, int index)
    {
        var title = Yaml.RequiredString(map, "title");
        var logSource = ParseLogSource(Yaml.Get(map, "logsource") ?? throw new SigmaRuleException("missing 'logsource'"));
        var filter = Yaml.Get(map, "filter") as YamlMappingNode ?? throw new SigmaRuleException("'filter' must be a mapping");
        var rules = Yaml.StringList(filter, "rules");
        if (rules.Count == 0)
        {
            throw new SigmaRuleException("filter: 'rules' must list at least one rule id or name");
        }

        var detection = new YamlMappingNode();
        foreach (var (key, value) in filter.Children)
        {
            if (key is YamlScalarNode { Value: "rules" })
            {
                continue;
            }

            detection.Add(key, value);
        }

        return new SigmaFilter
        {
            Title = title,
            Id = Yaml.OptionalString(map, "id"),
            Name = Yaml.OptionalString(map, "name"),
            Description = Yaml.OptionalString(map, "description"),
            LogSource = logSource,
            Rules = rules,
            Detection = ParseDetection(detection, "filter"),
            Source = source,
            DocumentIndex = index,
        };
    }

    internal static SigmaLevel ParseLevel(string? level) => level?.ToLowerInvariant() switch
    {
        null => SigmaLevel.None,
        "informational" => SigmaLevel.Informational,
        "low" => SigmaLevel.Low,
        "medium" => SigmaLevel.Medium,
        "high" => SigmaLevel.High,
        "critical" => SigmaLevel.Critical,
        _ => throw new SigmaRuleException($"unknown level '{level}' (informational, low, medium, high or critical)"),
    };

    private static SigmaLogSource ParseLogSource(YamlNode node)
    {
        if (node is not YamlMappingNode map)
        {
            throw new SigmaRuleException("'logsource' must be a mapping");
        }

        return new SigmaLogSource(
            Yaml.OptionalString(map, "category"),
            Yaml.OptionalString(map, "product"),
            Yaml.OptionalString(map, "service"));
    }

    private static SigmaDetection ParseDetection(YamlMappingNode map, string section)
    {
        var searches = new Dictionary<string, SigmaSearch>(StringComparer.Ordinal);
        YamlNode? conditionNode = null;
        foreach (var (keyNode, value) in map.Children)
        {
            var key = Yaml.KeyText(keyNode);
            if (key == "condition")
            {
                conditionNode = value;
                continue;
            }

            if (key == "timeframe")
            {
                throw new SigmaRuleException($"{section}: 'timeframe' (Sigma 1.x aggregations) is not part of Sigma 2.x: use a correlation rule");
            }

            searches[key] = ParseSearch(key, value);
        }

        if (conditionNode is null)
        {
            throw new SigmaRuleException($"{section}: missing 'condition'");
        }

        var texts = conditionNode switch
        {
            YamlScalarNode s when !string.IsNullOrWhiteSpace(s.Value) => [s.Value!],
            YamlSequenceNode seq => seq.Children.Select(c => c is YamlScalarNode { Value: { Length: > 0 } v } ? v
                : throw new SigmaRuleException($"{section}: each condition in the list must be a string")).ToList(),
            _ => throw new SigmaRuleException($"{section}: 'condition' must be a string or a list of strings"),
        };
        if (texts.Count == 0)
        {
            throw new SigmaRuleException($"{section}: empty condition list");
        }

        var names = searches.Keys.ToList();
        var parsed = texts.Select(t => ConditionParser.Parse(t, names)).ToList();
        var condition = parsed.Count == 1 ? parsed[0] : new OrCondition(parsed);
        return new SigmaDetection(searches, texts, condition);
    }

    private static SigmaSearch ParseSearch(string name, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                return new SigmaSearch(name, [ParseMap(name, map)]);

            case YamlSequenceNode seq:
                {
                    if (seq.Children.Count == 0)
                    {
                        throw new SigmaRuleException($"search '{name}' is an empty list");
                    }

                    var alternatives = new List<IReadOnlyList<SigmaFieldPredicate>>();
                    var keywords = new List<SigmaValue>();
                    foreach (var item in seq.Children)
                    {
                        switch (item)
                        {
                            case YamlMappingNode itemMap:
                                alternatives.Add(ParseMap(name, itemMap));
                                break;
                            case YamlScalarNode scalar:
                                keywords.Add(Yaml.Value(scalar));
                                break;
                            default:
                                throw new SigmaRuleException($"search '{name}': a list may hold maps or values, not nested lists");
                        }
                    }

                    if (keywords.Count > 0)
                    {
                        alternatives.Add([new SigmaFieldPredicate(null, [], keywords)]);
                    }

                    return new SigmaSearch(name, alternatives);
                }

            case YamlScalarNode scalar:
                return new SigmaSearch(name, [[new SigmaFieldPredicate(null, [], [Yaml.Value(scalar)])]]);

            default:
                throw new SigmaRuleException($"search '{name}' must be a map, a list or a value");
        }
    }

    private static List<SigmaFieldPredicate> ParseMap(string search, YamlMappingNode map)
    {
        if (map.Children.Count == 0)
        {
            throw new SigmaRuleException($"search '{search}' is an empty map");
        }

        var predicates = new List<SigmaFieldPredicate>(map.Children.Count);
        foreach (var (keyNode, valueNode) in map.Children)
        {
            var key = Yaml.KeyText(keyNode);
            var (field, modifiers) = SigmaModifiers.ParseKey(key);
            List<SigmaValue> values = valueNode switch
            {
                YamlScalarNode scalar => [Yaml.Value(scalar)],
                YamlSequenceNode seq => seq.Children.Select(c => c is YamlScalarNode s ? Yaml.Value(s)
                    : throw new SigmaRuleException($"search '{search}', '{key}': values must be plain values, not maps or lists")).ToList(),
                _ => throw new SigmaRuleException($"search '{search}', '{key}': a field value cannot be a map"),
            };
            if (values.Count == 0)
            {
                throw new SigmaRuleException($"search '{search}', '{key}': empty value list");
            }

            predicates.Add(new SigmaFieldPredicate(field, modifiers, values));
        }

        return predicates;
    }
}
