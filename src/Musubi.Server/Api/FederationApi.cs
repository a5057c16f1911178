using Musubi.Infrastructure.Federation;
using Musubi.Server.Auth;

namespace Musubi.Server.Api;

/// <summary>
/// Federation partners (docs/FEDERATION.md): platform administrators list, create, change and delete them, and start a
/// pull or push now. Secrets are write-only: no answer ever carries one.
/// </summary>
public static class FederationApi
{
    public static RouteGroupBuilder MapFederationApi(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/federation/partners").WithTags("Federation");
        g.MapGet("/", async (HttpContext http, PartnerService svc, CancellationToken ct) =>
            TypedResults.Ok(await svc.ListAsync(http.RequireActor(), ct)))
            .WithSummary("Partners with their status (platform admin, constituency:read).");
        g.MapGet("/{id:guid}", async (HttpContext http, PartnerService svc, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await svc.GetAsync(http.RequireActor(), id, ct)));
        g.MapPost("/", async (HttpContext http, PartnerService svc, PartnerInput input, CancellationToken ct) =>
            {
                var p = await svc.CreateAsync(http.RequireActor(), input, ct);
                return TypedResults.Created($"/api/v1/federation/partners/{p.Id}", p);
            })
            .WithSummary("Add a partner: a TAXII 2.1 collection or a MISP feed, its TLP ceiling and communities (platform admin, constituency:write).");
        g.MapPut("/{id:guid}", async (HttpContext http, PartnerService svc, Guid id, PartnerInput input, CancellationToken ct) =>
            TypedResults.Ok(await svc.UpdateAsync(http.RequireActor(), id, input, ct)))
            .WithSummary("Change a partner; absent fields are kept, secret null keeps it and \"\" removes it.");
        g.MapDelete("/{id:guid}", async (HttpContext http, PartnerService svc, Guid id, CancellationToken ct) =>
            {
                await svc.DeleteAsync(http.RequireActor(), id, ct);
                return TypedResults.NoContent();
            });
        g.MapPost("/{id:guid}/pull", async (HttpContext http, FederationRunner runner, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await runner.RunNowAsync(http.RequireActor(), id, PartnerRunKind.Pull, ct)))
            .WithSummary("Pull now; the answer is the run's result (the partner's status holds a remote error too).");
        g.MapPost("/{id:guid}/push", async (HttpContext http, FederationRunner runner, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await runner.RunNowAsync(http.RequireActor(), id, PartnerRunKind.Push, ct)))
            .WithSummary("Push now what the partner may see (TLP ceiling and scope) that was added since the last push.");
        return api;
    }
}
