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
