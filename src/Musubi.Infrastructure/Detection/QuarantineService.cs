using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Constituency;
using Musubi.Core.Detection;
using Musubi.Core.Identity;
using Musubi.Core.Validation;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Detection;

/// <summary>One quarantined (malformed) line as people see it; <see cref="Raw"/> is already truncated to 4,096 characters.</summary>
public sealed record QuarantinedEventDto(long Id, DateTimeOffset At, string Source, Guid? SensorId, string? SensorName, Guid? OrganisationId,
    string Reason, string Raw, int RawBytes);

/// <summary>Filters of the quarantine list; <see cref="Before"/> is the keyset (rows with a smaller id).</summary>
public sealed record QuarantineQuery(Guid? OrganisationId = null, Guid? SensorId = null, long? Before = null, int? Limit = null);

/// <summary>A page of the quarantine, newest first; <see cref="NextBefore"/> asks for the older rows (null on the last page).</summary>
public sealed record QuarantinePage(IReadOnlyList<QuarantinedEventDto> Items, long? NextBefore);

/// <summary>A sensor whose quarantine the actor may read (for filters and the chart), with its count of quarantined lines.</summary>
public sealed record QuarantineSensor(Guid Id, string Name, Guid OrganisationId, int Quarantined);

/// <summary>
/// Reading <c>quarantined_events</c> (<see cref="DetectionAccessRules.CanReadQuarantine"/>): an organisation's sensor
/// administrators see their organisation's lines, platform admins and the national SOC all lines, including those with
/// no sensor. Reading changes nothing, so nothing is audited.
/// </summary>
public sealed class QuarantineService(MusubiDbContext db)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public async Task<QuarantinePage> ListAsync(Actor actor, QuarantineQuery query, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (query.Limit is < 1 or > MaxLimit)
        {
            errors.Add("limit", $"must be between 1 and {MaxLimit}");
        }

        if (query.Before is < 1)
        {
            errors.Add("before", "must be a quarantine id (1 or more)");
        }

        errors.ThrowIfAny();
        var limit = query.Limit ?? DefaultLimit;
        var soc = await InNationalCentreAsync(actor, ct);
        var everything = DetectionAccessRules.CanReadQuarantine(actor, null, soc);
        var q = db.Set<QuarantinedEventEntity>().AsNoTracking();
        if (query.SensorId is { } sensorId)
        {
            var sensor = await db.Set<SensorEntity>().AsNoTracking().FirstOrDefaultAsync(s => s.Id == sensorId, ct);
            if (sensor is null || !DetectionAccessRules.CanReadQuarantine(actor, sensor.OrganisationId, soc))
            {
                // Outsiders learn nothing, not even that the sensor exists.
                throw new NotFoundException("sensor", sensorId.ToString());
            }

            q = q.Where(e => e.SensorId == sensorId);
        }

        if (query.OrganisationId is { } org)
        {
            ForbiddenException.ThrowUnless(DetectionAccessRules.CanReadQuarantine(actor, org, soc),
                "reading this organisation's quarantine needs an administrator of the organisation");
            q = q.Where(e => e.OrganisationId == org);
        }
        else if (!everything)
        {
            ForbiddenException.ThrowUnless(DetectionAccessRules.CanReadQuarantine(actor, actor.OrganisationId, soc),
                "reading the quarantine needs an administrator of the organisation, a platform administrator or the national SOC");
            var own = actor.OrganisationId;
            q = q.Where(e => e.OrganisationId == own);
        }

        if (query.Before is { } before)
        {
            q = q.Where(e => e.Id < before);
        }

        var rows = await q.OrderByDescending(e => e.Id).Take(limit).ToListAsync(ct);
        var sensorIds = rows.Where(r => r.SensorId is not null).Select(r => r.SensorId!.Value).Distinct().ToList();
        var names = sensorIds.Count == 0
            ? []
            : await db.Set<SensorEntity>().AsNoTracking().Where(s => sensorIds.Contains(s.Id)).ToDictionaryAsync(s => s.Id, s => s.Name, ct);
        var items = rows.Select(r => new QuarantinedEventDto(r.Id, r.At, r.Source, r.SensorId,
            r.SensorId is { } s ? names.GetValueOrDefault(s) : null, r.OrganisationId, r.Reason, r.Raw, r.RawBytes)).ToList();
        return new QuarantinePage(items, items.Count == limit ? items[^1].Id : null);
    }

    /// <summary>The sensors whose quarantine <paramref name="actor"/> may read, by name (empty when none).</summary>
    public async Task<IReadOnlyList<QuarantineSensor>> SensorsAsync(Actor actor, CancellationToken ct)
    {
        var soc = await InNationalCentreAsync(actor, ct);
        var q = db.Set<SensorEntity>().AsNoTracking();
        if (!DetectionAccessRules.CanReadQuarantine(actor, null, soc))
        {
            if (!DetectionAccessRules.CanReadQuarantine(actor, actor.OrganisationId, soc))
            {
                return [];
            }

            var own = actor.OrganisationId;
            q = q.Where(s => s.OrganisationId == own);
        }

        var rows = await q.Select(s => new { s.Id, s.Name, s.OrganisationId }).ToListAsync(ct);
        var ids = rows.Select(r => r.Id).ToList();
        // One grouped query for the counts.
        var counts = ids.Count == 0
            ? []
            : await db.Set<QuarantinedEventEntity>().AsNoTracking().Where(e => e.SensorId != null && ids.Contains(e.SensorId.Value))
                .GroupBy(e => e.SensorId!.Value).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        return [.. rows.Select(r => new QuarantineSensor(r.Id, r.Name, r.OrganisationId, counts.GetValueOrDefault(r.Id))).OrderBy(s => s.Name, StringComparer.Ordinal)];
    }

    /// <summary>Whether <paramref name="actor"/> may read any quarantine at all.</summary>
    public async Task<bool> MayReadAsync(Actor actor, CancellationToken ct)
    {
        var soc = await InNationalCentreAsync(actor, ct);
        return DetectionAccessRules.CanReadQuarantine(actor, null, soc) || DetectionAccessRules.CanReadQuarantine(actor, actor.OrganisationId, soc);
    }

    private async Task<bool> InNationalCentreAsync(Actor actor, CancellationToken ct) =>
        await db.Organisations.AsNoTracking().AnyAsync(o => o.Id == actor.OrganisationId && o.Kind == OrganisationKind.NationalCentre, ct);
}
