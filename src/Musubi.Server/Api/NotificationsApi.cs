using Musubi.Infrastructure.Notifications;
using Musubi.Server.Auth;

namespace Musubi.Server.Api;

public static class NotificationsApi
{
    public static RouteGroupBuilder MapNotificationsApi(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/notifications").WithTags("Notifications");
        g.MapGet("/", async (HttpContext http, NotificationService svc, bool? unread, CancellationToken ct) =>
                TypedResults.Ok(await svc.ListAsync(http.RequireActor(), unread ?? false, ct)))
            .WithSummary("The caller's notifications (assignments, escalations, deadlines), newest first.");
        g.MapPost("/{id:guid}/read", async (HttpContext http, NotificationService svc, Guid id, CancellationToken ct) =>
            {
                await svc.MarkReadAsync(http.RequireActor(), id, ct);
                return TypedResults.NoContent();
            });
        g.MapPost("/read-all", async (HttpContext http, NotificationService svc, CancellationToken ct) =>
            {
                await svc.MarkReadAsync(http.RequireActor(), null, ct);
                return TypedResults.NoContent();
            });
        return api;
    }
}
