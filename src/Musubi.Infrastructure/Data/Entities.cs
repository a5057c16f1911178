using Musubi.Core.Constituency;
using Musubi.Core.Identity;

namespace Musubi.Infrastructure.Data;

public sealed class SectorEntity
{
    public required string Id { get; set; }
    public required string NameEn { get; set; }
    public required string NameJa { get; set; }
    public bool BuiltIn { get; set; }
}

public sealed class OrganisationEntity
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public string? NameJa { get; set; }
    public string? ShortName { get; set; }
    public OrganisationKind Kind { get; set; }
    public string? SectorId { get; set; }
    public required string Country { get; set; }
    public string? Description { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public List<ContactEntity> Contacts { get; set; } = [];
    public List<NetworkEntity> Networks { get; set; } = [];
    public List<MembershipEntity> Memberships { get; set; } = [];
}

public sealed class ContactEntity
{
    public Guid Id { get; set; }
    public Guid OrganisationId { get; set; }
    public required string Name { get; set; }
    public ContactRole Role { get; set; }
    public required string Email { get; set; }
    public string? Phone { get; set; }
    public string? PgpKey { get; set; }
}

/// <summary>
/// A CIDR, ASN or domain claimed by one organisation. <see cref="Value"/> is canonical, so the unique index on
/// (Kind, Value) is what makes a second claim of the same block a conflict.
/// </summary>
public sealed class NetworkEntity
{
    public Guid Id { get; set; }
    public Guid OrganisationId { get; set; }
    public NetworkKind Kind { get; set; }
    public required string Value { get; set; }
    public string? Description { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public sealed class CommunityEntity
{
    public Guid Id { get; set; }
    public required string Slug { get; set; }
    public CommunityKind Kind { get; set; }
    public required string NameEn { get; set; }
    public string? NameJa { get; set; }
    public string? SectorId { get; set; }
    public string? Description { get; set; }
    public bool BuiltIn { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public List<MembershipEntity> Memberships { get; set; } = [];
}

public sealed class MembershipEntity
{
    public Guid CommunityId { get; set; }
    public Guid OrganisationId { get; set; }
    public DateTimeOffset JoinedAt { get; set; }
    public CommunityEntity? Community { get; set; }
    public OrganisationEntity? Organisation { get; set; }
}

public sealed class UserEntity
{
    public Guid Id { get; set; }
    public required string UserName { get; set; }
    public required string NormalisedUserName { get; set; }
    public string? DisplayName { get; set; }
    public string? Email { get; set; }
    public Guid OrganisationId { get; set; }
    public Role Role { get; set; }
    /// <summary>Argon2id PHC string; null for service accounts, which sign in with tokens only.</summary>
    public string? PasswordHash { get; set; }
    public int FailedSignIns { get; set; }
    public DateTimeOffset? LockedUntil { get; set; }
    /// <summary>The TOTP key, encrypted with the data-protection key ring (it must be recoverable to verify codes).</summary>
    public string? TotpSecretProtected { get; set; }
    public bool TotpEnabled { get; set; }
    /// <summary>The last accepted TOTP time step, so a code is never accepted twice.</summary>
    public long TotpLastStep { get; set; }
    public bool Disabled { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastSignInAt { get; set; }
    /// <summary>Changes when the password, 2FA or role changes; cookies carrying an older stamp are rejected.</summary>
    public required string SecurityStamp { get; set; }
}

public sealed class ApiTokenEntity
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public required string Name { get; set; }
    /// <summary>The first characters of the token, shown in lists so the owner can recognise it.</summary>
    public required string Prefix { get; set; }
    /// <summary>SHA-256 of the whole token, hex. Tokens are 256-bit random, so a fast hash is sufficient.</summary>
    public required string SecretHash { get; set; }
    public required string Scopes { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
    public UserEntity? User { get; set; }
}

/// <summary>One audited write. Append-only: the context refuses to update or delete these rows.</summary>
public sealed class AuditEntryEntity
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public Guid ActorUserId { get; set; }
    public required string ActorName { get; set; }
    public Guid ActorOrganisationId { get; set; }
    /// <summary>The organisation the change concerns, so organisation admins can read their own trail.</summary>
    public Guid? OrganisationId { get; set; }
    public required string Action { get; set; }
    public required string EntityType { get; set; }
    public required string EntityId { get; set; }
    public string? Before { get; set; }
    public string? After { get; set; }
    public string? RemoteAddress { get; set; }
}
