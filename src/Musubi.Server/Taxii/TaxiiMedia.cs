using Microsoft.Net.Http.Headers;

namespace Musubi.Server.Taxii;

/// <summary>TAXII 2.1 content negotiation (§1.6.8, §3.1): <c>application/taxii+json</c>, with or without <c>version=2.1</c>.</summary>
public static class TaxiiMedia
{
    public const string ContentType = "application/taxii+json;version=2.1";

    /// <summary>Does the Accept header hold a TAXII media range this server serves? (No Accept, or only others: 406.)</summary>
    public static bool Acceptable(HttpRequest request) => request.Headers.Accept.Count > 0 && AnyTaxii(request.Headers.Accept.ToString());

    /// <summary>Is the Content-Type a TAXII media type this server reads? (Otherwise 415.)</summary>
    public static bool ReadableContent(HttpRequest request) => request.ContentType is { } ct && AnyTaxii(ct);

    private static bool AnyTaxii(string header)
    {
        if (!MediaTypeHeaderValue.TryParseList(header.Split(','), out var types))
        {
            return false;
        }

        foreach (var t in types)
        {
            if (!t.MediaType.Equals("application/taxii+json", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var version = t.Parameters.FirstOrDefault(p => p.Name.Equals("version", StringComparison.OrdinalIgnoreCase));
            if (version is null || version.Value.ToString().Trim('"') == "2.1")
            {
                return true;
            }
        }

        return false;
    }
}
