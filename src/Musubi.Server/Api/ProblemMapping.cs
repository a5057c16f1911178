using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Musubi.Core;

namespace Musubi.Server.Api;

/// <summary>Maps domain errors to problem+json (400 naming the fields, 403, 404, 409) and malformed bodies to a precise 400.</summary>
public static class ProblemMapping
{
    public static RouteGroupBuilder WithProblemMapping(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter(async (ctx, next) =>
        {
            try
            {
                return await next(ctx);
            }
            catch (MusubiException ex)
            {
                return ToResult(ex);
            }
        });
        return group;
    }

    public static IResult ToResult(MusubiException ex) => ex switch
    {
        ValidationFailedException v => TypedResults.ValidationProblem(v.Errors.ToDictionary(e => e.Key, e => e.Value), title: "The request has invalid fields."),
        ForbiddenException => TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden"),
        NotFoundException => TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status404NotFound, title: "Not found"),
        ConflictException c => TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict, title: "Conflict",
            extensions: c.Field is null ? null : new Dictionary<string, object?> { ["field"] = c.Field }),
        PayloadTooLargeException => TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status413PayloadTooLarge, title: "Payload too large"),
        _ => TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest),
    };

    /// <summary>Unhandled exceptions: a malformed request body becomes a 400 that says where it broke; anything else a bare 500.</summary>
    public static async ValueTask<bool> HandleAsync(HttpContext http, Exception exception)
    {
        IResult result;
        if (exception is BadHttpRequestException bad)
        {
            var detail = bad.InnerException is JsonException json
                ? $"malformed JSON at {json.Path ?? "$"} (line {json.LineNumber + 1}, byte {json.BytePositionInLine + 1}): {FirstSentence(json.Message)}"
                : bad.Message;
            result = TypedResults.Problem(detail, statusCode: bad.StatusCode, title: "Bad request");
        }
        else if (exception is MusubiException m)
        {
            result = ToResult(m);
        }
        else
        {
            result = TypedResults.Problem("an internal error occurred; it has been logged", statusCode: StatusCodes.Status500InternalServerError);
        }

        await result.ExecuteAsync(http);
        return true;
    }

    private static string FirstSentence(string message)
    {
        var i = message.IndexOf(". ", StringComparison.Ordinal);
        return i > 0 ? message[..(i + 1)] : message;
    }

    public sealed class Handler : IExceptionHandler
    {
        public ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken) =>
            HandleAsync(httpContext, exception);
    }
}
