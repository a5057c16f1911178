using System.Buffers;
using System.IO.Pipelines;
using Musubi.Detection.Ingestion;
using Musubi.Infrastructure.Detection;

namespace Musubi.Server.Ingestion;

/// <summary>
/// <c>POST /api/ingest/events</c>: lines from a sensor, authenticated with the sensor's own token
/// (<c>Authorization: Bearer mss_…</c>; user tokens and sessions are refused). Body: JSON lines (or syslog / CEF lines
/// with <c>?format=</c>), at most <see cref="IngestOptions.MaxBodyBytes"/> and <see cref="IngestOptions.MaxLinesPerRequest"/>.
/// 202 once every good line is durable on the queue, with counts and the first bad lines; 401 without a valid sensor
/// token; 400 for an unknown format; 413 over a limit; 429 with Retry-After when the sensor already has
/// <see cref="IngestOptions.MaxConcurrentRequestsPerSensor"/> requests in progress (that sender is too fast); 503 with
/// Retry-After while detection is behind (the whole server is).
/// </summary>
public static class IngestApi
{

    public static IEndpointRouteBuilder MapIngestApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/ingest/events", HandleAsync)
            .AllowAnonymous()
            .DisableAntiforgery()
            .WithTags("Ingestion")
            .WithSummary("Send events from a sensor (sensor token).")
            // The body's format is named by ?format=, not by its Content-Type: curl's default
            // (application/x-www-form-urlencoded), a shipper's application/json or none at all are all served.
            .Accepts<string>("application/x-ndjson", "text/plain", "*/*");
        return app;
    }

    private static async Task<IResult> HandleAsync(HttpContext http, SensorService sensors, EventIngestor ingestor, IngestOptions options, SensorRequestGate gate, string? format, CancellationToken ct)
    {
        var header = http.Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
        var sensor = await sensors.AuthenticateAsync(token, ct);
        if (sensor is null)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return TypedResults.Problem("a valid sensor token is required (Authorization: Bearer mss_...)", statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized");
        }

        if (!IngestFormats.TryParse(format, out var ingestFormat))
        {
            return TypedResults.Problem($"unknown format '{format}': use jsonl, syslog or cef", statusCode: StatusCodes.Status400BadRequest, title: "Bad request");
        }

        if (!gate.TryEnter(sensor.Id, options.MaxConcurrentRequestsPerSensor))
        {
            http.Response.Headers.RetryAfter = options.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Problem($"sensor '{sensor.Name}' already has {options.MaxConcurrentRequestsPerSensor} requests in progress; send one at a time or wait",
                statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests");
        }

        try
        {
            return await AcceptAsync(http, ingestor, options, sensor, ingestFormat, ct);
        }
        catch (Exception e) when (IsStoreBusy(e) && !ct.IsCancellationRequested)
        {
            // The store could not take the write in time (SQLite's lock held past its busy timeout, a transient
            // PostgreSQL error): the server is overloaded, not broken, so the sensor is told to send again later.
            // Delivery is at least once: a resent batch whose first try got partly through can count twice.
            http.Response.Headers.RetryAfter = options.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Problem("the event store is busy; send again after Retry-After",
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "Overloaded");
        }
        finally
        {
            gate.Leave(sensor.Id);
        }
    }

    private static async Task<IResult> AcceptAsync(HttpContext http, EventIngestor ingestor, IngestOptions options, SensorIdentity sensor, IngestFormat ingestFormat, CancellationToken ct)
    {

        try
        {
            await ingestor.ThrowIfOverloadedAsync(ct);
        }
        catch (IngestOverloadedException e)
        {
            http.Response.Headers.RetryAfter = ((int)e.RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Overloaded");
        }

        if (http.Request.ContentLength > options.MaxBodyBytes)
        {
            return TooLarge($"the body is {http.Request.ContentLength} bytes; the limit is {options.MaxBodyBytes}");
        }

        var (body, tooLarge) = await ReadBodyAsync(http.Request.BodyReader, options.MaxBodyBytes, ct);
        if (tooLarge)
        {
            return TooLarge($"the body is longer than {options.MaxBodyBytes} bytes");
        }

        var lines = SplitLines(body);
        if (lines.Count > options.MaxLinesPerRequest)
        {
            return TooLarge($"{lines.Count} lines; the limit is {options.MaxLinesPerRequest} per request");
        }

        var result = await ingestor.IngestAsync(sensor, ingestFormat, "http", lines, ct);
        return TypedResults.Json(result, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>SQLite busy or locked (error 5 or 6), or a database error its provider calls transient, anywhere in the chain.</summary>
    internal static bool IsStoreBusy(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 5 or 6 } or System.Data.Common.DbException { IsTransient: true })
            {
                return true;
            }
        }

        return false;
    }

    private static IResult TooLarge(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request too large");

    private static async Task<(byte[] Body, bool TooLarge)> ReadBodyAsync(PipeReader reader, long max, CancellationToken ct)
    {
        var output = new ArrayBufferWriter<byte>(64 * 1024);
        while (true)
        {
            var read = await reader.ReadAsync(ct);
            foreach (var segment in read.Buffer)
            {
                if (output.WrittenCount + segment.Length > max)
                {
                    reader.AdvanceTo(read.Buffer.End);
                    return ([], true);
                }

                output.Write(segment.Span);
            }

            reader.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                return (output.WrittenSpan.ToArray(), false);
            }
        }
    }

    /// <summary>Lines split on LF (a CR before it is dropped by the parser); blank lines are skipped.</summary>
    internal static List<ReadOnlyMemory<byte>> SplitLines(ReadOnlyMemory<byte> body)
    {
        var lines = new List<ReadOnlyMemory<byte>>();
        var span = body.Span;
        var start = 0;
        while (start < span.Length)
        {
            var end = span[start..].IndexOf((byte)'\n');
            var length = end < 0 ? span.Length - start : end;
            var line = body.Slice(start, length);
            if (!line.Span.Trim("\r \t"u8).IsEmpty)
            {
                lines.Add(line);
            }

            start += length + 1;
        }

        return lines;
    }
}

/// <summary>HTTP ingestion requests in progress per sensor, for the 429 bound (<see cref="IngestOptions.MaxConcurrentRequestsPerSensor"/>).</summary>
public sealed class SensorRequestGate
{
    private readonly Dictionary<Guid, int> inProgress = [];

    /// <summary>Counts one more request of <paramref name="sensor"/> unless it already has <paramref name="max"/>.</summary>
    public bool TryEnter(Guid sensor, int max)
    {
        lock (inProgress)
        {
            var n = inProgress.GetValueOrDefault(sensor);
            if (n >= max)
            {
                return false;
            }

            inProgress[sensor] = n + 1;
            return true;
        }
    }

    public void Leave(Guid sensor)
    {
        lock (inProgress)
        {
            var n = inProgress.GetValueOrDefault(sensor) - 1;
            if (n <= 0)
            {
                inProgress.Remove(sensor);
            }
            else
            {
                inProgress[sensor] = n;
            }
        }
    }

    public int InProgress(Guid sensor)
    {
        lock (inProgress)
        {
            return inProgress.GetValueOrDefault(sensor);
        }
    }
}
