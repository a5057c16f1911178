using Musubi.Infrastructure.Detection;
using Musubi.Server.Auth;

namespace Musubi.Server.Api;

public static class QuarantineApi
{
    public static RouteGroupBuilder MapQuarantineApi(this RouteGroupBuilder api)
    {
        api.MapGroup("/detection").WithTags("Sensors")
            .MapGet("/quarantine", async (HttpContext http, QuarantineService svc, Guid? organisationId, Guid? sensorId, long? before, int? limit,
                    CancellationToken ct) =>
                TypedResults.Ok(await svc.ListAsync(http.RequireActor(), new QuarantineQuery(organisationId, sensorId, before, limit), ct)))
            .WithSummary("Quarantined (malformed) event lines, newest first, keyset paged by id: ?before=<nextBefore>&limit=1..1000 (default 100). "
                + "Sensor administrators of the organisation; platform admins and the national SOC see all, including lines with no sensor.");
        return api;
    }
}
