using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;
using Musubi.Core;
using Musubi.Core.Incidents;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Musubi.Infrastructure.Incidents;

/// <summary>
/// Reads an exercise scenario from YAML or JSON (JSON is YAML). The format is in docs/INCIDENTS.md ("Exercises");
/// errors name the path and, for syntax errors, the line and column. Durations are ISO 8601 (<c>PT30M</c>) or short
/// (<c>45s</c>, <c>30m</c>, <c>4h</c>, <c>2d</c>).
/// </summary>
public static partial class ScenarioReader
{
    public const int MaxBytes = 1024 * 1024;

    public static ExerciseScenario Read(string text)
    {
        if (text.Length > MaxBytes)
        {
            throw new ValidationFailedException("scenario", $"is larger than {MaxBytes / 1024} KiB");
        }

        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            root = stream.Documents.Count == 1 && stream.Documents[0].RootNode is YamlMappingNode map
                ? map
                : throw new ValidationFailedException("scenario", "must be one YAML or JSON object");
        }
        catch (YamlException e)
        {
            throw new ValidationFailedException("scenario", $"line {e.Start.Line}, column {e.Start.Column}: {e.Message}");
        }

        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var reader = new NodeReader(errors);
        var title = root.Children.TryGetValue(new YamlScalarNode("title"), out var t) ? t : null;
        string? titleEn = null, titleJa = null;
        if (title is YamlScalarNode plainTitle)
        {
            titleEn = titleJa = plainTitle.Value;
        }
        else if (title is YamlMappingNode titles)
        {
            titleEn = reader.Text(titles, "en", "title.en", required: true);
            titleJa = reader.Text(titles, "ja", "title.ja") ?? titleEn;
        }
        else
        {
            reader.Error("title", "is required (a text, or en/ja texts)");
        }

