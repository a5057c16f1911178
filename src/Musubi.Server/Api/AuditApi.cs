using Musubi.Infrastructure.Audit;
using Musubi.Server.Auth;

namespace Musubi.Server.Api;

public static class AuditApi
{
    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder api)
    {
        api.MapGet("/audit", async (HttpContext http, AuditQueryService svc, string? search, string? action, string? entityType,
                Guid? organisationId, string? actor, DateTimeOffset? from, DateTimeOffset? to, int? page, int? pageSize, CancellationToken ct) =>
                TypedResults.Ok(await svc.SearchAsync(http.RequireActor(),
                    new AuditQuery(search, action, entityType, organisationId, actor, from, to, page ?? 1, pageSize ?? 100), ct)))
            .WithTags("Audit")
            .WithSummary("Search the audit trail (platform admins: all; organisation admins: their organisation).");
        return api;
    }
}
