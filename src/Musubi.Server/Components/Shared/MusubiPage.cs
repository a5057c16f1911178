using Microsoft.AspNetCore.Components;
using Musubi.Core;
using Musubi.Core.Identity;
using Musubi.Server.Auth;
using Musubi.Server.Ui;

namespace Musubi.Server.Components.Shared;

/// <summary>
/// Base of the signed-in pages and their sections (static SSR): the request, the actor, and the one way a form calls a
/// service — domain errors become messages on the page, never a crash.
/// </summary>
public abstract class MusubiPage : ComponentBase
{
    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = default!;

    [Inject]
    protected NavigationManager Nav { get; set; } = default!;

    protected Actor Actor => HttpContext.RequireActor();

    protected CancellationToken Aborted => HttpContext.RequestAborted;

    /// <summary>Runs a service call for a form; on a domain error files it in <paramref name="errors"/> and returns false.</summary>
    protected async Task<bool> TryAsync(FormErrors errors, Func<Task> action, params string[] shownFields)
    {
        try
        {
            await action();
            return true;
        }
        catch (MusubiException ex)
        {
            errors.Capture(ex, shownFields);
            SetStatus(ex);
            return false;
        }
    }

    /// <summary>The page as a whole is not for this actor (the cookie handler does the same for [Authorize]).</summary>
    protected void Deny() => Nav.NavigateTo("/denied");

    /// <summary>Post/redirect/get: back to a page (with a short "done" code for the success message).</summary>
    protected void RedirectTo(string url) => Nav.NavigateTo(url);

    private void SetStatus(MusubiException ex)
    {
        if (HttpContext.Response.HasStarted)
        {
            return;
        }

        HttpContext.Response.StatusCode = ex switch
        {
            ValidationFailedException => StatusCodes.Status400BadRequest,
            ForbiddenException => StatusCodes.Status403Forbidden,
            NotFoundException => StatusCodes.Status404NotFound,
            ConflictException => StatusCodes.Status409Conflict,
            _ => StatusCodes.Status400BadRequest,
        };
    }
}
