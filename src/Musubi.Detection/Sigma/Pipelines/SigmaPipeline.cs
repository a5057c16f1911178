using System.Reflection;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Musubi.Detection.Sigma.Pipelines;

/// <summary>Field equals one of the values (Sigma equality: case-insensitive).</summary>
public sealed record RouteCondition(string Field, IReadOnlyList<string> Values)
{
    public override string ToString() => $"{Field} in [{string.Join(", ", Values)}]";
}

/// <summary>
/// One way a log source is found in the events: conditions an event must meet (AND-linked) and the field-name
/// mapping that applies to rules evaluated on such events.
/// </summary>
public sealed record RouteVariant(IReadOnlyList<RouteCondition> Conditions, IReadOnlyDictionary<string, string> FieldMappings)
{
    public string ConditionKey => string.Join(" and ", Conditions.OrderBy(c => c.Field, StringComparer.Ordinal).Select(c => c.ToString()));
}

/// <summary>One <c>logsources</c> entry of a pipeline file.</summary>
public sealed record LogSourceMapping(
    string Name,
    SigmaLogSource Match,
    IReadOnlyList<RouteCondition> Conditions,
    SigmaLogSource? Rewrite,
    IReadOnlyDictionary<string, string> FieldMappings,
    IReadOnlyList<string> Sources);

