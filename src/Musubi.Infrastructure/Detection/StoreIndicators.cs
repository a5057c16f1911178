using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Musubi.Core.Sharing;
using Musubi.Detection.Indicators;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Intelligence;
using Musubi.Stix.Model;
using Musubi.Stix.Patterning;

namespace Musubi.Infrastructure.Detection;

/// <summary>An indicator whose pattern is more than plain comparisons: evaluated with the STIX pattern evaluator.</summary>
public sealed record PatternIndicator(string IndicatorId, StixPattern Pattern, int? Confidence, DateTimeOffset? ValidUntil);

/// <summary>An indicator whose pattern needs several events: evaluated over a window of events (<see cref="Musubi.Stix.Patterning.ObservationWindow{TEvent}"/>).</summary>
public sealed record CrossEventIndicator(string IndicatorId, CrossEventPattern Pattern, int? Confidence, DateTimeOffset? ValidUntil);

/// <summary>An indicator not applied now: expired, decayed, or not a STIX pattern it can read; with its marking for the access policy.</summary>
public sealed record InactiveIndicator(string IndicatorId, string? Pattern, string Reason, ObjectMarking Marking);

/// <summary>An indicator left out of detection because its pattern cannot be evaluated, with the reason.</summary>
public sealed record UnsupportedIndicator(string IndicatorId, string Pattern, string Reason);

/// <summary>
/// The live indicator set as one immutable value: the compiled matcher snapshot (plain comparisons), the indicators
/// that need the pattern evaluator, and each indicator's access marking (who it may be applied for). Swapped whole, so
/// a batch never sees a snapshot of one build with the markings of another.
/// </summary>
public sealed class IndicatorCatalog(
    IndicatorSnapshot snapshot,
    IReadOnlyDictionary<string, ObjectMarking> markings,
    IReadOnlyList<PatternIndicator> patterns,
    long token,
    DateTimeOffset? nextExpiry,
    int skipped,
    IReadOnlyList<UnsupportedIndicator>? unsupported = null,
    IReadOnlyList<CrossEventIndicator>? crossEvent = null,
    IReadOnlyList<InactiveIndicator>? inactive = null)
{
    /// <summary>At most this many inactive indicators are listed (the count covers all).</summary>
    public const int MaxListedInactive = 10_000;

    public static IndicatorCatalog Empty { get; } = new(IndicatorSnapshot.Empty, new Dictionary<string, ObjectMarking>(), [], -1, null, 0);

    public IndicatorSnapshot Snapshot { get; } = snapshot;

    public IReadOnlyDictionary<string, ObjectMarking> Markings { get; } = markings;

    public IReadOnlyList<PatternIndicator> Patterns { get; } = patterns;

    /// <summary>The newest stored indicator row when this was built (a new import or revocation adds a row).</summary>
    public long Token { get; } = token;

    /// <summary>The earliest <c>valid_until</c> or decay time still ahead at build time: a rebuild after it drops the expired.</summary>
    public DateTimeOffset? NextExpiry { get; } = nextExpiry;

    /// <summary>Indicators left out: not STIX patterns, unparsable, expired, or decayed under the threshold.</summary>
    public int Skipped { get; } = skipped;

    /// <summary>Indicators left out because their pattern needs several events beyond the window's bounds (<see cref="CrossEventPattern.Unsupported"/>).</summary>
    public IReadOnlyList<UnsupportedIndicator> Unsupported { get; } = unsupported ?? [];

    /// <summary>The first <see cref="MaxListedInactive"/> skipped indicators, each with why.</summary>
    public IReadOnlyList<InactiveIndicator> Inactive { get; } = inactive ?? [];

    /// <summary>Indicators whose pattern needs several events (<see cref="StixIndicatorTranslation.CrossEventReason"/>), evaluated across events.</summary>
    public IReadOnlyList<CrossEventIndicator> CrossEvent { get; } = crossEvent ?? [];

    /// <summary>
    /// May this indicator be applied to events of an organisation seen as <paramref name="organisation"/>? The access
    /// policy decides: the organisation must be allowed to see the indicator. An indicator with no marking here (a
    /// matcher fed by hand, not from the store) is refused.
    /// </summary>
    public bool MayApply(string indicatorId, Principal organisation) =>
        Markings.TryGetValue(indicatorId, out var marking) && AccessPolicy.MaySee(organisation, marking).Allowed;
}

