using Musubi.Core.Constituency;
using Musubi.Infrastructure.Constituency;
using Musubi.Server.Auth;

namespace Musubi.Server.Api;

public static class OrganisationsApi
{
    public static RouteGroupBuilder MapOrganisationsApi(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/organisations").WithTags("Organisations");

        g.MapGet("/", async (HttpContext http, OrganisationService svc, string? search, OrganisationKind? kind, string? sector,
                string? country, string? community, int? page, int? pageSize, CancellationToken ct) =>
            TypedResults.Ok(await svc.ListAsync(http.RequireActor(),
                new OrganisationQuery(search, kind, sector, country, community, page ?? 1, pageSize ?? 50), ct)))
            .WithSummary("Search the organisation directory (filters: search text, kind, sector, country, community).");

        g.MapPost("/", async (HttpContext http, OrganisationService svc, OrganisationInput input, CancellationToken ct) =>
            {
                var created = await svc.CreateAsync(http.RequireActor(), input, ct);
                return TypedResults.Created($"/api/v1/organisations/{created.Id}", created);
            })
            .WithSummary("Create an organisation, optionally with contacts, networks and communities (platform admin).");

        g.MapGet("/{id:guid}", async (HttpContext http, OrganisationService svc, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await svc.GetAsync(http.RequireActor(), id, ct)));

        g.MapPut("/{id:guid}", async (HttpContext http, OrganisationService svc, Guid id, OrganisationInput input, CancellationToken ct) =>
            TypedResults.Ok(await svc.UpdateAsync(http.RequireActor(), id, input, ct)))
            .WithSummary("Replace an organisation's details (its own admin, or a platform admin; kind and sector need a platform admin).");

        g.MapDelete("/{id:guid}", async (HttpContext http, OrganisationService svc, Guid id, CancellationToken ct) =>
            {
                await svc.DeleteAsync(http.RequireActor(), id, ct);
                return TypedResults.NoContent();
            });

        g.MapPost("/{id:guid}/contacts", async (HttpContext http, OrganisationService svc, Guid id, ContactInput input, CancellationToken ct) =>
            {
                var c = await svc.AddContactAsync(http.RequireActor(), id, input, ct);
                return TypedResults.Created($"/api/v1/organisations/{id}/contacts/{c.Id}", c);
            });

        g.MapPut("/{id:guid}/contacts/{contactId:guid}", async (HttpContext http, OrganisationService svc, Guid id, Guid contactId,
                ContactInput input, CancellationToken ct) =>
            TypedResults.Ok(await svc.UpdateContactAsync(http.RequireActor(), id, contactId, input, ct)));

        g.MapDelete("/{id:guid}/contacts/{contactId:guid}", async (HttpContext http, OrganisationService svc, Guid id, Guid contactId, CancellationToken ct) =>
            {
                await svc.RemoveContactAsync(http.RequireActor(), id, contactId, ct);
                return TypedResults.NoContent();
            });

        g.MapPost("/{id:guid}/networks", async (HttpContext http, OrganisationService svc, Guid id, NetworkInput input, CancellationToken ct) =>
            {
                var n = await svc.AddNetworkAsync(http.RequireActor(), id, input, ct);
                return TypedResults.Created($"/api/v1/organisations/{id}/networks/{n.Id}", n);
            })
            .WithSummary("Claim a CIDR, ASN or domain. A block already claimed by another organisation is refused with 409.");

        g.MapDelete("/{id:guid}/networks/{networkId:guid}", async (HttpContext http, OrganisationService svc, Guid id, Guid networkId, CancellationToken ct) =>
            {
                await svc.RemoveNetworkAsync(http.RequireActor(), id, networkId, ct);
                return TypedResults.NoContent();
            });

        api.MapGet("/ownership", async (HttpContext http, OwnershipDirectory dir, string q, CancellationToken ct) =>
                TypedResults.Ok(await dir.LookupAsync(http.RequireActor(), q, ct)))
            .WithTags("Organisations")
            .WithSummary("Who owns this IP address (longest prefix), ASN or domain (longest suffix)?");
        return api;
    }
}
