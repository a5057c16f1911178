using Musubi.Infrastructure.Detection;
using Musubi.Server.Auth;

namespace Musubi.Server.Api;

public static class AlertsApi
{
    public static RouteGroupBuilder MapAlertsApi(this RouteGroupBuilder api)
    {
        var alerts = api.MapGroup("/alerts").WithTags("Alerts");
        alerts.MapGet("", async (HttpContext http, AlertService svc, Guid? organisationId, string? status, string? kind, int? minSeverity,
                string? search, int? page, int? pageSize, CancellationToken ct) =>
                TypedResults.Ok(await svc.SearchAsync(http.RequireActor(),
                    new AlertQuery(organisationId, status, kind, minSeverity, search, page ?? 1, pageSize ?? 50), ct)))
            .WithSummary("Alerts, newest first (own organisation; the national SOC sees all).");
        alerts.MapGet("/{id:guid}", async (HttpContext http, AlertService svc, Guid id, CancellationToken ct) =>
                TypedResults.Ok(await svc.GetAsync(http.RequireActor(), id, ct)))
            .WithSummary("One alert with its evidence.");
        alerts.MapPost("/{id:guid}/acknowledge", async (HttpContext http, AlertService svc, Guid id, CancellationToken ct) =>
                TypedResults.Ok(await svc.AcknowledgeAsync(http.RequireActor(), id, ct)))
            .WithSummary("Acknowledge an alert (analysts and organisation admins who may see it).");
        return api;
    }
}
