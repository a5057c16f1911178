using Microsoft.AspNetCore.Http.Features;

namespace Musubi.Server.Hosting;

/// <summary>
/// One limit on request bodies for every endpoint, answered with 413 as problem+json before any byte is parsed
/// (Kestrel enforces the same limit on bodies without a Content-Length while they stream).
/// </summary>
public static class RequestSizeLimit
{
    public const long MaxBytes = 64L * 1024 * 1024;

    public static IApplicationBuilder UseRequestSizeLimit(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.Request.ContentLength > MaxBytes && http.Request.Path.StartsWithSegments("/taxii2"))
        {
            // TAXII 2.1 §5.5: over the API root's max_content_length is 413, as a TAXII error message.
            await Taxii.TaxiiApi.WriteErrorAsync(http, StatusCodes.Status413PayloadTooLarge, "Request too large",
                $"the request body is {http.Request.ContentLength} bytes; max_content_length is {MaxBytes}", "too-large");
            return;
        }

        if (http.Request.ContentLength > MaxBytes)
        {
            await TypedResults.Problem($"the request body is {http.Request.ContentLength} bytes; the limit is {MaxBytes} bytes",
                statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request too large").ExecuteAsync(http);
            return;
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = MaxBytes;
        }

        await next(http);
    });
}
