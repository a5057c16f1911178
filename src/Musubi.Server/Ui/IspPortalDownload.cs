using Musubi.Core;
using Musubi.Infrastructure.Feeds.Tracking;

namespace Musubi.Server.Ui;

public static class IspPortalDownload
{
    /// <summary>The portal's CSV download on the session cookie (<c>/api</c> takes tokens only); the same checks as the API.</summary>
    public static WebApplication MapIspPortalDownload(this WebApplication app)
    {
        app.MapGet("/isp/hosts.csv", async (HttpContext http, InfectedHostQueries hosts, Guid? org, string? state, DateTimeOffset? since,
            string? type, string? malware, CancellationToken ct) =>
        {
            try
            {
                var csv = await hosts.HostsCsvAsync(Musubi.Server.Auth.ActorClaims.RequireActor(http),
                    new InfectedHostQuery(org, string.IsNullOrEmpty(state) ? "open" : state, since, Blank(type), Blank(malware)), ct);
                return Results.File(System.Text.Encoding.UTF8.GetBytes(csv), "text/csv; charset=utf-8", "infected-hosts.csv");
            }
            catch (ForbiddenException)
            {
                return Results.StatusCode(StatusCodes.Status403Forbidden);
            }
            catch (ValidationFailedException e)
            {
                return Results.BadRequest(e.Message);
            }
        }).RequireAuthorization().ExcludeFromDescription();
        return app;
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
