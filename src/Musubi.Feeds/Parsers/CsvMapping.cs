using System.Globalization;
using System.Text.Json;
using Musubi.Core;

namespace Musubi.Feeds.Parsers;

/// <summary>
/// The configuration of a generic CSV feed (docs/FEED-FORMATS.md): which column goes to which harmonised field
/// (by header name or 1-based position), constant fields, the delimiter, comment prefix, and an optional time format.
/// </summary>
public sealed record CsvMapping
{
    public string FeedName { get; init; } = "CSV";

    public char Delimiter { get; init; } = ',';

    public bool Header { get; init; } = true;

    public string Comment { get; init; } = "#";

    /// <summary>A .NET custom date format (e.g. "dd/MM/yyyy HH:mm"), read as UTC; null: the usual feed formats.</summary>
    public string? TimeFormat { get; init; }

    public IReadOnlyDictionary<string, string> Columns { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Constants { get; init; } = new Dictionary<string, string>();

    /// <summary>Harmonised fields a row must have; by default time.source is not required but some source is.</summary>
    public IReadOnlyList<string> Required { get; init; } = [];

    /// <exception cref="ValidationFailedException">Naming the property that is wrong.</exception>
    public static CsvMapping Parse(ReadOnlySpan<byte> json)
    {
        if (json.Length > 1024 * 1024)
        {
            throw new ValidationFailedException("mapping", "larger than 1 MiB");
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ValidationFailedException("mapping", "must be a JSON object");
            }

            var mapping = new CsvMapping
            {
                FeedName = String(root, "feed_name") ?? "CSV",
                Delimiter = String(root, "delimiter") switch
                {
                    null => ',',
                    "\\t" or "\t" => '\t',
                    { Length: 1 } d => d[0],
                    _ => throw new ValidationFailedException("delimiter", "must be one character"),
                },
                Header = !root.TryGetProperty("header", out JsonElement h) || h.ValueKind != JsonValueKind.False,
                Comment = String(root, "comment") ?? "#",
                TimeFormat = String(root, "time_format"),
                Columns = Map(root, "columns"),
                Constants = Map(root, "constants"),
                Required = root.TryGetProperty("required", out JsonElement r) && r.ValueKind == JsonValueKind.Array
                    ? [.. r.EnumerateArray().Select(e => e.GetString() ?? throw new ValidationFailedException("required", "must be strings"))]
                    : [],
            };
            if (mapping.Columns.Count == 0)
            {
                throw new ValidationFailedException("columns", "must map at least one column to a field");
            }

            foreach ((string column, string field) in mapping.Columns)
            {
                if (!mapping.Header && !int.TryParse(column, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    throw new ValidationFailedException($"columns.{column}", "without a header, columns are 1-based numbers");
                }

                if (field.Length == 0)
                {
                    throw new ValidationFailedException($"columns.{column}", "the field name is empty");
                }
            }

            return mapping;
        }
        catch (JsonException e)
        {
            throw new ValidationFailedException("mapping", $"not JSON: {e.Message}");
        }
        catch (InvalidOperationException e)
        {
            throw new ValidationFailedException("mapping", e.Message);
        }
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement e) ? e.ValueKind == JsonValueKind.String ? e.GetString() : throw new ValidationFailedException(name, "must be a string") : null;

    private static Dictionary<string, string> Map(JsonElement root, string name)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!root.TryGetProperty(name, out JsonElement e))
        {
            return map;
        }

        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new ValidationFailedException(name, "must be an object");
        }

        foreach (JsonProperty p in e.EnumerateObject())
        {
            map[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : throw new ValidationFailedException($"{name}.{p.Name}", "must be a string");
        }

        return map;
    }
}