        var scenario = new ExerciseScenario(
            reader.Text(root, "id", "id", required: true) ?? "",
            titleEn ?? "",
            titleJa ?? "",
            reader.Text(root, "description", "description"),
            reader.Duration(root, "duration", "duration") ?? TimeSpan.Zero,
            reader.List(root, "roles", "roles").Select((n, i) => reader.Scalar(n, $"roles[{i}]") ?? "").ToList(),
            reader.List(root, "injects", "injects").Select((n, i) => Inject(reader, n, $"injects[{i}]")).ToList(),
            reader.List(root, "expected", "expected").Select((n, i) => Expected(reader, n, $"expected[{i}]")).ToList());
        foreach (var (field, reasons) in ExerciseScoring.Check(scenario))
        {
            if (!errors.ContainsKey(field))
            {
                errors[field] = reasons.ToList();
            }
        }

        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));
        }

        return scenario;
    }

    private static ExerciseInject Inject(NodeReader r, YamlNode node, string path)
    {
        if (node is not YamlMappingNode map)
        {
            r.Error(path, "must be an object");
            return new ExerciseInject("", TimeSpan.Zero, InjectKind.Message, "", null, null, null, null);
        }

        return new ExerciseInject(
            r.Text(map, "id", path + ".id", required: true) ?? "",
            r.Duration(map, "at", path + ".at") ?? TimeSpan.Zero,
            r.Enum<InjectKind>(map, "kind", path + ".kind") ?? InjectKind.Message,
            r.Text(map, "title", path + ".title", required: true) ?? "",
            r.Text(map, "body", path + ".body"),
            r.Text(map, "classification", path + ".classification"),
            r.Text(map, "affected_role", path + ".affected_role"),
            r.Text(map, "incident", path + ".incident"),
            r.Int(map, "asset_criticality", path + ".asset_criticality") ?? 3);
    }

    private static ExpectedAction Expected(NodeReader r, YamlNode node, string path)
    {
        if (node is not YamlMappingNode map)
        {
            r.Error(path, "must be an object");
            return new ExpectedAction("", "", ExpectedActionKind.Note, TimeSpan.Zero, "");
        }

        return new ExpectedAction(
            r.Text(map, "id", path + ".id", required: true) ?? "",
            r.Text(map, "inject", path + ".inject", required: true) ?? "",
            r.Enum<ExpectedActionKind>(map, "action", path + ".action") ?? ExpectedActionKind.Note,
            r.Duration(map, "within", path + ".within") ?? TimeSpan.Zero,
            r.Text(map, "role", path + ".role", required: true) ?? "",
            r.Int(map, "points", path + ".points") ?? 10,
            r.Enum<IncidentStatus>(map, "status", path + ".status", optional: true),
            r.Enum<IncidentRole>(map, "team_role", path + ".team_role", optional: true),
            r.Text(map, "description", path + ".description"));
    }

    [GeneratedRegex(@"^(\d{1,6})(s|m|h|d)$")]
    private static partial Regex ShortDuration();

    private sealed class NodeReader(Dictionary<string, List<string>> errors)
    {
        public void Error(string path, string reason)
        {
            if (!errors.TryGetValue(path, out var list))
            {
                errors[path] = list = [];
            }

            list.Add(reason);
        }

        private static YamlNode? Get(YamlMappingNode map, string key) =>
            map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

        public string? Scalar(YamlNode node, string path)
        {
            if (node is YamlScalarNode s)
            {
                return s.Value;
            }

            Error(path, "must be a text");
            return null;
        }

        public string? Text(YamlMappingNode map, string key, string path, bool required = false)
        {
            var node = Get(map, key);
            if (node is null)
            {
                if (required)
                {
                    Error(path, "is required");
                }

                return null;
            }

            var value = Scalar(node, path);
            if (value is { Length: > 20_000 })
            {
                Error(path, "is longer than 20,000 characters");
            }

            return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        }

        public int? Int(YamlMappingNode map, string key, string path)
        {
            var text = Text(map, key, path);
            if (text is null)
            {
                return null;
            }

            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }

            Error(path, $"'{text}' is not a whole number");
            return null;
        }

        public TimeSpan? Duration(YamlMappingNode map, string key, string path)
        {
            var text = Text(map, key, path);
            if (text is null)
            {
                Error(path, "is required");
                return null;
            }

            var match = ShortDuration().Match(text);
            if (match.Success)
            {
                var n = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                return match.Groups[2].Value switch
                {
                    "s" => TimeSpan.FromSeconds(n),
                    "m" => TimeSpan.FromMinutes(n),
                    "h" => TimeSpan.FromHours(n),
                    _ => TimeSpan.FromDays(n),
                };
            }

            try
            {
                return XmlConvert.ToTimeSpan(text);
            }
            catch (FormatException)
            {
                Error(path, $"'{text}' is not a duration (use 30m, 4h, 2d or ISO 8601 such as PT30M)");
                return null;
            }
        }

        public T? Enum<T>(YamlMappingNode map, string key, string path, bool optional = false)
            where T : struct, System.Enum
        {
            var text = Text(map, key, path);
            if (text is null)
            {
                if (!optional)
                {
                    Error(path, "is required");
                }

                return null;
            }

            var normalised = text.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
            if (System.Enum.TryParse<T>(normalised, ignoreCase: true, out var value) && System.Enum.IsDefined(value) && !char.IsAsciiDigit(text[0]))
            {
                return value;
            }

            Error(path, $"'{text}' is not one of: {string.Join(", ", System.Enum.GetNames<T>().Select(Kebab))}");
            return null;
        }

        public IReadOnlyList<YamlNode> List(YamlMappingNode map, string key, string path)
        {
            var node = Get(map, key);
            if (node is YamlSequenceNode seq)
            {
                return seq.Children.ToList();
            }

            if (node is not null)
            {
                Error(path, "must be a list");
            }

            return [];
        }

        private static string Kebab(string name) => Regex.Replace(name, "(?<!^)([A-Z])", "-$1").ToLowerInvariant();
    }
}
