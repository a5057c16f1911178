using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Musubi.Core;
using Musubi.Core.Sharing;
using Musubi.Infrastructure.Detection;
using Musubi.Infrastructure.Intelligence;
using Musubi.Infrastructure.Intelligence.Taxii;
using Musubi.Server.Auth;

namespace Musubi.Server.Api;

/// <summary>
/// The STIX store over REST: publish a bundle, read an object (exactly as published), its versions, revoke, search.
/// Every read goes through <see cref="StixReadService"/>, where the access policy decides each object.
/// </summary>
public static class IntelligenceApi
{
    public static RouteGroupBuilder MapIntelligenceApi(this RouteGroupBuilder api)
    {
        var intel = api.MapGroup("/intel").WithTags("Intelligence");

        intel.MapPost("/objects", async (HttpContext http, StixImporter importer, string? tlp, [FromQuery] Guid[]? community,
                [FromQuery] Guid[]? organisation, [FromQuery] Guid[]? user, bool? publicFeed, CancellationToken ct) =>
            {
                var options = new PublishOptions(ParseTlp(tlp), community ?? [], organisation ?? [], user ?? [], publicFeed ?? false);
                var result = await importer.ImportAsync(http.RequireActor(), http.Request.Body, options, ct);
                return TypedResults.Ok(new ImportResponse(result.BundleId, result.Stored, result.Duplicates, result.Failures.Count,
                    result.Successes, result.Failures));
            })
            .Accepts<JsonElement>("application/stix+json", "application/json", "application/taxii+json")
            .WithSummary("Publish a STIX 2.1 bundle (or one object) with a TLP and a sharing scope: valid objects are stored, invalid ones listed one by one.");

        intel.MapPost("/misp", async (HttpContext http, MispImporter misp, string? tlp, [FromQuery] Guid[]? community,
                [FromQuery] Guid[]? organisation, [FromQuery] Guid[]? user, bool? publicFeed, CancellationToken ct) =>
            {
                var options = new PublishOptions(ParseTlp(tlp), community ?? [], organisation ?? [], user ?? [], publicFeed ?? false);
                var result = await misp.ImportAsync(http.RequireActor(), http.Request.Body, options, ct);
                return TypedResults.Ok(new ImportResponse(result.BundleId, result.Stored, result.Duplicates, result.Failures.Count,
                    result.Successes, result.Failures));
            })
            .Accepts<JsonElement>("application/json")
            .WithSummary("Import a MISP event (JSON, format 2.4) as STIX 2.1 (docs/MISP.md) with a TLP and a sharing scope; tlp: tags may raise the TLP.");

        // A TAXII collection as a MISP feed (docs/MISP.md): manifest.json, <uuid>.json, hashes.csv; read through the access policy.
        intel.MapGet("/misp-feed/{collection}/{file}", async (HttpContext http, MispFeedPublisher feed, string collection, string file, CancellationToken ct) =>
            {
                IReadOnlyList<MispFeedPublisher.FeedEvent> events;
                try
                {
                    events = await feed.EventsAsync(http.RequireActor(), collection, ct);
                }
                catch (TaxiiException e)
                {
                    return TypedResults.Problem(e.Message, statusCode: e.HttpStatus, title: e.Title);
                }

                if (file == "manifest.json")
                {
                    return Results.Bytes(MispFeedPublisher.Manifest(events), "application/json");
                }

                if (file == "hashes.csv")
                {
                    return Results.Text(MispFeedPublisher.Hashes(events), "text/csv", Encoding.UTF8);
                }

                var uuid = MispFeedPublisher.FileUuid(file);
                var hit = events.FirstOrDefault(e => e.Uuid == uuid);
                return hit is null
                    ? TypedResults.Problem($"no event {file} in this feed for you", statusCode: StatusCodes.Status404NotFound, title: "Not found")
                    : Results.Bytes(hit.Json, "application/json");
            })
            .WithSummary("A TAXII collection published as a MISP feed: manifest.json, <event uuid>.json, hashes.csv (only what the caller may see).");

        intel.MapGet("/objects/{id}", async (HttpContext http, StixReadService reads, string id, string? version, CancellationToken ct) =>
            {
                var view = await reads.GetAsync(http.RequireActor(), id, version, ct);
                http.Response.Headers["X-Musubi-Tlp"] = TlpMarkings.Label(view.Tlp);
                return Results.Text(view.Raw, "application/stix+json;version=2.1", Encoding.UTF8);
            })
            .WithSummary("An object's newest version the caller may see (or ?version=<modified>), byte for byte as published.");

        intel.MapGet("/objects/{id}/versions", async (HttpContext http, StixReadService reads, string id, CancellationToken ct) =>
            {
                var versions = await reads.VersionsAsync(http.RequireActor(), id, ct);
                return TypedResults.Ok(new VersionsResponse(id, versions.Select(v => new VersionItem(v.Version, v.DateAdded, v.Revoked, TlpMarkings.Label(v.Tlp), v.IsLatest)).ToList()));
            })
            .WithSummary("The versions of an object the caller may see, newest first.");

        intel.MapPost("/objects/{id}/revoke", async (HttpContext http, StixImporter importer, string id, CancellationToken ct) =>
            {
                var view = await importer.RevokeAsync(http.RequireActor(), id, ct);
                return TypedResults.Ok(new VersionItem(view.Version, view.DateAdded, view.Revoked, TlpMarkings.Label(view.Tlp), view.IsLatest));
            })
            .WithSummary("Revoke an object: a new version with revoked: true (the publishing organisation only).");

        intel.MapGet("/search", async (HttpContext http, StixReadService reads, string? type, string? value, string? q, string? tlp, Guid? community,
                string? label, string? createdBy, DateTimeOffset? modifiedSince, DateTimeOffset? modifiedUntil, DateTimeOffset? createdSince,
                DateTimeOffset? createdUntil, bool? includeRevoked, bool? allVersions, int? limit, long? after, CancellationToken ct) =>
            {
                if (limit is < 1 or > StixReadService.MaxLimit)
                {
                    throw new ValidationFailedException("limit", $"must be from 1 to {StixReadService.MaxLimit}");
                }

                var page = await reads.SearchAsync(http.RequireActor(), new StixSearchQuery(type, value, tlp is null ? null : ParseTlp(tlp), community,
                    label, createdBy, modifiedSince, modifiedUntil, includeRevoked ?? false, allVersions ?? false, limit ?? 100, after,
                    q, createdSince, createdUntil), ct);
                return new SearchResult(page);
            })
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .WithSummary("Search by type, indicator value (exact) or text (q: substring of id, name, values, labels), TLP, community, label, creator, creation and modification time; only what the caller may see.");

        intel.MapGet("/objects/{id}/related", async (HttpContext http, StixReadService reads, string id, CancellationToken ct) =>
            {
                var neighbours = await reads.NeighboursAsync(http.RequireActor(), id, ct);
                return TypedResults.Ok(neighbours.Select(n => new RelatedItem(n.Object.Id, n.Object.Type, n.Object.Name, n.Label, n.Outgoing, n.RelationshipId,
                    TlpMarkings.Label(n.Object.Tlp))).ToList());
            })
            .WithSummary("The objects related to this one (relationship SROs and embedded references, both ways) that the caller may see.");

        intel.MapGet("/objects/{id}/sightings", async (HttpContext http, StixReadService reads, string id, CancellationToken ct) =>
            {
                await reads.GetAsync(http.RequireActor(), id, null, ct);
                return TypedResults.Ok(await reads.SightingsAsync(http.RequireActor(), id, ct));
            })
            .WithSummary("Sightings of an object per organisation (count, first and last seen), from the sightings the caller may see.");

        intel.MapPost("/objects/{id}/sightings", async (HttpContext http, ManualSightingService sightings, string id, SightingInput? input, CancellationToken ct) =>
                TypedResults.Ok(await sightings.ReportAsync(http.RequireActor(), id, input ?? new SightingInput(null, null, null), ct)))
            .WithSummary("Report that the caller's organisation saw this indicator: adds to its sighting (count, first/last seen).");

        intel.MapPost("/{id}/publish", async (HttpContext http, StixPublisher publisher, string id, PublishRequest input, CancellationToken ct) =>
            {
                var result = await publisher.PublishAsync(http.RequireActor(), id,
                    new IntelPublication(input.Tlp is null ? null : ParseTlp(input.Tlp), input.Communities, input.Organisations), ct);
                return TypedResults.Ok(result);
            })
            .WithSummary("Publish an object wider (its publishing organisation): within its own sector a new version with the wider scope; across sectors or abroad a sanitised copy by the national centre.");

        return api;
    }

