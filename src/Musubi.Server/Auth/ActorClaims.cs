using System.Security.Claims;
using Musubi.Core.Identity;

namespace Musubi.Server.Auth;

/// <summary>Turns an <see cref="Actor"/> into claims and back. The claims are the only place the actor is carried.</summary>
public static class ActorClaims
{
    public const string Organisation = "musubi:org";
    public const string Scope = "musubi:scope";
    public const string Stamp = "musubi:stamp";

    public static ClaimsPrincipal ToPrincipal(Actor actor, string scheme, string? stamp = null)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, actor.UserId.ToString()),
            new(ClaimTypes.Name, actor.UserName),
            new(Organisation, actor.OrganisationId.ToString()),
            new(ClaimTypes.Role, actor.Role.ToString()),
        };
        if (stamp is not null)
        {
            claims.Add(new Claim(Stamp, stamp));
        }

        if (actor.Scopes is not null)
        {
            claims.AddRange(actor.Scopes.Select(s => new Claim(Scope, s)));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }

    /// <summary>The actor of an authenticated principal. Tokens always carry their scopes (possibly none).</summary>
    public static Actor? FromPrincipal(ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true
            || !Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var userId)
            || !Guid.TryParse(principal.FindFirstValue(Organisation), out var orgId)
            || !Enum.TryParse<Role>(principal.FindFirstValue(ClaimTypes.Role), out var role))
        {
            return null;
        }

        var isToken = principal.Identity.AuthenticationType == TokenAuthenticationHandler.SchemeName;
        IReadOnlySet<string>? scopes = isToken
            ? principal.FindAll(Scope).Select(c => c.Value).ToHashSet(StringComparer.Ordinal)
            : null;
        return new Actor(userId, principal.Identity.Name ?? "", orgId, role, scopes);
    }

    public static Actor RequireActor(this HttpContext http) =>
        FromPrincipal(http.User) ?? throw new InvalidOperationException("endpoint reached without an authenticated actor");
}