/// <summary>
/// Feeds detection from the STIX store: every indicator that is the latest version of its id, not revoked, of
/// pattern type <c>stix</c> and not yet past its <c>valid_until</c>. Plain comparisons
/// (<see cref="StixIndicatorTranslation"/>) are compiled into the <see cref="IndicatorMatcher"/>; the rest go to the
/// pattern evaluator. <see cref="RefreshAsync"/> rebuilds off to the side and swaps the result in, so neither
/// ingestion nor detection waits for a rebuild; it rebuilds only when an indicator row was added (import, new version,
/// revocation) or the earliest <c>valid_until</c> or decay time has passed. An indicator whose decayed score
/// (<see cref="DecayOptions"/>) is under the threshold is left out, like an expired one.
/// </summary>
public sealed class StoreIndicators(IndicatorMatcher matcher, IServiceScopeFactory scopes, TimeProvider time, DecayOptions decay, DetectionOptions options, ILogger<StoreIndicators> log)
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private IndicatorCatalog current = IndicatorCatalog.Empty;

    public IndicatorCatalog Current => Volatile.Read(ref current);

    /// <summary>Rebuilds when the store changed (or <paramref name="force"/>); returns whether it did.</summary>
    public async Task<bool> RefreshAsync(CancellationToken ct, bool force = false)
    {
        await gate.WaitAsync(ct);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MusubiDbContext>();
            var token = await db.StixObjects.Where(x => x.Type == "indicator").MaxAsync(x => (long?)x.Id, ct) ?? 0;
            var now = time.GetUtcNow();
            var existing = Current;
            if (!force && token == existing.Token && (existing.NextExpiry is not { } expiry || expiry > now))
            {
                return false;
            }

            var catalog = await BuildAsync(db, token, now, ct);
            matcher.Replace(catalog.Snapshot);
            Volatile.Write(ref current, catalog);
            log.LogInformation("detection: indicator set rebuilt: {Plain} compiled, {Patterns} through the pattern evaluator, {CrossEvent} across events, {Skipped} skipped, {Unsupported} left out (beyond the pattern window's bounds)",
                catalog.Snapshot.Count, catalog.Patterns.Count, catalog.CrossEvent.Count, catalog.Skipped, catalog.Unsupported.Count);
            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<IndicatorCatalog> BuildAsync(MusubiDbContext db, long token, DateTimeOffset now, CancellationToken ct)
    {
        var records = new List<IndicatorRecord>();
        var patterns = new List<PatternIndicator>();
        var markings = new Dictionary<string, ObjectMarking>(StringComparer.Ordinal);
        DateTimeOffset? nextExpiry = null;
        var skipped = 0;
        var unsupported = new List<UnsupportedIndicator>();
        var crossEvent = new List<CrossEventIndicator>();
        var inactive = new List<InactiveIndicator>();
        void Skip(StixObjectEntity row, string? pattern, string reason)
        {
            skipped++;
            if (inactive.Count < IndicatorCatalog.MaxListedInactive)
            {
                inactive.Add(new InactiveIndicator(row.StixId, pattern, reason, StixRows.Marking(row)));
            }
        }

        var limits = options.PatternWindow.ToLimits();
        var rows = db.StixObjects.AsNoTracking().Include(x => x.Terms)
            .Where(x => x.Type == "indicator" && x.IsLatest && !x.Revoked && x.Id <= token)
            .OrderBy(x => x.Id)
            .AsAsyncEnumerable();
        var sighted = decay.Enabled ? await LastSightingsAsync(db, ct) : [];
        await foreach (var row in rows.WithCancellation(ct))
        {
            if (!TryRead(row.Raw, out var pattern, out var confidence, out var validUntil, out var unreadable))
            {
                Skip(row, null, unreadable!);
                continue;
            }

            if (validUntil is { } u && u <= now)
            {
                Skip(row, pattern!.Text, $"expired: valid_until {u:yyyy-MM-dd'T'HH:mm:ss'Z'} has passed");
                continue;
            }

            // Decay: the score falls from when the platform received this version, or from the last sighting.
            var leavesAt = validUntil;
            var since = sighted.TryGetValue(row.StixId, out var seen) && seen > row.DateAdded ? seen : row.DateAdded;
            if (decay.ExpiresAt(confidence, pattern!, since) is { } decaysAt)
            {
                if (decaysAt <= now)
                {
                    Skip(row, pattern!.Text, $"decayed: its score fell under {decay.Threshold} at {decaysAt.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}");
                    continue;
                }

                leavesAt = validUntil is { } vu && vu < decaysAt ? vu : decaysAt;
            }

            var plain = StixIndicatorTranslation.TryPlain(pattern!);
            if (plain is not null)
            {
                records.AddRange(plain.Select(p => new IndicatorRecord(p.Kind, p.Value, row.StixId, confidence, validUntil)));
            }
            else if (StixIndicatorTranslation.CrossEventReason(pattern!) is not null)
            {
                if (CrossEventPattern.Unsupported(pattern!, limits) is { } reason)
                {
                    unsupported.Add(new UnsupportedIndicator(row.StixId, pattern!.Text, reason));
                }
                else
                {
                    crossEvent.Add(new CrossEventIndicator(row.StixId, CrossEventPattern.Compile(pattern!, limits), confidence, validUntil));
                }
            }
            else
            {
                patterns.Add(new PatternIndicator(row.StixId, pattern!, confidence, validUntil));
            }

            markings[row.StixId] = StixRows.Marking(row);
            if (leavesAt is { } until && (nextExpiry is null || until < nextExpiry))
            {
                nextExpiry = until;
            }
        }

        var snapshot = IndicatorSnapshot.Build(records, now);
        return new IndicatorCatalog(snapshot, markings, patterns, token, nextExpiry, skipped, unsupported, crossEvent, inactive);
    }

    /// <summary>Per indicator, the latest <c>last_seen</c> among the current versions of its sightings (any organisation's).</summary>
    private static async Task<Dictionary<string, DateTimeOffset>> LastSightingsAsync(MusubiDbContext db, CancellationToken ct)
    {
        var result = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var rows = db.StixTerms.AsNoTracking()
            .Where(t => t.Kind == StixTermKind.Reference && t.Path == "$.sighting_of_ref")
            .Join(db.StixObjects.Where(o => o.Type == "sighting" && o.IsLatest && !o.Revoked), t => t.ObjectId, o => o.Id,
                (t, o) => new { Indicator = t.Value, o.Raw, o.DateAdded })
            .AsAsyncEnumerable();
        await foreach (var r in rows.WithCancellation(ct))
        {
            var last = StixReadService.ReadSighting(r.Raw).Last ?? r.DateAdded;
            if (!result.TryGetValue(r.Indicator, out var known) || last > known)
            {
                result[r.Indicator] = last;
            }
        }

        return result;
    }

    private static bool TryRead(string raw, out StixPattern? pattern, out int? confidence, out DateTimeOffset? validUntil, out string? reason)
    {
        pattern = null;
        confidence = null;
        validUntil = null;
        reason = null;
        try
        {
            using var doc = JsonDocument.Parse(raw);
            var o = doc.RootElement;
            if (o.TryGetProperty("pattern_type", out var type) && type.GetString() != "stix")
            {
                reason = $"pattern_type {type.GetString()}: only STIX patterns are used for detection";
                return false;
            }

            if (!o.TryGetProperty("pattern", out var p) || p.ValueKind != JsonValueKind.String)
            {
                reason = "no pattern";
                return false;
            }

            if (!StixPattern.TryParse(p.GetString()!, out pattern, out var error))
            {
                reason = $"the pattern does not parse: {error!.Message}";
                return false;
            }

            if (o.TryGetProperty("confidence", out var c) && c.TryGetInt32(out var ci))
            {
                confidence = ci;
            }

            if (o.TryGetProperty("valid_until", out var v) && v.ValueKind == JsonValueKind.String && StixTimestamp.TryParse(v.GetString(), out var ts))
            {
                validUntil = ts.Value;
            }

            return true;
        }
        catch (JsonException e)
        {
            reason = $"unreadable JSON: {e.Message}";
            return false;
        }
    }
}
