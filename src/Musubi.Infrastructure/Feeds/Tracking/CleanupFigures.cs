using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Feeds;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Feeds.Tracking;

/// <summary>One week (Monday 00:00 UTC) of an organisation's clean-up: see docs/NOTIFICATION.md for each figure.</summary>
public sealed record CleanupWeek(
    DateTimeOffset WeekStart, int Reported, int New, int Cleaned, int Reinfected, int OpenAtEnd, double? CumulativeRate);

/// <summary>One organisation's clean-up over a period: for the centre's per-ISP table.</summary>
public sealed record CleanupSummary(
    Guid OrganisationId, string Name, int Reported, int Cleaned, int Reinfected, int OpenNow, double? Rate);

/// <summary>
/// Clean-up figures computed from episodes (an infection from first to last observation; cleaned when the rule
/// confirmed it). An episode is open at time T when it started by T and was not cleaned, or its last observation is
/// at or after T; it counts as cleaned in the week of its last observation once the rule confirmed it.
/// </summary>
public sealed class CleanupFigures(MusubiDbContext db, InfectedHostQueries queries)
{
    public const int MaxWeeks = 106;

    internal readonly record struct Episode(long HostId, Guid? OrganisationId, DateTimeOffset OpenedAt, DateTimeOffset LastSeen, DateTimeOffset? CleanedAt, bool IsReinfection)
    {
        public bool OpenAt(DateTimeOffset t) => OpenedAt <= t && (CleanedAt is null || LastSeen >= t);
    }

    /// <summary>Week by week from the week of <paramref name="from"/> to the week before <paramref name="to"/>, for one organisation (null: the caller's).</summary>
    public async Task<IReadOnlyList<CleanupWeek>> WeeklyAsync(Actor actor, Guid? organisationId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var org = await queries.ReadableOrganisationAsync(actor, organisationId, ct);
        var start = WeekStart(from);
        var weeks = (int)Math.Ceiling((to - start).TotalDays / 7);
        if (weeks < 1 || weeks > MaxWeeks)
        {
            throw new ValidationFailedException("to", $"the period must cover 1 to {MaxWeeks} weeks");
        }

        var end = start.AddDays(7 * weeks);
        var episodes = await EpisodesAsync([org], end, ct);
        var reported = await ReportedAsync([org], start, end, ct);
        var result = new List<CleanupWeek>(weeks);
        for (var w = 0; w < weeks; w++)
        {
            var a = start.AddDays(7 * w);
            var b = a.AddDays(7);
            var opened = episodes.Count(e => e.OpenedAt < b);
            var cleanedSoFar = episodes.Count(e => e.CleanedAt is not null && e.LastSeen < b);
            result.Add(new CleanupWeek(a,
                reported.Where(r => r.To >= a && r.To < b).Select(r => r.HostId).Distinct().Count(),
                episodes.Count(e => !e.IsReinfection && e.OpenedAt >= a && e.OpenedAt < b),
                episodes.Count(e => e.CleanedAt is not null && e.LastSeen >= a && e.LastSeen < b),
                episodes.Count(e => e.IsReinfection && e.OpenedAt >= a && e.OpenedAt < b),
                episodes.Count(e => e.OpenAt(b)),
                opened == 0 ? null : (double)cleanedSoFar / opened));
        }

        return result;
    }

    /// <summary>Per organisation over [from, to): centre staff get every organisation with tracked hosts; others their own.</summary>
    public async Task<IReadOnlyList<CleanupSummary>> PerOrganisationAsync(Actor actor, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        if (to <= from)
        {
            throw new ValidationFailedException("to", "must be after from");
        }

        List<Guid> orgs;
        if (FeedAccessRules.IsCentreStaff(actor, await queries.InCentreAsync(actor, ct)) && actor.HasScope(Scopes.ConstituencyRead))
        {
            orgs = await db.Set<InfectedHostEntity>().AsNoTracking().Where(h => h.OrganisationId != null).Select(h => h.OrganisationId!.Value)
                .Distinct().ToListAsync(ct);
        }
        else
        {
            orgs = [await queries.ReadableOrganisationAsync(actor, null, ct)];
        }

        var episodes = await EpisodesAsync(orgs, to, ct);
        var reported = await ReportedAsync(orgs, from, to, ct);
        var names = await db.Organisations.AsNoTracking().Where(o => orgs.Contains(o.Id)).ToDictionaryAsync(o => o.Id, o => o.Name, ct);
        var byOrg = episodes.ToLookup(e => e.OrganisationId);
        var reportedByOrg = reported.ToLookup(r => r.OrganisationId);
        return orgs.Select(o =>
            {
                var mine = byOrg[o].ToList();
                var cleaned = mine.Count(e => e.CleanedAt is not null && e.LastSeen >= from && e.LastSeen < to);
                var hosts = reportedByOrg[o].Select(r => r.HostId).Distinct().Count();
                return new CleanupSummary(o, names.GetValueOrDefault(o, o.ToString()), hosts, cleaned,
                    mine.Count(e => e.IsReinfection && e.OpenedAt >= from && e.OpenedAt < to), mine.Count(e => e.OpenAt(to)),
                    mine.Count(e => e.OpenedAt < to) is var opened and > 0 ? (double)mine.Count(e => e.CleanedAt is not null && e.LastSeen < to) / opened : null);
            })
            .OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
    }

    public static DateTimeOffset WeekStart(DateTimeOffset t)
    {
        var day = new DateTimeOffset(t.UtcDateTime.Date, TimeSpan.Zero);
        var back = ((int)day.DayOfWeek + 6) % 7;
        return day.AddDays(-back);
    }

    internal async Task<List<Episode>> EpisodesAsync(IReadOnlyCollection<Guid> organisations, DateTimeOffset before, CancellationToken ct)
    {
        var list = new List<Episode>();
        foreach (var chunk in organisations.Chunk(200))
        {
            var ids = chunk.Select(g => (Guid?)g).ToList();
            list.AddRange(await db.Set<InfectedHostEpisodeEntity>().AsNoTracking().Where(e => ids.Contains(e.OrganisationId) && e.OpenedAt < before)
                .Select(e => new Episode(e.HostId, e.OrganisationId, e.OpenedAt, e.LastSeen, e.CleanedAt, e.IsReinfection)).ToListAsync(ct));
        }

        return list;
    }

    private async Task<List<(long HostId, Guid? OrganisationId, DateTimeOffset To)>> ReportedAsync(IReadOnlyCollection<Guid> organisations,
        DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var list = new List<(long, Guid?, DateTimeOffset)>();
        foreach (var chunk in organisations.Chunk(200))
        {
            var ids = chunk.Select(g => (Guid?)g).ToList();
            var rows = await db.Set<TrackedReportEntity>().AsNoTracking().Where(t => ids.Contains(t.OrganisationId) && t.To >= from && t.To < to)
                .Join(db.Set<TrackedReportHostEntity>(), t => t.Ticket, h => h.Ticket, (t, h) => new { h.HostId, t.OrganisationId, t.To })
                .ToListAsync(ct);
            list.AddRange(rows.Select(r => (r.HostId, r.OrganisationId, r.To)));
        }

        return list;
    }
}
