using System.Text;
using System.Text.Json;
using Musubi.Core;
using Musubi.Core.Validation;
using Musubi.Feeds.Events;
using Musubi.Feeds.Parsers;

namespace Musubi.Infrastructure.Feeds.Collectors;

/// <summary>
/// What a source's <c>options</c> may hold, per collector and type (docs/FEEDS.md), and the parser a source's files are
/// read with.
/// <list type="bullet">
/// <item>type <c>generic-csv</c>: the column mapping (the JSON of <c>musubi feed parse --type csv --mapping</c>), which
/// must map or give as constants <c>classification.taxonomy</c> and <c>classification.type</c>;</item>
/// <item>collector <c>taxii</c>: <c>{"partner": "NAME", "collection": "ID"}</c> (collection defaults to the partner's);</item>
/// <item>every other source: no options.</item>
/// </list>
/// </summary>
public static class FeedSourceSettings
{
    public const string GenericCsv = "generic-csv";
    public const string DarknetPcap = "darknet-pcap";
    public const int MaxOptionsBytes = 65536;

    /// <summary>Checks <paramref name="options"/> for the source; returns the JSON to store (or null), errors under <c>options.*</c>.</summary>
    public static string? Validate(string collector, string? type, JsonElement? options, FieldErrors errors)
    {
        var given = options is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } o ? o : (JsonElement?)null;
        if (given is { } g && g.ValueKind != JsonValueKind.Object)
        {
            errors.Add("options", "a JSON object");
            return null;
        }

        var text = given?.GetRawText();
        if (text is { Length: > MaxOptionsBytes })
        {
            errors.Add("options", $"at most {MaxOptionsBytes} bytes");
            return null;
        }

        if (type == GenericCsv)
        {
            if (text is null)
            {
                errors.Add("options", "a generic-csv source needs its column mapping (columns, delimiter, header, time_format, constants; docs/FEED-FORMATS.md)");
                return null;
            }

            try
            {
                var mapping = CsvMapping.Parse(Encoding.UTF8.GetBytes(text));
                foreach (var field in new[] { "classification.taxonomy", "classification.type" })
                {
                    if (!mapping.Columns.Values.Contains(field) && !mapping.Constants.ContainsKey(field))
                    {
                        errors.Add("options.constants", $"'{field}' must be mapped from a column or given as a constant (the default taxonomy/type)");
                    }
                }

                foreach (var (column, field) in mapping.Columns)
                {
                    if (FeedFields.Of(field) == FeedField.None && !field.StartsWith("extra.", StringComparison.Ordinal))
                    {
                        errors.Add($"options.columns.{column}", $"'{field}' is not a harmonised field (one of: {string.Join(", ", FeedFields.All)}, or extra.NAME)");
                    }
                }

                if (mapping.TimeFormat is { } format)
                {
                    try
                    {
                        _ = DateTime.UtcNow.ToString(format, System.Globalization.CultureInfo.InvariantCulture);
                    }
                    catch (FormatException)
                    {
                        errors.Add("options.time_format", "not a valid .NET date format");
                    }
                }
            }
            catch (ValidationFailedException e)
            {
                foreach (var (field, messages) in e.Errors)
                {
                    foreach (var m in messages)
                    {
                        errors.Add("options." + field, m);
                    }
                }
            }

            return text;
        }

        if (collector == "taxii")
        {
            if (given is not { } t || !t.TryGetProperty("partner", out var p) || p.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(p.GetString()))
            {
                errors.Add("options.partner", "the name of a TAXII federation partner");
                return text;
            }

            if (t.TryGetProperty("collection", out var c) && (c.ValueKind != JsonValueKind.String || c.GetString() is not { Length: > 0 and <= 300 }))
            {
                errors.Add("options.collection", "a collection id (1 to 300 characters), or absent for the partner's collection");
            }

            foreach (var property in t.EnumerateObject())
            {
                if (property.Name is not ("partner" or "collection"))
                {
                    errors.Add("options." + property.Name, "unknown (partner, collection)");
                }
            }

            return text;
        }

        if (text is not null && text != "{}")
        {
            errors.Add("options", $"a {collector} source takes no options");
        }

        return null;
    }

    /// <summary>The parser for a file of <paramref name="source"/>, or null when its format is not recognised.</summary>
    public static IFeedParser? ParserFor(FeedSourceEntity source, ReadOnlySpan<byte> data, string fileName)
    {
        if (source.Collector is "detections" or "taxii")
        {
            return CollectorCsv.Parser;
        }

        if (source.Type == GenericCsv)
        {
            return new GenericCsvParser(CsvMapping.Parse(Encoding.UTF8.GetBytes(source.Options ?? "{}")));
        }

        return source.Type is { } type ? FeedFormats.ByType(type) : FeedFormats.Recognise(data, fileName);
    }

    /// <summary>The stored options as JSON for answers.</summary>
    public static JsonElement? ToJson(string? stored)
    {
        if (stored is null)
        {
            return null;
        }

        using var doc = JsonDocument.Parse(stored);
        return doc.RootElement.Clone();
    }
}