    private static Tlp ParseTlp(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "clear" or "tlp:clear" or "white" => Tlp.Clear,
        "green" or "tlp:green" => Tlp.Green,
        "amber" or "tlp:amber" => Tlp.Amber,
        "amber+strict" or "amber-strict" or "tlp:amber+strict" => Tlp.AmberStrict,
        "red" or "tlp:red" => Tlp.Red,
        null or "" => throw new ValidationFailedException("tlp", "is required: clear, green, amber, amber+strict or red"),
        _ => throw new ValidationFailedException("tlp", $"'{text}' is not a TLP 2.0 level: clear, green, amber, amber+strict or red"),
    };

    public sealed record ImportResponse(string? BundleId, int Stored, int Duplicates, int Failed,
        IReadOnlyList<StixImportSuccess> Successes, IReadOnlyList<StixImportFailure> Failures);

    public sealed record PublishRequest(string? Tlp, IReadOnlyList<string>? Communities, IReadOnlyList<Guid>? Organisations);

    public sealed record RelatedItem(string Id, string Type, string? Name, string Label, bool Outgoing, string? RelationshipId, string Tlp);

    public sealed record VersionsResponse(string Id, IReadOnlyList<VersionItem> Versions);

    public sealed record VersionItem(string? Version, DateTimeOffset DateAdded, bool Revoked, string Tlp, bool Latest);

    /// <summary>Writes the page with each object's original JSON embedded as is (no re-serialisation).</summary>
    private sealed class SearchResult(StixSearchPage page) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            var buffer = new ArrayBufferWriter<byte>(16 * 1024);
            await using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteStartArray("items");
                foreach (var item in page.Items)
                {
                    w.WriteStartObject();
                    w.WriteString("id", item.Id);
                    w.WriteString("type", item.Type);
                    w.WriteString("version", item.Version);
                    w.WriteString("name", item.Name);
                    w.WriteString("tlp", TlpMarkings.Label(item.Tlp));
                    w.WriteBoolean("revoked", item.Revoked);
                    w.WriteString("dateAdded", item.DateAdded);
                    w.WritePropertyName("object");
                    w.WriteRawValue(item.Raw, skipInputValidation: true);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                if (page.Next is { } next)
                {
                    w.WriteNumber("next", next);
                }
                else
                {
                    w.WriteNull("next");
                }

                w.WriteEndObject();
            }

            http.Response.ContentType = "application/json; charset=utf-8";
            await http.Response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted);
        }
    }
}
