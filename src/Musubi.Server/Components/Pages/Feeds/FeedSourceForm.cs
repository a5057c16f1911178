using System.Globalization;
using System.Text.Json;
using Musubi.Core;
using Musubi.Infrastructure.Feeds;

namespace Musubi.Server.Components.Pages.Feeds;

/// <summary>The feed source form's posted fields (text, as the browser sends them) and their conversion to the service input.</summary>
public sealed class FeedSourceForm
{
    /// <summary>The fields the form shows; the service's <c>options.*</c> errors are shown next to the options field.</summary>
    public static readonly string[] Fields = ["name", "type", "collector", "location", "intervalSeconds", "options"];

    public string? Name { get; set; }
    public string? Type { get; set; } = "auto";
    public string? Collector { get; set; } = "upload";
    public string? Location { get; set; }
    public string? IntervalSeconds { get; set; } = "3600";
    public string? Enabled { get; set; } = "true";
    public string? Options { get; set; }

    public static FeedSourceForm From(FeedSourceDto s) => new()
    {
        Name = s.Name, Type = s.Type ?? "auto", Collector = s.Collector, Location = s.Location,
        IntervalSeconds = s.IntervalSeconds.ToString(CultureInfo.InvariantCulture), Enabled = s.Enabled ? "true" : null,
        Options = s.Options is { } o ? JsonSerializer.Serialize(o, Indented) : null,
    };

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The service input; options that are not JSON at all are refused here, naming the field, as the API's JSON parser would.</summary>
    public FeedSourceInput ToInput()
    {
        JsonElement? options = null;
        if (!string.IsNullOrWhiteSpace(Options))
        {
            try
            {
                using var doc = JsonDocument.Parse(Options, new JsonDocumentOptions { MaxDepth = 16 });
                options = doc.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new ValidationFailedException("options", "not valid JSON: " + e.Message);
            }
        }

        var interval = int.TryParse(IntervalSeconds, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : 0;
        return new FeedSourceInput(Name, Type, Collector, Location, interval, Enabled == "true", options);
    }

    /// <summary>
    /// Runs a save; the service names mapping errors by their place in the options (<c>options.columns.3</c>): they are
    /// filed under the one options field, each with its place, so they appear next to it.
    /// </summary>
    public static async Task OptionsAsOneField(Func<Task> save)
    {
        try
        {
            await save();
        }
        catch (ValidationFailedException v) when (v.Errors.Keys.Any(k => k.StartsWith("options.", StringComparison.Ordinal)))
        {
            var errors = new Dictionary<string, List<string>>();
            foreach (var (field, reasons) in v.Errors)
            {
                var key = field.StartsWith("options.", StringComparison.Ordinal) ? "options" : field;
                if (!errors.TryGetValue(key, out var list))
                {
                    errors[key] = list = [];
                }

                list.AddRange(key == field ? reasons : reasons.Select(r => $"{field}: {r}"));
            }

            throw new ValidationFailedException(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        }
    }
}
