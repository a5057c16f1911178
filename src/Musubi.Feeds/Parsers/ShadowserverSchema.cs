using System.Text.Json;
using Musubi.Core;

namespace Musubi.Feeds.Parsers;

/// <summary>One column mapping of a Shadowserver report: harmonised field (or "extra." for extra.COLUMN), column, conversion.</summary>
public sealed record ShadowserverMapping(string Field, string Column, string? Conversion)
{
    /// <summary>The harmonised name the column's value gets: "extra." + column for the bare "extra." prefix.</summary>
    public string Target => Field == "extra." ? "extra." + Column : Field;
}

public sealed record ShadowserverReport(
    string Name,
    string FileName,
    string FeedName,
    IReadOnlyList<KeyValuePair<string, string>> Constants,
    IReadOnlyList<ShadowserverMapping> Required,
    IReadOnlyList<ShadowserverMapping> Optional);

/// <summary>
/// The field-mapping schema in IntelMQ's format (report → file_name, feed_name, required_fields, optional_fields,
/// constant_fields). The built-in schema covers the legacy report families; another (such as IntelMQ's generated
/// schema.json) can be loaded in its place.
/// </summary>
public sealed class ShadowserverSchema
{
    public const int MaxSchemaBytes = 16 * 1024 * 1024;

    private static readonly Lazy<ShadowserverSchema> BuiltInSchema = new(() =>
    {
        using Stream stream = typeof(ShadowserverSchema).Assembly.GetManifestResourceStream("Musubi.Feeds.shadowserver-reports.json")
            ?? throw new InvalidOperationException("built-in Shadowserver schema missing");
        using var reader = new MemoryStream();
        stream.CopyTo(reader);
        return Parse(reader.ToArray(), "built-in schema");
    });

    private ShadowserverSchema(IReadOnlyList<ShadowserverReport> reports) => Reports = reports;

    public static ShadowserverSchema BuiltIn => BuiltInSchema.Value;

    public IReadOnlyList<ShadowserverReport> Reports { get; }

    /// <summary>
    /// The report whose file_name is the file's name without extension, or occurs in it between '-', '_' or '.'
    /// boundaries (Shadowserver names files like 2019-08-01-scan_smb-asn-jp.csv); the longest match wins.
    /// </summary>
    public ShadowserverReport? ForFile(string fileName)
    {
        string stem = Path.GetFileNameWithoutExtension(fileName);
        ShadowserverReport? best = null;
        foreach (ShadowserverReport report in Reports)
        {
            if (Matches(stem, report.FileName) && (best is null || report.FileName.Length > best.FileName.Length))
            {
                best = report;
            }
        }

        return best;
    }

    private static bool Matches(string stem, string name)
    {
        for (int at = stem.IndexOf(name, StringComparison.OrdinalIgnoreCase); at >= 0; at = stem.IndexOf(name, at + 1, StringComparison.OrdinalIgnoreCase))
        {
            int end = at + name.Length;
            bool left = at == 0 || stem[at - 1] is '-' or '.';
            bool right = end == stem.Length || stem[end] is '-' or '.';
            if (left && right)
            {
                return true;
            }
        }

        return false;
    }

    /// <exception cref="ValidationFailedException">Not JSON, or a report lacks file_name or has a malformed mapping.</exception>
    public static ShadowserverSchema Parse(ReadOnlySpan<byte> json, string what)
    {
        if (json.Length > MaxSchemaBytes)
        {
            throw Invalid(what, $"larger than {MaxSchemaBytes} bytes");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 16, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw Invalid(what, $"not JSON: {e.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(what, "the top level must be an object of reports");
            }

            var reports = new List<ShadowserverReport>();
            foreach (JsonProperty report in document.RootElement.EnumerateObject())
            {
                reports.Add(ReadReport(report, what));
            }

            return new ShadowserverSchema(reports);
        }
    }

    private static ShadowserverReport ReadReport(JsonProperty report, string what)
    {
        string path = report.Name;
        JsonElement value = report.Value;
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(what, $"{path}: must be an object");
        }

        string fileName = value.TryGetProperty("file_name", out JsonElement f) && f.ValueKind == JsonValueKind.String && f.GetString()!.Length > 0
            ? f.GetString()!
            : throw Invalid(what, $"{path}.file_name: missing or not a string");
        string feedName = value.TryGetProperty("feed_name", out JsonElement n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : report.Name;
        var constants = new List<KeyValuePair<string, string>>();
        if (value.TryGetProperty("constant_fields", out JsonElement c))
        {
            if (c.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(what, $"{path}.constant_fields: must be an object");
            }

            foreach (JsonProperty constant in c.EnumerateObject())
            {
                constants.Add(new(constant.Name, constant.Value.ValueKind == JsonValueKind.String ? constant.Value.GetString()! : constant.Value.GetRawText()));
            }
        }

        return new ShadowserverReport(report.Name, fileName, feedName, constants,
            ReadMappings(value, "required_fields", path, what), ReadMappings(value, "optional_fields", path, what));
    }

    private static List<ShadowserverMapping> ReadMappings(JsonElement report, string property, string path, string what)
    {
        var mappings = new List<ShadowserverMapping>();
        if (!report.TryGetProperty(property, out JsonElement list))
        {
            return mappings;
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            throw Invalid(what, $"{path}.{property}: must be an array");
        }

        int i = 0;
        foreach (JsonElement entry in list.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Array || entry.GetArrayLength() is < 2 or > 3
                || entry.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
            {
                throw Invalid(what, $"{path}.{property}[{i}]: must be [field, column] or [field, column, conversion]");
            }

            string[] parts = [.. entry.EnumerateArray().Select(e => e.GetString()!)];
            mappings.Add(new ShadowserverMapping(parts[0], parts[1], parts.Length == 3 ? parts[2] : null));
            i++;
        }

        return mappings;
    }

    private static ValidationFailedException Invalid(string what, string message) =>
        new(new Dictionary<string, string[]> { [what] = [message] });
}
