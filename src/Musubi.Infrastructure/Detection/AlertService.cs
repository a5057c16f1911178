using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Constituency;
using Musubi.Core.Detection;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Detection;

public sealed record AlertDto(Guid Id, Guid OrganisationId, string? Organisation, Guid? SensorId, string Kind, string SourceId, string Title, string Level,
    int Severity, string Host, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, int Count, string Status, Guid? AcknowledgedBy,
    DateTimeOffset? AcknowledgedAt, string? Evidence, Guid? IncidentId = null, string? IncidentReference = null);

public sealed record AlertQuery(Guid? OrganisationId = null, string? Status = null, string? Kind = null, int? MinSeverity = null,
    string? Search = null, int Page = 1, int PageSize = 50);

public sealed record AlertPage(IReadOnlyList<AlertDto> Items, int Total, int Page, int PageSize);

/// <summary>
/// Alerts as people see them: an organisation its own, the national SOC all (<see cref="DetectionAccessRules"/>).
/// Acknowledging is audited.
/// </summary>
public sealed class AlertService(MusubiDbContext db, AuditTrail audit, TimeProvider time)
{
    public async Task<AlertPage> SearchAsync(Actor actor, AlertQuery query, CancellationToken ct)
    {
        var soc = await InNationalCentreAsync(actor, ct);
        if (query.OrganisationId is { } org)
        {
            ForbiddenException.ThrowUnless(DetectionAccessRules.CanReadAlerts(actor, org, soc), "you may not see this organisation's alerts");
        }
        else
        {
            ForbiddenException.ThrowUnless(DetectionAccessRules.CanReadAlerts(actor, actor.OrganisationId, soc), "reading alerts needs an analyst, read-only user or administrator");
        }

        var errors = new Musubi.Core.Validation.FieldErrors();
        if (query.Page < 1)
        {
            errors.Add("page", "must be at least 1");
        }

        if (query.PageSize is < 1 or > 500)
        {
            errors.Add("pageSize", "must be between 1 and 500");
        }

        if (query.Status is not null and not ("new" or "acknowledged" or "escalated"))
        {
            errors.Add("status", "new, acknowledged or escalated");
        }

        if (query.Kind is not null and not ("sigma" or "indicator"))
        {
            errors.Add("kind", "sigma or indicator");
        }

        errors.ThrowIfAny();
        var q = db.Set<AlertEntity>().AsNoTracking();
        if (query.OrganisationId is { } o)
        {
            q = q.Where(a => a.OrganisationId == o);
        }
        else if (!DetectionAccessRules.IsNationalSoc(actor, soc))
        {
            q = q.Where(a => a.OrganisationId == actor.OrganisationId);
        }

        if (query.Status is { } status)
        {
            q = q.Where(a => a.Status == status);
        }

        if (query.Kind is { } kind)
        {
            q = q.Where(a => a.Kind == kind);
        }

        if (query.MinSeverity is { } min)
        {
            q = q.Where(a => a.Severity >= min);
        }

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var s = query.Search.Trim();
            q = q.Where(a => a.Title.Contains(s) || a.Host.Contains(s) || a.SourceId.Contains(s));
        }