/// <summary>
/// Log-source routing and field mapping. A rule's log source selects every entry whose given keys (category,
/// product, service) all equal the rule's; each gives a <see cref="RouteVariant"/> (with <c>rewrite</c>, the entry's
/// conditions are combined with those of the rewritten log source; <c>WinEventLog:X</c> sources become
/// <c>Channel = X</c>). A log source no entry matches is evaluated on every event, with a warning.
/// </summary>
public sealed class SigmaPipeline
{
    private const string ResourceName = "Musubi.Detection.windows-pipeline.yml";
    private static readonly Lazy<SigmaPipeline> WindowsPipeline = new(() =>
    {
        using var stream = typeof(SigmaPipeline).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} missing");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), "built-in windows");
    });

    public SigmaPipeline(string name, IReadOnlyList<LogSourceMapping> mappings, IReadOnlyDictionary<string, string>? fieldMappings = null)
    {
        Name = name;
        Mappings = mappings;
        FieldMappings = fieldMappings ?? new Dictionary<string, string>();
    }

    /// <summary>The built-in Windows pipeline: the SigmaHQ THOR mappings plus the services of the taxonomy appendix.</summary>
    public static SigmaPipeline Windows => WindowsPipeline.Value;

    /// <summary>No routing: every rule is evaluated on every event.</summary>
    public static SigmaPipeline None { get; } = new("none", []);

    public string Name { get; }

    public IReadOnlyList<LogSourceMapping> Mappings { get; }

    /// <summary>Field mappings for every log source (an entry's own mappings take precedence).</summary>
    public IReadOnlyDictionary<string, string> FieldMappings { get; }

    public static SigmaPipeline Load(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>Reads a pipeline in the THOR-style layout (<c>logsources</c>, optional top-level <c>fieldmappings</c>).</summary>
    public static SigmaPipeline Parse(string yaml, string name)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new SigmaRuleException($"pipeline {name}: invalid YAML at line {e.Start.Line}: {e.Message}");
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new SigmaRuleException($"pipeline {name}: expected a mapping");
        }

        var title = Yaml.OptionalString(root, "title") ?? name;
        var mappings = new List<LogSourceMapping>();
        if (Yaml.Get(root, "logsources") is YamlMappingNode sources)
        {
            foreach (var (key, node) in sources.Children)
            {
                var entryName = Yaml.KeyText(key);
                if (node is not YamlMappingNode entry)
                {
                    throw new SigmaRuleException($"pipeline {name}: logsource '{entryName}' must be a mapping");
                }

                mappings.Add(ParseMapping(entryName, entry, name));
            }
        }

        return new SigmaPipeline(title, mappings, ParseFieldMappings(Yaml.Get(root, "fieldmappings"), name));
    }

    /// <summary>The ways the log source is found in events; empty when no entry matches it.</summary>
    public IReadOnlyList<RouteVariant> Resolve(SigmaLogSource logSource) => Resolve(logSource, 0);

    private List<RouteVariant> Resolve(SigmaLogSource logSource, int depth)
    {
        if (depth > 8)
        {
            throw new SigmaRuleException($"pipeline {Name}: rewrite loop at logsource {logSource}");
        }

        var variants = new List<RouteVariant>();
        foreach (var mapping in Mappings)
        {
            if (!Applies(mapping.Match, logSource))
            {
                continue;
            }

            var own = new List<RouteCondition>(mapping.Conditions);
            var channels = mapping.Sources
                .Where(s => s.StartsWith("WinEventLog:", StringComparison.Ordinal))
                .Select(s => s["WinEventLog:".Length..])
                .ToList();
            if (channels.Count > 0)
            {
                own.Add(new RouteCondition("Channel", channels));
            }

            if (mapping.Rewrite is { } rewrite)
            {
                var inner = Resolve(rewrite, depth + 1);
                if (inner.Count == 0)
                {
                    variants.Add(new RouteVariant(own, mapping.FieldMappings));
                }

                foreach (var sub in inner)
                {
                    var fields = new Dictionary<string, string>(sub.FieldMappings, StringComparer.Ordinal);
                    foreach (var (from, to) in mapping.FieldMappings)
                    {
                        fields[from] = to;
                    }

                    variants.Add(new RouteVariant([.. own, .. sub.Conditions], fields));
                }
            }
            else
            {
                variants.Add(new RouteVariant(own, mapping.FieldMappings));
            }
        }

        return variants;
    }

    private static bool Applies(SigmaLogSource match, SigmaLogSource logSource)
    {
        if (match.Category is null && match.Product is null && match.Service is null)
        {
            return false;
        }

        return Same(match.Category, logSource.Category) && Same(match.Product, logSource.Product) && Same(match.Service, logSource.Service);

        static bool Same(string? wanted, string? actual) =>
            wanted is null || string.Equals(wanted, actual, StringComparison.OrdinalIgnoreCase);
    }

    private static LogSourceMapping ParseMapping(string entryName, YamlMappingNode entry, string pipeline)
    {
        var match = new SigmaLogSource(Yaml.OptionalString(entry, "category"), Yaml.OptionalString(entry, "product"), Yaml.OptionalString(entry, "service"));
        var conditions = new List<RouteCondition>();
        if (Yaml.Get(entry, "conditions") is YamlMappingNode conditionMap)
        {
            foreach (var (key, value) in conditionMap.Children)
            {
                var values = value switch
                {
                    YamlScalarNode { Value: { } v } => [v],
                    YamlSequenceNode seq => seq.Children.Select(c => ((YamlScalarNode)c).Value ?? "").ToList(),
                    _ => throw new SigmaRuleException($"pipeline {pipeline}: logsource '{entryName}': condition values must be values or lists"),
                };
                conditions.Add(new RouteCondition(Yaml.KeyText(key), values));
            }
        }

        SigmaLogSource? rewrite = null;
        if (Yaml.Get(entry, "rewrite") is YamlMappingNode rewriteMap)
        {
            rewrite = new SigmaLogSource(Yaml.OptionalString(rewriteMap, "category"), Yaml.OptionalString(rewriteMap, "product"), Yaml.OptionalString(rewriteMap, "service"));
        }

        return new LogSourceMapping(entryName, match, conditions, rewrite, ParseFieldMappings(Yaml.Get(entry, "fieldmappings"), pipeline), Yaml.StringList(entry, "sources"));
    }

    private static Dictionary<string, string> ParseFieldMappings(YamlNode? node, string pipeline)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node is YamlMappingNode map)
        {
            foreach (var (key, value) in map.Children)
            {
                result[Yaml.KeyText(key)] = value is YamlScalarNode { Value: { Length: > 0 } target }
                    ? target
                    : throw new SigmaRuleException($"pipeline {pipeline}: field mapping of '{Yaml.KeyText(key)}' must be one field name");
            }
        }

        return result;
    }
}
