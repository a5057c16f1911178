using Musubi.Infrastructure.Identity;
using Musubi.Server.Auth;

namespace Musubi.Server.Api;

public sealed record SignInAnswer(string Token, DateTimeOffset ExpiresAt);

public static class IdentityApi
{
    /// <summary>Password sign-in for scripts: returns a short-lived token. The only anonymous write endpoint.</summary>
    public static RouteGroupBuilder MapSignInApi(this RouteGroupBuilder anonymous)
    {
        anonymous.MapPost("/auth/sign-in", async (SignInService signIn, TokenService tokens, SignInInput input, CancellationToken ct) =>
            {
                var result = await signIn.SignInAsync(input.UserName, input.Password, input.TotpCode, ct);
                return result.Status switch
                {
                    SignInStatus.Success => Results.Ok(ToAnswer(await tokens.IssueSignInTokenAsync(result.Actor!, ct))),
                    SignInStatus.TotpRequired => Results.Problem("this account has two-factor sign-in: send totpCode as well",
                        statusCode: StatusCodes.Status401Unauthorized, title: "Two-factor code required", type: "urn:musubi:totp-required"),
                    SignInStatus.TotpInvalid => Results.Problem("the two-factor code is wrong or already used",
                        statusCode: StatusCodes.Status401Unauthorized, title: "Wrong two-factor code", type: "urn:musubi:totp-invalid"),
                    SignInStatus.LockedOut => Results.Problem($"too many failed attempts: locked until {result.LockedUntil:u}",
                        statusCode: StatusCodes.Status423Locked, title: "Locked out"),
                    _ => Results.Problem("wrong user name or password", statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in failed"),
                };
            })
            .WithTags("Identity")
            .WithSummary("Sign in with user name, password and (if enrolled) TOTP code; returns a 12-hour API token.")
            .AllowAnonymous();
        return anonymous;
    }

    public static RouteGroupBuilder MapIdentityApi(this RouteGroupBuilder api)
    {
        var me = api.MapGroup("/me").WithTags("Identity");
        me.MapGet("/", async (HttpContext http, UserService users, CancellationToken ct) =>
            TypedResults.Ok(await users.GetAsync(http.RequireActor(), http.RequireActor().UserId, ct)));
        me.MapPost("/password", async (HttpContext http, UserService users, PasswordChange input, CancellationToken ct) =>
            {
                await users.ChangeOwnPasswordAsync(http.RequireActor(), input, ct);
                return TypedResults.NoContent();
            });
        me.MapPost("/totp", async (HttpContext http, UserService users, CancellationToken ct) =>
                TypedResults.Ok(await users.BeginTotpAsync(http.RequireActor(), ct)))
            .WithSummary("Start two-factor enrolment: returns the secret and an otpauth:// URI for the authenticator app.");
        me.MapPost("/totp/confirm", async (HttpContext http, UserService users, TotpCode input, CancellationToken ct) =>
            {
                await users.ConfirmTotpAsync(http.RequireActor(), input, ct);
                return TypedResults.NoContent();
            });

        var u = api.MapGroup("/users").WithTags("Identity");
        u.MapGet("/", async (HttpContext http, UserService users, Guid? organisationId, CancellationToken ct) =>
            TypedResults.Ok(await users.ListAsync(http.RequireActor(), organisationId, ct)));
        u.MapPost("/", async (HttpContext http, UserService users, UserInput input, CancellationToken ct) =>
            {
                var user = await users.CreateAsync(http.RequireActor(), input, ct);
                return TypedResults.Created($"/api/v1/users/{user.Id}", user);
            });
        u.MapGet("/{id:guid}", async (HttpContext http, UserService users, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await users.GetAsync(http.RequireActor(), id, ct)));
        u.MapPatch("/{id:guid}", async (HttpContext http, UserService users, Guid id, UserUpdate input, CancellationToken ct) =>
            TypedResults.Ok(await users.UpdateAsync(http.RequireActor(), id, input, ct)));
        u.MapPost("/{id:guid}/password", async (HttpContext http, UserService users, Guid id, PasswordReset input, CancellationToken ct) =>
            {
                await users.ResetPasswordAsync(http.RequireActor(), id, input, ct);
                return TypedResults.NoContent();
            });
        u.MapPost("/{id:guid}/unlock", async (HttpContext http, UserService users, Guid id, CancellationToken ct) =>
            {
                await users.UnlockAsync(http.RequireActor(), id, ct);
                return TypedResults.NoContent();
            });
        u.MapDelete("/{id:guid}/totp", async (HttpContext http, UserService users, Guid id, CancellationToken ct) =>
            {
                await users.DisableTotpAsync(http.RequireActor(), id, ct);
                return TypedResults.NoContent();
            });

        var t = api.MapGroup("/tokens").WithTags("Identity");
        t.MapGet("/", async (HttpContext http, TokenService tokens, Guid? userId, CancellationToken ct) =>
            TypedResults.Ok(await tokens.ListAsync(http.RequireActor(), userId, ct)));
        t.MapPost("/", async (HttpContext http, TokenService tokens, TokenInput input, CancellationToken ct) =>
            {
                var created = await tokens.CreateAsync(http.RequireActor(), input, ct);
                return TypedResults.Created($"/api/v1/tokens/{created.Token.Id}", created);
            })
            .WithSummary("Create an API token; the secret is in this answer only.");
        t.MapDelete("/{id:guid}", async (HttpContext http, TokenService tokens, Guid id, CancellationToken ct) =>
            {
                await tokens.RevokeAsync(http.RequireActor(), id, ct);
                return TypedResults.NoContent();
            });
        return api;
    }

    private static SignInAnswer ToAnswer(CreatedToken t) => new(t.Secret, t.Token.ExpiresAt);
}