        var total = await q.CountAsync(ct);
        var rows = await q.OrderByDescending(a => a.LastSeen).Skip((query.Page - 1) * query.PageSize).Take(query.PageSize).ToListAsync(ct);
        var names = await OrganisationNamesAsync(rows.Select(r => r.OrganisationId), ct);
        var incidents = await IncidentsAsync(rows.Select(r => r.Id), ct);
        return new AlertPage([.. rows.Select(r => ToDto(r, names, withEvidence: false, incidents))], total, query.Page, query.PageSize);
    }

    public async Task<AlertDto> GetAsync(Actor actor, Guid id, CancellationToken ct)
    {
        var alert = await db.Set<AlertEntity>().AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, ct) ?? throw new NotFoundException("alert", id.ToString());
        if (!DetectionAccessRules.CanReadAlerts(actor, alert.OrganisationId, await InNationalCentreAsync(actor, ct)))
        {
            // Outsiders learn nothing, not even that the alert exists.
            throw new NotFoundException("alert", id.ToString());
        }

        return ToDto(alert, await OrganisationNamesAsync([alert.OrganisationId], ct), withEvidence: true, await IncidentsAsync([alert.Id], ct));
    }

    public async Task<AlertDto> AcknowledgeAsync(Actor actor, Guid id, CancellationToken ct)
    {
        var alert = await db.Set<AlertEntity>().FirstOrDefaultAsync(a => a.Id == id, ct) ?? throw new NotFoundException("alert", id.ToString());
        var soc = await InNationalCentreAsync(actor, ct);
        if (!DetectionAccessRules.CanReadAlerts(actor, alert.OrganisationId, soc))
        {
            throw new NotFoundException("alert", id.ToString());
        }

        ForbiddenException.ThrowUnless(DetectionAccessRules.CanHandleAlerts(actor, alert.OrganisationId, soc), "acknowledging alerts needs an analyst or organisation administrator");
        if (alert.Status == "new")
        {
            alert.Status = "acknowledged";
            alert.AcknowledgedBy = actor.UserId;
            alert.AcknowledgedAt = time.GetUtcNow();
            audit.Record(actor, "alert.acknowledge", "alert", alert.Id.ToString(), alert.OrganisationId, new { Status = "new" }, new { alert.Status, alert.AcknowledgedAt });
            await db.SaveChangesAsync(ct);
        }

        return ToDto(alert, await OrganisationNamesAsync([alert.OrganisationId], ct), withEvidence: false);
    }

    /// <summary>The incident each alert was escalated into (docs/INCIDENTS.md, "From alerts").</summary>
    private async Task<Dictionary<Guid, (Guid Id, string Reference)>> IncidentsAsync(IEnumerable<Guid> alertIds, CancellationToken ct)
    {
        var ids = alertIds.ToList();
        var links = await db.Set<Incidents.IncidentAlertEntity>().AsNoTracking().Where(l => ids.Contains(l.AlertId))
            .Join(db.Incidents.AsNoTracking(), l => l.IncidentId, i => i.Id, (l, i) => new { l.AlertId, i.Id, i.Reference }).ToListAsync(ct);
        return links.ToDictionary(l => l.AlertId, l => (l.Id, l.Reference));
    }

    private async Task<bool> InNationalCentreAsync(Actor actor, CancellationToken ct) =>
        await db.Organisations.AsNoTracking().AnyAsync(o => o.Id == actor.OrganisationId && o.Kind == OrganisationKind.NationalCentre, ct);

    private async Task<Dictionary<Guid, string>> OrganisationNamesAsync(IEnumerable<Guid> ids, CancellationToken ct)
    {
        var list = ids.Distinct().ToList();
        return await db.Organisations.AsNoTracking().Where(o => list.Contains(o.Id)).ToDictionaryAsync(o => o.Id, o => o.Name, ct);
    }

    private static AlertDto ToDto(AlertEntity a, Dictionary<Guid, string> names, bool withEvidence,
        Dictionary<Guid, (Guid Id, string Reference)>? incidents = null)
    {
        (Guid Id, string Reference)? incident = incidents is not null && incidents.TryGetValue(a.Id, out var found) ? found : null;
        return new(a.Id, a.OrganisationId, names.GetValueOrDefault(a.OrganisationId), a.SensorId, a.Kind, a.SourceId, a.Title, a.Level, a.Severity,
            a.Host, a.FirstSeen, a.LastSeen, a.Count, a.Status, a.AcknowledgedBy, a.AcknowledgedAt, withEvidence ? a.Evidence : null,
            incident?.Id, incident?.Reference);
    }
}
