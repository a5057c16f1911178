using System.IO.Pipelines;
using Musubi.Infrastructure.Feeds;
using Musubi.Server.Auth;

namespace Musubi.Server.Api;

/// <summary>
/// Infected-host notification (docs/FEEDS.md): configuration (sources, recipients, rules, settings, prefix tables),
/// file submission to a source, and the report outbox. Platform administrators and the national SOC only.
/// </summary>
public static class FeedsApi
{
    public static RouteGroupBuilder MapFeedsApi(this RouteGroupBuilder api)
    {
        var feeds = api.MapGroup("/feeds").WithTags("Feeds");

        feeds.MapGet("/sources", async (HttpContext http, FeedConfigService svc, CancellationToken ct) =>
            TypedResults.Ok(await svc.ListSourcesAsync(http.RequireActor(), ct))).WithSummary("Feed sources with their last run.");
        feeds.MapPost("/sources", async (HttpContext http, FeedConfigService svc, FeedSourceInput input, CancellationToken ct) =>
        {
            var created = await svc.CreateSourceAsync(http.RequireActor(), input, ct);
            return TypedResults.Created($"/api/v1/feeds/sources/{created.Id}", created);
        }).WithSummary("Add a feed source (collector upload, folder or http; type or auto-detect).");
        feeds.MapPut("/sources/{id:guid}", async (HttpContext http, FeedConfigService svc, Guid id, FeedSourceInput input, CancellationToken ct) =>
            TypedResults.Ok(await svc.UpdateSourceAsync(http.RequireActor(), id, input, ct))).WithSummary("Change a feed source.");
        feeds.MapDelete("/sources/{id:guid}", async (HttpContext http, FeedConfigService svc, Guid id, CancellationToken ct) =>
        {
            await svc.DeleteSourceAsync(http.RequireActor(), id, ct);
            return TypedResults.NoContent();
        }).WithSummary("Remove a feed source.");
        feeds.MapPost("/sources/{id:guid}/run", async (HttpContext http, FeedCollectors collectors, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await collectors.RunNowAsync(http.RequireActor(), id, ct)))
            .WithSummary("Run now: one collection of a scheduled source (folder, http, detections, taxii, darknet) at once, through the scheduler's collector; 409 for an upload or disabled source.");

        feeds.MapGet("/recipients", async (HttpContext http, FeedConfigService svc, CancellationToken ct) =>
            TypedResults.Ok(await svc.ListRecipientsAsync(http.RequireActor(), ct))).WithSummary("Report recipients.");
        feeds.MapPost("/recipients", async (HttpContext http, FeedConfigService svc, FeedRecipientInput input, CancellationToken ct) =>
        {
            var created = await svc.CreateRecipientAsync(http.RequireActor(), input, ct);
            return TypedResults.Created($"/api/v1/feeds/recipients/{created.Id}", created);
        }).WithSummary("Add a recipient (linked organisation, e-mail, ja/en, notification interval in seconds).");
        feeds.MapPut("/recipients/{id:guid}", async (HttpContext http, FeedConfigService svc, Guid id, FeedRecipientInput input, CancellationToken ct) =>
            TypedResults.Ok(await svc.UpdateRecipientAsync(http.RequireActor(), id, input, ct))).WithSummary("Change a recipient.");
        feeds.MapDelete("/recipients/{id:guid}", async (HttpContext http, FeedConfigService svc, Guid id, CancellationToken ct) =>
        {
            await svc.DeleteRecipientAsync(http.RequireActor(), id, ct);
            return TypedResults.NoContent();
        }).WithSummary("Remove a recipient (409 while it has rows in an open window).");

        feeds.MapGet("/rules", async (HttpContext http, FeedConfigService svc, CancellationToken ct) =>
            TypedResults.Ok(await svc.ListRulesAsync(http.RequireActor(), ct))).WithSummary("Routing rules and inhibitions, in order.");
        feeds.MapPost("/rules", async (HttpContext http, FeedConfigService svc, FeedRuleInput input, CancellationToken ct) =>
        {
            var created = await svc.CreateRuleAsync(http.RequireActor(), input, ct);
            return TypedResults.Created($"/api/v1/feeds/rules/{created.Id}", created);
        }).WithSummary("Add a routing rule (to a recipient) or an inhibition.");
        feeds.MapDelete("/rules/{id:guid}", async (HttpContext http, FeedConfigService svc, Guid id, CancellationToken ct) =>
        {
            await svc.DeleteRuleAsync(http.RequireActor(), id, ct);
            return TypedResults.NoContent();
        }).WithSummary("Remove a rule.");

        feeds.MapGet("/settings", async (HttpContext http, FeedConfigService svc, CancellationToken ct) =>
            TypedResults.Ok(await svc.GetSettingsAsync(http.RequireActor(), ct))).WithSummary("The de-duplication key and window.");
        feeds.MapPut("/settings", async (HttpContext http, FeedConfigService svc, FeedSettingsDto input, CancellationToken ct) =>
            TypedResults.Ok(await svc.UpdateSettingsAsync(http.RequireActor(), input, ct))).WithSummary("Change the de-duplication key and window.");

        feeds.MapGet("/prefix-tables", async (HttpContext http, FeedConfigService svc, CancellationToken ct) =>
            TypedResults.Ok(await svc.ListPrefixTablesAsync(http.RequireActor(), ct))).WithSummary("Imported prefix tables.");
        feeds.MapPut("/prefix-tables/{kind}", async (HttpContext http, FeedConfigService svc, FeedOptions options, string kind, string? fileName, CancellationToken ct) =>
        {
            var actor = http.RequireActor();
            await svc.RequireAsync(actor, ct);
            var (body, tooLarge) = await ReadBodyAsync(http, FeedConfigService.MaxPrefixTableBytes, ct);
            return tooLarge
                ? TooLarge(FeedConfigService.MaxPrefixTableBytes)
                : TypedResults.Ok(await svc.ImportPrefixTableAsync(actor, kind, fileName ?? kind, body, ct));
        }).WithSummary("Replace the pyasn (ipasn.dat) or rir (delegated-stats) prefix table; the body is the file.");

        feeds.MapPost("/{source}/files", async (HttpContext http, FeedConfigService svc, FeedIntake intake, FeedOptions options, string source, string? name, CancellationToken ct) =>
        {
            var actor = http.RequireActor();
            await svc.RequireAsync(actor, ct);
            var (body, tooLarge) = await ReadBodyAsync(http, options.MaxFileBytes, ct);
            if (tooLarge)
            {
                return TooLarge(options.MaxFileBytes);
            }

            var file = await intake.SubmitAsync(actor, source, name ?? source, body, ct);
            return TypedResults.Accepted($"/api/v1/feeds/files/{file.Id}", file);
        }).WithSummary("Submit a feed file to a source (body: the file; ?name= its file name, which names Shadowserver reports). 202 once stored and queued.");
        feeds.MapGet("/files/{id:guid}", async (HttpContext http, FeedIntake intake, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await intake.GetAsync(http.RequireActor(), id, ct))).WithSummary("A submitted file: state and counts.");

        feeds.MapGet("/reports", async (HttpContext http, FeedReportService svc, string? state, int? limit, CancellationToken ct) =>
            TypedResults.Ok(await svc.ListAsync(http.RequireActor(), state, limit ?? 100, ct))).WithSummary("Reports, newest first (state: pending, sending, sent, held, failed).");
        feeds.MapGet("/reports/{id:guid}/rows", async (HttpContext http, FeedReportService svc, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await svc.RowsAsync(http.RequireActor(), id, ct))).WithSummary("A report's rows.");
        feeds.MapPost("/reports/{id:guid}/release", async (HttpContext http, FeedReportService svc, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await svc.ResolveAsync(http.RequireActor(), id, "release", ct))).WithSummary("Send a held or failed report (again).");
        feeds.MapPost("/reports/{id:guid}/mark-sent", async (HttpContext http, FeedReportService svc, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await svc.ResolveAsync(http.RequireActor(), id, "sent", ct))).WithSummary("Record that a held or failed report did go out.");
        return api;
    }

    private static IResult TooLarge(long max) =>
        TypedResults.Problem($"the file is larger than {max} bytes", statusCode: StatusCodes.Status413PayloadTooLarge, title: "Payload too large");

    private static async Task<(byte[] Body, bool TooLarge)> ReadBodyAsync(HttpContext http, long max, CancellationToken ct)
    {
        if (http.Request.ContentLength > max)
        {
            return ([], true);
        }

        PipeReader reader = http.Request.BodyReader;
        using var buffer = new MemoryStream();
        while (true)
        {
            var read = await reader.ReadAsync(ct);
            foreach (var segment in read.Buffer)
            {
                if (buffer.Length + segment.Length > max)
                {
                    reader.AdvanceTo(read.Buffer.End);
                    return ([], true);
                }

                buffer.Write(segment.Span);
            }

            reader.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                return (buffer.ToArray(), false);
            }
        }
    }
}
