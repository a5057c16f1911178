using Musubi.Core.Identity;

namespace Musubi.Infrastructure.Identity;

public sealed record UserDto(
    Guid Id, string UserName, string? DisplayName, string? Email, Guid OrganisationId, Role Role, bool TotpEnabled,
    bool Disabled, bool LockedOut, DateTimeOffset CreatedAt, DateTimeOffset? LastSignInAt);

public sealed record UserInput(string? UserName, string? DisplayName, string? Email, Guid? OrganisationId, Role? Role, string? Password);

public sealed record UserUpdate(string? DisplayName, string? Email, Role? Role, bool? Disabled);

public sealed record PasswordChange(string? CurrentPassword, string? NewPassword);

public sealed record PasswordReset(string? NewPassword);

public sealed record TotpEnrolment(string Secret, string OtpAuthUri);

public sealed record TotpCode(string? Code);

public sealed record TokenDto(
    Guid Id, Guid UserId, string Name, string Prefix, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt);

public sealed record TokenInput(string? Name, IReadOnlyList<string>? Scopes, int? ExpiresInDays, Guid? UserId);

/// <summary>The only time the secret is shown.</summary>
public sealed record CreatedToken(TokenDto Token, string Secret);

public sealed record SignInInput(string? UserName, string? Password, string? TotpCode);
