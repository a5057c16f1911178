using Musubi.Core.Constituency;

namespace Musubi.Infrastructure.Constituency;

public sealed record SectorDto(string Id, string NameEn, string NameJa, bool BuiltIn);

public sealed record SectorInput(string? Id, string? NameEn, string? NameJa);

public sealed record ContactDto(Guid Id, string Name, ContactRole Role, string Email, string? Phone, string? PgpKey);

public sealed record ContactInput(string? Name, ContactRole? Role, string? Email, string? Phone, string? PgpKey);

public sealed record NetworkDto(Guid Id, NetworkKind Kind, string Value, string? Description);

public sealed record NetworkInput(NetworkKind? Kind, string? Value, string? Description);

public sealed record CommunityRef(Guid Id, string Slug, string NameEn, string? NameJa, CommunityKind Kind);

public sealed record OrganisationSummary(
    Guid Id, string Name, string? NameJa, string? ShortName, OrganisationKind Kind, string? SectorId, string Country,
    int NetworkCount, int ContactCount);

public sealed record OrganisationDetail(
    Guid Id, string Name, string? NameJa, string? ShortName, OrganisationKind Kind, string? SectorId, string Country,
    string? Description, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    IReadOnlyList<ContactDto> Contacts, IReadOnlyList<NetworkDto> Networks, IReadOnlyList<CommunityRef> Communities);

/// <summary>Create or replace an organisation's details. Contacts, networks and communities are optional on create.</summary>
public sealed record OrganisationInput(
    string? Name, string? NameJa, string? ShortName, OrganisationKind? Kind, string? SectorId, string? Country,
    string? Description,
    IReadOnlyList<ContactInput>? Contacts = null,
    IReadOnlyList<NetworkInput>? Networks = null,
    IReadOnlyList<string>? Communities = null);

public sealed record OrganisationQuery(
    string? Search = null, OrganisationKind? Kind = null, string? Sector = null, string? Country = null,
    string? Community = null, int Page = 1, int PageSize = 50);

public sealed record Paged<T>(IReadOnlyList<T> Items, int Page, int PageSize, int Total);

public sealed record CommunityDto(
    Guid Id, string Slug, CommunityKind Kind, string NameEn, string? NameJa, string? SectorId, string? Description,
    bool BuiltIn, IReadOnlyList<OrganisationRef> Members);

public sealed record OrganisationRef(Guid Id, string Name, string? NameJa, OrganisationKind Kind);

public sealed record CommunityInput(string? Slug, CommunityKind? Kind, string? NameEn, string? NameJa, string? SectorId, string? Description);

/// <summary>Answer to "who owns this IP / ASN / domain".</summary>
public sealed record OwnershipAnswer(string Query, NetworkKind Kind, string? MatchedBlock, OrganisationRef? Owner, string? SectorId);

/// <summary>Counts for the dashboard: organisations by kind and by sector (null = no sector), claimed networks by kind.</summary>
public sealed record DirectoryStatistics(
    IReadOnlyDictionary<OrganisationKind, int> OrganisationsByKind,
    IReadOnlyDictionary<string, int> OrganisationsBySector,
    IReadOnlyDictionary<NetworkKind, int> NetworksByKind);
