using Musubi.Core;
using Musubi.Core.Identity;
using Musubi.Core.Sharing;
using Musubi.Infrastructure.Intelligence;
using Musubi.Stix.Patterning;

namespace Musubi.Infrastructure.Detection;

/// <summary>How an active indicator is applied to events.</summary>
public enum IndicatorMode
{
    /// <summary>Plain comparisons, compiled into the indicator matcher.</summary>
    Compiled,

    /// <summary>The STIX pattern evaluator on each event alone.</summary>
    Evaluated,

    /// <summary>The pattern needs several events: evaluated over the window of events.</summary>
    AcrossEvents,
}

public sealed record ActiveIndicatorRow(string IndicatorId, IndicatorMode Mode, string? Pattern);

/// <summary>
/// The live indicator set as the caller may see it: every list holds only indicators whose marking
/// <see cref="AccessPolicy.MaySee"/> lets the caller's principal see; the counts are the whole set's.
/// </summary>
public sealed record IndicatorStatusReport(
    int Compiled, int Evaluated, int AcrossEvents, int Skipped, int Unsupported, DateTimeOffset BuiltAt, WindowCounters Window,
    int ActiveVisible, IReadOnlyList<ActiveIndicatorRow> Active, IReadOnlyList<InactiveIndicator> Inactive, IReadOnlyList<UnsupportedIndicator> Rejected);

/// <summary>
/// Which indicators detection applies, which it skips (expired, decayed, unreadable) and which it rejects (patterns
/// beyond the cross-event window's bounds), for the status page and API. Platform administrators and the national SOC
/// only (<see cref="SigmaRuleService.MayManageAsync"/>), and each of them sees only indicators the access policy lets
/// them see.
/// </summary>
public sealed class IndicatorStatusService(StoreIndicators store, CrossEventState crossEvents, SigmaRuleService rules, IntelligencePrincipals principals)
{
    /// <summary>Active indicators listed at most (the visible count covers all).</summary>
    public const int MaxListedActive = 1_000;

    public async Task<IndicatorStatusReport> GetAsync(Actor actor, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(await rules.MayManageAsync(actor, ct), "the detection indicator status is for platform administrators and the national SOC");
        var principal = await principals.ForAsync(actor, ct);
        var catalog = store.Current;
        bool Visible(ObjectMarking marking) => AccessPolicy.MaySee(principal, marking).Allowed;
        bool VisibleId(string id) => catalog.Markings.TryGetValue(id, out var marking) && Visible(marking);

        var evaluated = catalog.Patterns.ToDictionary(p => p.IndicatorId, p => p.Pattern.Text, StringComparer.Ordinal);
        var across = catalog.CrossEvent.ToDictionary(c => c.IndicatorId, c => c.Pattern.Pattern.Text, StringComparer.Ordinal);
        var rejected = catalog.Unsupported.Where(u => VisibleId(u.IndicatorId)).ToList();
        var rejectedIds = catalog.Unsupported.Select(u => u.IndicatorId).ToHashSet(StringComparer.Ordinal);
        var active = new List<ActiveIndicatorRow>();
        var visibleCount = 0;
        foreach (var (id, marking) in catalog.Markings.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            if (rejectedIds.Contains(id) || !Visible(marking))
            {
                continue;
            }

            visibleCount++;
            if (active.Count < MaxListedActive)
            {
                active.Add(across.TryGetValue(id, out var a) ? new ActiveIndicatorRow(id, IndicatorMode.AcrossEvents, a)
                    : evaluated.TryGetValue(id, out var e) ? new ActiveIndicatorRow(id, IndicatorMode.Evaluated, e)
                    : new ActiveIndicatorRow(id, IndicatorMode.Compiled, null));
            }
        }

        return new IndicatorStatusReport(catalog.Snapshot.Count, catalog.Patterns.Count, catalog.CrossEvent.Count, catalog.Skipped, catalog.Unsupported.Count,
            catalog.Snapshot.BuiltAt, crossEvents.Window.Counters, visibleCount, active, catalog.Inactive.Where(i => Visible(i.Marking)).ToList(), rejected);
    }
}
