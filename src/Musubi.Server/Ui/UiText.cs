using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Musubi.Server.Ui;

/// <summary>Small display helpers shared by the pages.</summary>
public static class UiText
{
    /// <summary>The Japanese name in the Japanese UI when there is one, else the English name.</summary>
    public static string Name(string english, string? japanese) =>
        UiLocalization.IsJapanese && !string.IsNullOrWhiteSpace(japanese) ? japanese : english;

    /// <summary>Server-local time with its offset, so an operator in Tokyo reads JST and nobody has to guess.</summary>
    public static string Time(DateTimeOffset value) =>
        TimeZoneInfo.ConvertTime(value, TimeZoneInfo.Local).ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset? value) => value is { } v ? Time(v) : "—";

    public static string Number(int value) => value.ToString("N0", CultureInfo.CurrentCulture);

    /// <summary>A query string from the non-empty pairs, for links that keep the current filters.</summary>
    public static string Query(string path, params (string Key, string? Value)[] pairs)
    {
        var parts = pairs.Where(p => !string.IsNullOrEmpty(p.Value))
            .Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value!));
        var query = string.Join('&', parts);
        return query.Length == 0 ? path : path + "?" + query;
    }

    public static int PageNumber(string? text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var page) && page > 0 ? page : 1;

    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        // Shown inside <pre> (Razor encodes it): keep Japanese and quotes readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Indented JSON for reading; the text itself when it is not JSON.</summary>
    public static string PrettyJson(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return "";
        }

        try
        {
            using var doc = JsonDocument.Parse(json);
            return JsonSerializer.Serialize(doc.RootElement, Indented);
        }
        catch (JsonException)
        {
            return json;
        }
    }

    /// <summary>A yyyy-MM-dd date as the start of that day in server-local time.</summary>
    public static DateTimeOffset? Day(string? text)
    {
        if (!DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return null;
        }

        return new DateTimeOffset(day, TimeZoneInfo.Local.GetUtcOffset(day));
    }
}
