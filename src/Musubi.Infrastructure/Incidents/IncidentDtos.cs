using Musubi.Core.Incidents;
using Musubi.Core.Sharing;
using Musubi.Infrastructure.Constituency;

namespace Musubi.Infrastructure.Incidents;

/// <summary>A report or an analyst's new incident. Omitted values take the documented defaults (docs/INCIDENTS.md).</summary>
public sealed record IncidentInput(
    string? Title,
    string? Description,
    string? Classification,
    IReadOnlyList<Guid>? AffectedOrganisations = null,
    int? AssetCriticality = null,
    DataSensitivity? DataSensitivity = null,
    int? IndicatorConfidence = null,
    Tlp? Tlp = null,
    IReadOnlyList<string>? SharedWithCommunities = null,
    bool Exercise = false);

public sealed record StatusChange(IncidentStatus? Status, string? Reason);

public sealed record SeverityOverrideInput(Severity? Severity, string? Reason);

public sealed record TeamInput(Guid? OrganisationId, IncidentRole? Role);

public sealed record TaskInput(string? Title, Guid? OwnerOrganisationId, DateTimeOffset? DueAt);

/// <summary>A note for the timeline. <see cref="Layer"/> is the least layer that sees it (default: full only).</summary>
public sealed record NoteInput(string? Text, IncidentLayer? Layer = null);

public sealed record MergeInput(Guid? Into, string? Reason);

public sealed record IncidentFilter(IncidentStatus? Status = null, Severity? Severity = null, string? Sector = null,
    bool? Open = null, bool IncludeExercises = false);

public sealed record TeamDto(OrganisationRef Organisation, IncidentRole Role, DateTimeOffset AssignedAt);

public sealed record TaskDto(Guid Id, string Title, OrganisationRef Owner, DateTimeOffset? DueAt, DateTimeOffset CreatedAt, DateTimeOffset? DoneAt);

public sealed record TimelineDto(long Id, DateTimeOffset At, string Kind, string Text, string Actor, IncidentLayer Layer);

public sealed record EvidenceDto(Guid Id, string FileName, string ContentType, long Size, string Sha256, string? Description, DateTimeOffset AddedAt, string AddedBy);

public sealed record RiskDto(int Score, Severity Computed, Severity? Override, string? OverrideReason, int AssetCriticality,
    bool CriticalInfrastructure, int AffectedOrganisations, DataSensitivity DataSensitivity, int IndicatorConfidence);

/// <summary>
/// An incident as one viewer may see it: the fields of layers above the viewer's are null (docs/INCIDENTS.md,
/// "Layered views"). <see cref="Layer"/> says which projection this is.
/// </summary>
public sealed record IncidentDto(
    Guid Id,
    string Reference,
    IncidentLayer Layer,
    string Title,
    string Classification,
    IncidentStatus Status,
    Severity Severity,
    Tlp Tlp,
    bool IsExercise,
    DateTimeOffset ReportedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<string> Sectors,
    int AffectedCount,
    string? Description,
    IReadOnlyList<OrganisationRef>? Affected,
    OrganisationRef? Coordinator,
    IReadOnlyList<TeamDto>? Teams,
    RiskDto? Risk,
    StageDeadline? Deadline,
    IReadOnlyList<IncidentStatus>? AllowedMoves,
    IReadOnlyList<TaskDto>? Tasks,
    IReadOnlyList<TimelineDto>? Timeline,
    IReadOnlyList<EvidenceDto>? Evidence,
    Guid? MergedInto,
    IReadOnlyList<IndicatorDto>? Indicators = null,
    string? LessonsLearned = null);
