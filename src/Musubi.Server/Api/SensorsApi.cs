using Musubi.Infrastructure.Detection;
using Musubi.Server.Auth;

namespace Musubi.Server.Api;

public static class SensorsApi
{
    public static RouteGroupBuilder MapSensorsApi(this RouteGroupBuilder api)
    {
        var sensors = api.MapGroup("/sensors").WithTags("Sensors");
        sensors.MapPost("", async (HttpContext http, SensorService svc, SensorInput input, CancellationToken ct) =>
            {
                var created = await svc.CreateAsync(http.RequireActor(), input, ct);
                return TypedResults.Created($"/api/v1/sensors/{created.Sensor.Id}", created);
            })
            .WithSummary("Register a sensor of an organisation; its token is shown once (organisation or platform admins).");
        sensors.MapGet("", async (HttpContext http, SensorService svc, Guid organisationId, CancellationToken ct) =>
                TypedResults.Ok(await svc.ListAsync(http.RequireActor(), organisationId, ct)))
            .WithSummary("The sensors of an organisation, each with its count of quarantined lines and the time of the last one.");
        sensors.MapDelete("/{id:guid}", async (HttpContext http, SensorService svc, Guid id, CancellationToken ct) =>
            {
                await svc.RevokeAsync(http.RequireActor(), id, ct);
                return TypedResults.NoContent();
            })
            .WithSummary("Revoke a sensor's token.");
        return api;
    }
}
