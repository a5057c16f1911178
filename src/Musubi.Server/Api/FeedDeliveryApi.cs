using Microsoft.Net.Http.Headers;
using Musubi.Infrastructure.Feeds.Tracking;
using Musubi.Server.Auth;

namespace Musubi.Server.Api;

/// <summary>
/// Infected-host notification, the pulling side (docs/NOTIFICATION.md): an ISP's tracked hosts (JSON or CSV), its
/// reports by ticket, clean-up figures and clean-up campaigns. Callers see their own organisation; the national
/// centre's staff may name another.
/// </summary>
public static class FeedDeliveryApi
{
    public static RouteGroupBuilder MapFeedDeliveryApi(this RouteGroupBuilder api)
    {
        var feeds = api.MapGroup("/feeds").WithTags("Infected hosts");
        feeds.MapGet("/hosts", async (HttpContext http, InfectedHostQueries svc, Guid? organisationId, string? state, DateTimeOffset? since,
                string? type, string? malware, int? page, int? pageSize, CancellationToken ct) =>
            {
                var query = new InfectedHostQuery(organisationId, state ?? "open", since, type, malware, page ?? 1, pageSize ?? 100);
                if (WantsCsv(http))
                {
                    var csv = await svc.HostsCsvAsync(http.RequireActor(), query, ct);
                    return Results.File(System.Text.Encoding.UTF8.GetBytes(csv), "text/csv; charset=utf-8", "infected-hosts.csv");
                }

                return Results.Ok(await svc.HostsAsync(http.RequireActor(), query, ct));
            })
            .WithSummary("Tracked infected hosts of your organisation (state=open|cleaned|all, since, type, malware; paged). Accept: text/csv for CSV.");
        feeds.MapGet("/tickets", async (HttpContext http, InfectedHostQueries svc, Guid? organisationId, int? limit, CancellationToken ct) =>
                TypedResults.Ok(await svc.ReportsAsync(http.RequireActor(), organisationId, limit ?? 50, ct)))
            .WithSummary("Recent reports sent to your organisation, newest first.");
        feeds.MapGet("/tickets/{ticket}", async (HttpContext http, InfectedHostQueries svc, string ticket, CancellationToken ct) =>
                TypedResults.Ok(await svc.TicketAsync(http.RequireActor(), ticket, ct)))
            .WithSummary("One report by its ticket (the recipient organisation and the national centre; 404 for anyone else).");
        feeds.MapGet("/cleanup/weekly", async (HttpContext http, CleanupFigures svc, Guid? organisationId, DateTimeOffset? from, DateTimeOffset? to,
                TimeProvider time, CancellationToken ct) =>
            {
                var end = to ?? time.GetUtcNow();
                return TypedResults.Ok(await svc.WeeklyAsync(http.RequireActor(), organisationId, from ?? end.AddDays(-7 * 12), end, ct));
            })
            .WithSummary("Clean-up week by week: hosts reported, new, cleaned, re-infected, open at the end of the week, cumulative rate.");
        feeds.MapGet("/cleanup/organisations", async (HttpContext http, CleanupFigures svc, DateTimeOffset? from, DateTimeOffset? to,
                TimeProvider time, CancellationToken ct) =>
            {
                var end = to ?? time.GetUtcNow();
                return TypedResults.Ok(await svc.PerOrganisationAsync(http.RequireActor(), from ?? end.AddDays(-90), end, ct));
            })
            .WithSummary("Clean-up per organisation over a period (the national centre: every ISP; others: their own).");

        var campaigns = feeds.MapGroup("/campaigns");
        campaigns.MapGet("", async (HttpContext http, CleanupCampaignService svc, CancellationToken ct) =>
                TypedResults.Ok(await svc.ListAsync(http.RequireActor(), ct)))
            .WithSummary("Clean-up campaigns (the national centre: all; others: those that target their organisation).");
        campaigns.MapGet("/{id:guid}", async (HttpContext http, CleanupCampaignService svc, Guid id, CancellationToken ct) =>
                TypedResults.Ok(await svc.FiguresAsync(http.RequireActor(), id, ct)))
            .WithSummary("A campaign with its figures: hosts at start, cleaned during, still open, new during, rate, per organisation, day by day.");
        campaigns.MapPost("", async (HttpContext http, CleanupCampaignService svc, CampaignInput input, CancellationToken ct) =>
            {
                var created = await svc.CreateAsync(http.RequireActor(), input, ct);
                return TypedResults.Created($"/api/v1/feeds/campaigns/{created.Id}", created);
            })
            .WithSummary("Create a campaign (platform administrators and the national centre's staff; audited).");
        campaigns.MapPut("/{id:guid}", async (HttpContext http, CleanupCampaignService svc, Guid id, CampaignInput input, CancellationToken ct) =>
                TypedResults.Ok(await svc.UpdateAsync(http.RequireActor(), id, input, ct)))
            .WithSummary("Change a campaign (audited).");
        campaigns.MapDelete("/{id:guid}", async (HttpContext http, CleanupCampaignService svc, Guid id, CancellationToken ct) =>
            {
                await svc.DeleteAsync(http.RequireActor(), id, ct);
                return TypedResults.NoContent();
            })
            .WithSummary("Delete a campaign (audited).");
        return api;
    }

    private static bool WantsCsv(HttpContext http) =>
        http.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase));
}
