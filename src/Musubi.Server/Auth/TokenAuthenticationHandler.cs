using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Musubi.Infrastructure.Identity;

namespace Musubi.Server.Auth;

/// <summary>
/// API tokens, presented as "Authorization: Bearer msb_..." or as the password of HTTP Basic, which TAXII clients
/// commonly use; with Basic the user name must be the token owner's (compared case-insensitively). The secret is only
/// ever hashed (TokenService) and never logged.
/// </summary>
public sealed class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, TokenService tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Token";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var header) || header.Parameter is null)
        {
            return AuthenticateResult.NoResult();
        }

        string? secret = null;
        string? basicUser = null;
        if (header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            secret = header.Parameter;
        }
        else if (header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                secret = colon >= 0 ? decoded[(colon + 1)..] : null;
                basicUser = colon >= 0 ? decoded[..colon] : null;
            }
            catch (FormatException)
            {
                return AuthenticateResult.Fail("malformed Basic credentials");
            }
        }

        if (secret is null)
        {
            return AuthenticateResult.NoResult();
        }

        var actor = await tokens.AuthenticateAsync(secret.Trim(), Context.RequestAborted);
        if (actor is not null && basicUser is not null && !string.Equals(basicUser, actor.UserName, StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.Fail("the Basic user name is not the token's owner");
        }

        return actor is null
            ? AuthenticateResult.Fail("unknown, expired or revoked token")
            : AuthenticateResult.Success(new AuthenticationTicket(ActorClaims.ToPrincipal(actor, SchemeName), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        if (Request.Path.StartsWithSegments("/taxii2"))
        {
            // TAXII 2.1 §1.6.9: 401 with a WWW-Authenticate challenge; HTTP Basic is the suggested scheme.
            Response.Headers.WWWAuthenticate = new Microsoft.Extensions.Primitives.StringValues(["Basic realm=\"musubi-taxii\", charset=\"UTF-8\"", "Bearer realm=\"musubi\""]);
            return Taxii.TaxiiApi.WriteErrorAsync(Context, StatusCodes.Status401Unauthorized, "Unauthorized",
                "authenticate with HTTP Basic (your user name and an API token with intel scopes as the password) or a Bearer API token", "unauthorized");
        }

        Response.Headers.WWWAuthenticate = "Bearer realm=\"musubi\"";
        return Task.CompletedTask;
    }
}
