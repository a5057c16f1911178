using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc;
using Musubi.Infrastructure.Identity;
using Musubi.Server.Auth;

namespace Musubi.Server.Ui;

/// <summary>Form posts of the browser UI that are not pages: sign-in (two steps), sign-out, language switch.</summary>
public static class UiEndpoints
{
    private const string TicketPurpose = "Musubi.SignIn.Totp.v1";
    private static readonly TimeSpan TicketLifetime = TimeSpan.FromMinutes(5);

    public static IServiceCollection AddMusubiUi(this IServiceCollection services)
    {
        services.AddRazorComponents();
        services.AddScoped<Loc>();
        return services;
    }

    public static WebApplication MapMusubiUi(this WebApplication app)
    {
        app.MapPost("/signin", async (HttpContext http, SignInService signIn, IDataProtectionProvider dp,
            [FromForm] string? userName, [FromForm] string? password, [FromForm] string? returnUrl) =>
        {
            var result = await signIn.SignInAsync(userName, password, null, http.RequestAborted);
            var back = SafeReturnUrl(returnUrl);
            switch (result.Status)
            {
                case SignInStatus.Success:
                    await SignInCookieAsync(http, result);
                    return Results.LocalRedirect(back);
                case SignInStatus.TotpRequired:
                    var ticket = dp.CreateProtector(TicketPurpose).ToTimeLimitedDataProtector()
                        .Protect($"{result.PendingUserId}|{result.SecurityStamp}", TicketLifetime);
                    return Results.LocalRedirect($"/signin/totp?ticket={Uri.EscapeDataString(ticket)}&returnUrl={Uri.EscapeDataString(back)}");
                case SignInStatus.LockedOut:
                    return Results.LocalRedirect($"/signin?error=locked&returnUrl={Uri.EscapeDataString(back)}");
                default:
                    return Results.LocalRedirect($"/signin?error=failed&returnUrl={Uri.EscapeDataString(back)}");
            }
        }).AllowAnonymous().ExcludeFromDescription();

        app.MapPost("/signin/totp", async (HttpContext http, SignInService signIn, IDataProtectionProvider dp,
            [FromForm] string? ticket, [FromForm] string? code, [FromForm] string? returnUrl) =>
        {
            var back = SafeReturnUrl(returnUrl);
            string payload;
            try
            {
                payload = dp.CreateProtector(TicketPurpose).ToTimeLimitedDataProtector().Unprotect(ticket ?? "");
            }
            catch (System.Security.Cryptography.CryptographicException)
            {
                return Results.LocalRedirect($"/signin?error=expired&returnUrl={Uri.EscapeDataString(back)}");
            }

            var parts = payload.Split('|');
            var result = await signIn.CompleteTotpAsync(Guid.Parse(parts[0]), parts[1], code, http.RequestAborted);
            switch (result.Status)
            {
                case SignInStatus.Success:
                    await SignInCookieAsync(http, result);
                    return Results.LocalRedirect(back);
                case SignInStatus.TotpInvalid:
                    return Results.LocalRedirect($"/signin/totp?error=code&ticket={Uri.EscapeDataString(ticket!)}&returnUrl={Uri.EscapeDataString(back)}");
                case SignInStatus.LockedOut:
                    return Results.LocalRedirect($"/signin?error=locked&returnUrl={Uri.EscapeDataString(back)}");
                default:
                    return Results.LocalRedirect($"/signin?error=expired&returnUrl={Uri.EscapeDataString(back)}");
            }
        }).AllowAnonymous().ExcludeFromDescription();

        app.MapPost("/signout", async (HttpContext http) =>
        {
            await http.SignOutAsync(AuthServiceCollectionExtensions.CookieScheme);
            return Results.LocalRedirect("/signin");
        }).ExcludeFromDescription();

        app.MapGet("/culture", (HttpContext http, string? c, string? returnUrl) =>
        {
            var culture = c == "ja" ? "ja" : "en";
            http.Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName,
                CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
                new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), IsEssential = true, SameSite = SameSiteMode.Lax, HttpOnly = true });
            return Results.LocalRedirect(SafeReturnUrl(returnUrl));
        }).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private static Task SignInCookieAsync(HttpContext http, Musubi.Infrastructure.Identity.SignInResult result) =>
        http.SignInAsync(AuthServiceCollectionExtensions.CookieScheme,
            ActorClaims.ToPrincipal(result.Actor!, AuthServiceCollectionExtensions.CookieScheme, result.SecurityStamp));

    /// <summary>Only local paths, so the sign-in form cannot be used as an open redirect.</summary>
    internal static string SafeReturnUrl(string? url) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
            ? url
            : "/";
}
