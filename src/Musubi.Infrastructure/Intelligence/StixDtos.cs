using Musubi.Core.Sharing;

namespace Musubi.Infrastructure.Intelligence;

/// <summary>
/// Who a published object is shared with, and at which TLP (an object's own TLP 2.0 marking may raise it). With
/// <see cref="TlpIsDefault"/> (what federation pulls), <see cref="Tlp"/> only applies to objects without a TLP marking:
/// a marked object keeps the TLP its producer gave it.
/// </summary>
/// <param name="DerivedFrom">For a sanitised copy: which object of the input is a copy of which original; kept privately
/// beside the copy (never in its JSON).</param>
public sealed record PublishOptions(
    Tlp Tlp, IReadOnlyList<Guid>? Communities = null, IReadOnlyList<Guid>? Organisations = null, IReadOnlyList<Guid>? Users = null,
    bool PublicFeed = false, Derivation? DerivedFrom = null, bool TlpIsDefault = false);

/// <summary>The object <paramref name="CopyId"/> is a sanitised copy of <paramref name="OriginalId"/>.</summary>
public sealed record Derivation(string CopyId, string OriginalId);

public enum StixImportStatus
{
    Stored,
    /// <summary>The same id and version was already stored (or came earlier in the same request): a success.</summary>
    Duplicate,
}

public sealed record StixImportSuccess(string Id, string? Version, StixImportStatus Status);

/// <summary>An object that was not stored: its position and path in the input, its id if it had one, and every error.</summary>
public sealed record StixImportFailure(int Index, string Path, string? Id, IReadOnlyList<string> Errors, string? Version = null);

public sealed record StixImportResult(string? BundleId, IReadOnlyList<StixImportSuccess> Successes, IReadOnlyList<StixImportFailure> Failures)
{
    public int Stored => Successes.Count(s => s.Status == StixImportStatus.Stored);
    public int Duplicates => Successes.Count(s => s.Status == StixImportStatus.Duplicate);
}

/// <summary>One stored version as a reader sees it; <see cref="Raw"/> is the JSON exactly as it was published.</summary>
public sealed record StixObjectView(
    string Id, string Type, string? Version, string? Name, Tlp Tlp, bool Revoked, bool IsLatest, DateTimeOffset DateAdded, string Raw);

/// <param name="Value">An indicator value (or SCO value), exactly.</param>
/// <param name="Text">A substring (case-insensitive) of the id, the name, an indicator/SCO value or a label.</param>
public sealed record StixSearchQuery(
    string? Type = null, string? Value = null, Tlp? Tlp = null, Guid? Community = null, string? Label = null,
    string? CreatedBy = null, DateTimeOffset? ModifiedSince = null, DateTimeOffset? ModifiedUntil = null,
    bool IncludeRevoked = false, bool AllVersions = false, int Limit = 100, long? After = null,
    string? Text = null, DateTimeOffset? CreatedSince = null, DateTimeOffset? CreatedUntil = null)
{
    public const int MaxTextLength = 200;
}

/// <summary>A page of results; <see cref="Next"/> continues after the last row examined (null at the end).</summary>
public sealed record StixSearchPage(IReadOnlyList<StixObjectView> Items, long? Next);
