using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Musubi.Detection.Sigma;

/// <summary>Small helpers over YamlDotNet's representation model; scalars are read as text, never as dates.</summary>
internal static partial class Yaml
{
    public static YamlNode? Get(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

    public static string KeyText(YamlNode key) => key is YamlScalarNode { Value: { } text }
        ? text
        : throw new SigmaRuleException("keys must be plain strings");

    public static string RequiredString(YamlMappingNode map, string key) =>
        OptionalString(map, key) is { Length: > 0 } value ? value : throw new SigmaRuleException($"missing '{key}'");

    public static string? OptionalString(YamlMappingNode map, string key) => Get(map, key) switch
    {
        null => null,
        YamlScalarNode s when IsNull(s) => null,
        YamlScalarNode s => s.Value,
        _ => throw new SigmaRuleException($"'{key}' must be a single value"),
    };

    public static List<string> StringList(YamlMappingNode map, string key) => Get(map, key) switch
    {
        null => [],
        YamlScalarNode s when IsNull(s) => [],
        YamlScalarNode s => [s.Value!],
        YamlSequenceNode seq => seq.Children.Select(c => c is YamlScalarNode { Value: { } v } ? v
            : throw new SigmaRuleException($"'{key}' must be a list of values")).ToList(),
        _ => throw new SigmaRuleException($"'{key}' must be a list of values"),
    };

    public static bool IsNull(YamlScalarNode scalar) =>
        scalar.Style == ScalarStyle.Plain && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";

    /// <summary>YAML 1.2 core schema for plain scalars; quoted scalars are always strings.</summary>
    public static SigmaValue Value(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain)
        {
            return new SigmaValue(SigmaValueKind.String, text);
        }

        if (IsNull(scalar))
        {
            return SigmaValue.Null;
        }

        if (text is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
        {
            return new SigmaValue(SigmaValueKind.Boolean, text.ToLowerInvariant());
        }

        return NumberPattern().IsMatch(text)
            ? new SigmaValue(SigmaValueKind.Number, text)
            : new SigmaValue(SigmaValueKind.String, text);
    }

    [GeneratedRegex(@"^(?:[-+]?[0-9]+|0x[0-9a-fA-F]+|0o[0-7]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberPattern();
}
