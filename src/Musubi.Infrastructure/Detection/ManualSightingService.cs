using Musubi.Core;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Intelligence;

namespace Musubi.Infrastructure.Detection;

/// <summary>An analyst's report that their organisation saw an indicator (count, and when; default once, now).</summary>
public sealed record SightingInput(int? Count, DateTimeOffset? FirstSeen, DateTimeOffset? LastSeen);

/// <summary>
/// "Report a sighting": adds to the caller's organisation's one sighting of an indicator, exactly as detection does
/// (<see cref="SightingReporter"/>), so sightings are recorded per organisation whoever reports them. The indicator
/// must be visible to the caller; the sighting is published to the indicator's audience at the organisation's sighting TLP.
/// </summary>
public sealed class ManualSightingService(StixImporter importer, StixReadService reader, DetectionOptions options, TimeProvider time)
{
    public const int MaxCount = 1_000_000;

    public async Task<StixImportSuccess> ReportAsync(Actor actor, string indicatorId, SightingInput input, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanPublishIntelligence(actor), "reporting a sighting needs the intel:write scope and a role other than read-only");
        var (view, marking) = await reader.LatestWithMarkingAsync(actor, indicatorId, ct);
        if (view.Type != "indicator")
        {
            throw new ValidationFailedException("id", $"sightings are reported of indicators; {indicatorId} is a {view.Type}");
        }

        if (view.Revoked)
        {
            throw new ValidationFailedException("id", "the indicator is revoked");
        }

        var now = time.GetUtcNow();
        var count = input.Count ?? 1;
        var last = input.LastSeen ?? now;
        var first = input.FirstSeen ?? last;
        var errors = new Musubi.Core.Validation.FieldErrors();
        errors.Check("count", count is < 1 or > MaxCount ? $"must be from 1 to {MaxCount}" : null);
        errors.Check("firstSeen", first > last ? "must not be after lastSeen" : null);
        errors.Check("lastSeen", last > now.AddMinutes(5) ? "must not be in the future" : null);
        errors.ThrowIfAny();
        var result = await SightingReporter.PublishAsync(importer, reader, actor,
            new SightingBatch(actor.OrganisationId, indicatorId, count, first, last), marking, options, now, ct);
        return result.Successes[0];
    }
}
