using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Identity;
using Musubi.Core.Incidents;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Incidents;

/// <summary>One figure of a group: how many incidents reached the stage, and the median and 90th percentile hours.</summary>
public sealed record StageFigure(string Stage, int Count, double? MedianHours, double? P90Hours);

public sealed record MetricsGroup(string Key, int Incidents, IReadOnlyList<StageFigure> Stages);

/// <summary>Response times by severity and by sector, over the incidents a viewer may see. Exercises never count.</summary>
public sealed record IncidentMetricsDto(DateTimeOffset From, DateTimeOffset To, int Incidents,
    IReadOnlyList<StageFigure> Overall, IReadOnlyList<MetricsGroup> BySeverity, IReadOnlyList<MetricsGroup> BySector);

/// <summary>
/// Time to acknowledge (reported → triaged), to contain (→ contained), to recover (→ recovered) and to close
/// (→ closed), counted from the report, per severity and per sector. Exercise incidents are left out by the query
/// itself, so exercise data never enters real metrics.
/// </summary>
public sealed class IncidentMetrics(MusubiDbContext db, IncidentService incidents)
{
    public static readonly string[] StageNames = ["acknowledge", "contain", "recover", "close"];

    public async Task<IncidentMetricsDto> ComputeAsync(Actor actor, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanReadIncidents(actor), "reading incidents needs the incidents:read scope");
        if (to <= from)
        {
            throw new ValidationFailedException("to", "must be after from");
        }

        var visible = (await incidents.ListAsync(actor, new IncidentFilter(IncludeExercises: false), ct))
            .Where(i => i.ReportedAt >= from && i.ReportedAt < to && !i.IsExercise)
            .ToDictionary(i => i.Id);
        var ids = visible.Keys.ToList();
        var rows = await db.Incidents.AsNoTracking().Where(i => ids.Contains(i.Id) && !i.IsExercise)
            .Select(i => new { i.Id, i.ReportedAt, i.TriagedAt, i.ContainedAt, i.RecoveredAt, i.ClosedAt, i.Severity })
            .ToListAsync(ct);
        var samples = rows.Select(r => new Sample(
            r.Severity, visible[r.Id].Sectors,
            [Hours(r.ReportedAt, r.TriagedAt), Hours(r.ReportedAt, r.ContainedAt), Hours(r.ReportedAt, r.RecoveredAt), Hours(r.ReportedAt, r.ClosedAt)]))
            .ToList();
        return new IncidentMetricsDto(from, to, samples.Count, Figures(samples),
            Enum.GetValues<Severity>().Reverse().Select(s => Group(s.ToString().ToLowerInvariant(), samples.Where(x => x.Severity == s).ToList())).ToList(),
            samples.SelectMany(x => x.Sectors).Distinct().Order().Select(sector => Group(sector, samples.Where(x => x.Sectors.Contains(sector)).ToList())).ToList());
    }

    private sealed record Sample(Severity Severity, IReadOnlyList<string> Sectors, double?[] Hours);

    private static double? Hours(DateTimeOffset from, DateTimeOffset? to) => to is { } t ? Math.Max(0, (t - from).TotalHours) : null;

    private static MetricsGroup Group(string key, List<Sample> samples) => new(key, samples.Count, Figures(samples));

    private static List<StageFigure> Figures(List<Sample> samples) =>
        StageNames.Select((stage, index) =>
        {
            var values = samples.Select(s => s.Hours[index]).OfType<double>().Order().ToList();
            return new StageFigure(stage, values.Count, Percentile(values, 0.5), Percentile(values, 0.9));
        }).ToList();

    /// <summary>Nearest-rank percentile of sorted values; null when there are none.</summary>
    public static double? Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            return null;
        }

        var rank = (int)Math.Ceiling(p * sorted.Count);
        return Math.Round(sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)], 2);
    }
}
