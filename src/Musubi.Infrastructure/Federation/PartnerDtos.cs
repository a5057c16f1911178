using Musubi.Core.Sharing;

namespace Musubi.Infrastructure.Federation;

/// <summary>
/// A partner to create or change. On change, a null field keeps the stored value; <see cref="Secret"/> is write-only:
/// null keeps it, an empty string removes it.
/// </summary>
public sealed record PartnerInput(
    string? Name = null,
    Guid? OrganisationId = null,
    PartnerKind? Kind = null,
    string? Url = null,
    string? CollectionId = null,
    PartnerAuth? Auth = null,
    string? UserName = null,
    string? Secret = null,
    PartnerDirection? Direction = null,
    int? IntervalMinutes = null,
    Tlp? Ceiling = null,
    Tlp? DefaultTlp = null,
    IReadOnlyList<Guid>? Communities = null,
    bool? Enabled = null,
    bool ClearOrganisation = false);

public sealed record PartnerFailure(string Id, string Reason);

public sealed record PartnerStatus(
    DateTimeOffset? LastAttemptAt, DateTimeOffset? LastSuccessAt, DateTimeOffset? LastErrorAt, string? LastError,
    long ObjectsPulled, long ObjectsPushed, string? PullCheckpoint, long PushCheckpoint, IReadOnlyList<PartnerFailure> LastFailures);

/// <summary>A partner as administrators see it: never the secret, only whether one is set.</summary>
public sealed record PartnerDto(
    Guid Id, string Name, Guid? OrganisationId, string? OrganisationName, PartnerKind Kind, string Url, string? CollectionId,
    PartnerAuth Auth, string? UserName, bool HasSecret, PartnerDirection Direction, int IntervalMinutes, Tlp Ceiling, Tlp DefaultTlp,
    IReadOnlyList<Guid> Communities, bool Enabled, DateTimeOffset CreatedAt, PartnerStatus Status);

public enum PartnerRunKind
{
    Pull = 1,
    Push = 2,
}

/// <summary>What one run did: objects stored (pull) or accepted by the remote (push), per-object failures, the error that stopped it.</summary>
public sealed record PartnerRunResult(PartnerRunKind Kind, int Objects, int Duplicates, IReadOnlyList<PartnerFailure> Failures, string? Error, PartnerDto Partner);
