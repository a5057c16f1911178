namespace Musubi.Core.Identity;

/// <summary>
/// Who is acting: a signed-in user or the owner of an API token. <see cref="Scopes"/> is null for a browser session
/// (every scope) and the token's scopes otherwise.
/// </summary>
public sealed record Actor(Guid UserId, string UserName, Guid OrganisationId, Role Role, IReadOnlySet<string>? Scopes = null)
{
    /// <summary>The platform itself (start-up seeding, migrations); never an HTTP caller.</summary>
    public static readonly Actor System = new(Guid.Empty, "system", Guid.Empty, Role.PlatformAdmin);

    public bool HasScope(string scope) => Scopes is null || Scopes.Contains(scope);

    public bool IsPlatformAdmin => Role == Role.PlatformAdmin;
}
