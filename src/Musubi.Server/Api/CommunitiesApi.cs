using Musubi.Infrastructure.Constituency;
using Musubi.Server.Auth;

namespace Musubi.Server.Api;

public sealed record MemberInput(Guid? OrganisationId);

public static class CommunitiesApi
{
    public static RouteGroupBuilder MapCommunitiesApi(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/communities").WithTags("Communities");
        g.MapGet("/", async (HttpContext http, CommunityService svc, CancellationToken ct) =>
            TypedResults.Ok(await svc.ListAsync(http.RequireActor(), ct)));
        g.MapPost("/", async (HttpContext http, CommunityService svc, CommunityInput input, CancellationToken ct) =>
            {
                var c = await svc.CreateAsync(http.RequireActor(), input, ct);
                return TypedResults.Created($"/api/v1/communities/{c.Slug}", c);
            });
        g.MapGet("/{slug}", async (HttpContext http, CommunityService svc, string slug, CancellationToken ct) =>
            TypedResults.Ok(await svc.GetAsync(http.RequireActor(), slug, ct)));
        g.MapDelete("/{slug}", async (HttpContext http, CommunityService svc, string slug, CancellationToken ct) =>
            {
                await svc.DeleteAsync(http.RequireActor(), slug, ct);
                return TypedResults.NoContent();
            });
        g.MapPost("/{slug}/members", async (HttpContext http, CommunityService svc, string slug, MemberInput input, CancellationToken ct) =>
            {
                if (input.OrganisationId is not { } org)
                {
                    throw new Musubi.Core.ValidationFailedException("organisationId", "is required");
                }

                await svc.AddMemberAsync(http.RequireActor(), slug, org, ct);
                return TypedResults.NoContent();
            });
        g.MapDelete("/{slug}/members/{organisationId:guid}", async (HttpContext http, CommunityService svc, string slug, Guid organisationId, CancellationToken ct) =>
            {
                await svc.RemoveMemberAsync(http.RequireActor(), slug, organisationId, ct);
                return TypedResults.NoContent();
            });

        var s = api.MapGroup("/sectors").WithTags("Communities");
        s.MapGet("/", async (HttpContext http, CommunityService svc, CancellationToken ct) =>
            TypedResults.Ok(await svc.ListSectorsAsync(http.RequireActor(), ct)));
        s.MapPost("/", async (HttpContext http, CommunityService svc, SectorInput input, CancellationToken ct) =>
            {
                var sector = await svc.CreateSectorAsync(http.RequireActor(), input, ct);
                return TypedResults.Created($"/api/v1/sectors/{sector.Id}", sector);
            })
            .WithSummary("Add a sector (and its sector community); platform admin.");
        return api;
    }
}
