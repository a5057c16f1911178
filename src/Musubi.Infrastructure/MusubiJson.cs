using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Musubi.Infrastructure;

/// <summary>JSON conventions shared by the API, the CLI and the audit trail: camelCase, kebab-case enums.</summary>
public static class MusubiJson
{
    public static readonly JsonSerializerOptions Options = Create(indented: false);
    public static readonly JsonSerializerOptions Indented = Create(indented: true);

    public static void Apply(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        o.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false));
        o.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        o.MaxDepth = 32;
    }

    private static JsonSerializerOptions Create(bool indented)
    {
        var o = new JsonSerializerOptions { WriteIndented = indented };
        Apply(o);
        o.MakeReadOnly(populateMissingResolver: true);
        return o;
    }
}
