using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Constituency;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Audit;

public sealed record AuditQuery(
    string? Search = null, string? Action = null, string? EntityType = null, Guid? OrganisationId = null,
    string? Actor = null, DateTimeOffset? From = null, DateTimeOffset? To = null, int Page = 1, int PageSize = 100);

public sealed record AuditEntryDto(
    long Id, DateTimeOffset At, Guid ActorUserId, string ActorName, Guid? OrganisationId, string Action, string EntityType,
    string EntityId, string? Before, string? After, string? RemoteAddress);

/// <summary>Reading the audit trail: platform administrators see everything, organisation administrators their organisation.</summary>
public sealed class AuditQueryService(MusubiDbContext db)
{
    public async Task<Paged<AuditEntryDto>> SearchAsync(Actor actor, AuditQuery q, CancellationToken ct)
    {
        var org = q.OrganisationId ?? (actor.IsPlatformAdmin ? null : actor.OrganisationId);
        if (!AccessRules.CanReadAudit(actor, org) || (org is null && !actor.IsPlatformAdmin))
        {
            throw new ForbiddenException("only administrators may read the audit trail, and organisation administrators only their own organisation's");
        }

        var query = db.AuditEntries.AsNoTracking();
        if (org is { } id)
        {
            query = query.Where(a => a.OrganisationId == id);
        }

        if (!string.IsNullOrWhiteSpace(q.Action))
        {
            query = query.Where(a => a.Action.StartsWith(q.Action));
        }

        if (!string.IsNullOrWhiteSpace(q.EntityType))
        {
            query = query.Where(a => a.EntityType == q.EntityType);
        }

        if (!string.IsNullOrWhiteSpace(q.Actor))
        {
            query = query.Where(a => a.ActorName == q.Actor);
        }

        if (q.From?.ToUniversalTime() is { } from)
        {
            query = query.Where(a => a.At >= from);
        }

        if (q.To?.ToUniversalTime() is { } to)
        {
            query = query.Where(a => a.At < to);
        }

        if (!string.IsNullOrWhiteSpace(q.Search))
        {
            var s = q.Search.Trim();
            query = query.Where(a => a.EntityId.Contains(s) || a.Action.Contains(s) || a.ActorName.Contains(s)
                || (a.After != null && a.After.Contains(s)) || (a.Before != null && a.Before.Contains(s)));
        }

        var page = Math.Max(1, q.Page);
        var size = Math.Clamp(q.PageSize, 1, 500);
        var total = await query.CountAsync(ct);
        var items = await query.OrderByDescending(a => a.Id).Skip((page - 1) * size).Take(size)
            .Select(a => new AuditEntryDto(a.Id, a.At, a.ActorUserId, a.ActorName, a.OrganisationId, a.Action, a.EntityType, a.EntityId,
                a.Before, a.After, a.RemoteAddress))
            .ToListAsync(ct);
        return new Paged<AuditEntryDto>(items, page, size, total);
    }
}
