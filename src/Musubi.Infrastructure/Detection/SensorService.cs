using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Detection;
using Musubi.Core.Identity;
using Musubi.Core.Validation;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Detection;

public sealed record SensorInput(Guid? OrganisationId, string? Name);

/// <summary>A sensor; in lists also how many of its lines were quarantined and when the last one was.</summary>
public sealed record SensorDto(Guid Id, Guid OrganisationId, string Name, string TokenPrefix, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt,
    int Quarantined = 0, DateTimeOffset? LastQuarantinedAt = null);

/// <summary>A sensor just registered, with its token: shown once, stored only as a hash.</summary>
public sealed record CreatedSensor(SensorDto Sensor, string Token);

/// <summary>Who is sending: an active sensor and its organisation.</summary>
public sealed record SensorIdentity(Guid Id, string Name, Guid OrganisationId);

/// <summary>
/// Sensors per organisation, each with its own token ("mss_" + 256 random bits, stored as SHA-256 like API tokens).
/// Registering and revoking are audited.
/// </summary>
public sealed class SensorService(MusubiDbContext db, AuditTrail audit, TimeProvider time)
{
    public const string TokenPrefix = "mss_";

    public async Task<CreatedSensor> CreateAsync(Actor actor, SensorInput input, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (input.OrganisationId is null)
        {
            errors.Add("organisationId", "required");
        }

        var name = input.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 100 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            errors.Add("name", "1 to 100 letters, digits, '-', '_' or '.'");
        }

        errors.ThrowIfAny();
        var organisationId = input.OrganisationId!.Value;
        ForbiddenException.ThrowUnless(DetectionAccessRules.CanManageSensors(actor, organisationId),
            "registering sensors needs an administrator of the organisation");
        if (!await db.Organisations.AnyAsync(o => o.Id == organisationId, ct))
        {
            throw new NotFoundException("organisation", organisationId.ToString());
        }

        if (await db.Set<SensorEntity>().AnyAsync(s => s.Name == name, ct))
        {
            throw new ConflictException($"a sensor named '{name}' exists", "name");
        }

        var token = TokenPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var entity = new SensorEntity
        {
            Id = Guid.NewGuid(),
            OrganisationId = organisationId,
            Name = name!,
            TokenPrefix = token[..12],
            TokenHash = HashToken(token),
            CreatedAt = time.GetUtcNow(),
        };
        db.Set<SensorEntity>().Add(entity);
        var dto = ToDto(entity);
        audit.Record(actor, "sensor.create", "sensor", entity.Id.ToString(), organisationId, null, dto);
        await db.SaveChangesAsync(ct);
        return new CreatedSensor(dto, token);
    }

    public async Task<IReadOnlyList<SensorDto>> ListAsync(Actor actor, Guid organisationId, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(DetectionAccessRules.CanManageSensors(actor, organisationId),
            "listing sensors needs an administrator of the organisation");
        var rows = await db.Set<SensorEntity>().AsNoTracking().Where(s => s.OrganisationId == organisationId).ToListAsync(ct);
        // One grouped query for the quarantine counts of all of them.
        var counts = await db.Set<QuarantinedEventEntity>().AsNoTracking()
            .Where(q => q.OrganisationId == organisationId && q.SensorId != null)
            .GroupBy(q => q.SensorId!.Value)
            .Select(g => new { SensorId = g.Key, Count = g.Count(), Last = g.Max(q => q.At) })
            .ToDictionaryAsync(g => g.SensorId, ct);
        return [.. rows.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => counts.TryGetValue(s.Id, out var c)
            ? ToDto(s) with { Quarantined = c.Count, LastQuarantinedAt = c.Last }
            : ToDto(s))];
    }

    public async Task RevokeAsync(Actor actor, Guid sensorId, CancellationToken ct)
    {
        var sensor = await db.Set<SensorEntity>().FirstOrDefaultAsync(s => s.Id == sensorId, ct) ?? throw new NotFoundException("sensor", sensorId.ToString());
        ForbiddenException.ThrowUnless(DetectionAccessRules.CanManageSensors(actor, sensor.OrganisationId),
            "revoking sensors needs an administrator of the organisation");
        if (sensor.RevokedAt is null)
        {
            var before = ToDto(sensor);
            sensor.RevokedAt = time.GetUtcNow();
            audit.Record(actor, "sensor.revoke", "sensor", sensor.Id.ToString(), sensor.OrganisationId, before, ToDto(sensor));
            await db.SaveChangesAsync(ct);
        }
    }

    /// <summary>The sensor a presented token belongs to; null when unknown or revoked.</summary>
    public async Task<SensorIdentity?> AuthenticateAsync(string? presented, CancellationToken ct)
    {
        if (presented is null || !presented.StartsWith(TokenPrefix, StringComparison.Ordinal) || presented.Length > 128)
        {
            return null;
        }

        var hash = HashToken(presented);
        var sensor = await db.Set<SensorEntity>().AsNoTracking().FirstOrDefaultAsync(s => s.TokenHash == hash, ct);
        return sensor is null || sensor.RevokedAt is not null ? null : new SensorIdentity(sensor.Id, sensor.Name, sensor.OrganisationId);
    }

    /// <summary>An active sensor by name (for listeners configured with a sensor name).</summary>
    public async Task<SensorIdentity?> FindByNameAsync(string name, CancellationToken ct)
    {
        var sensor = await db.Set<SensorEntity>().AsNoTracking().FirstOrDefaultAsync(s => s.Name == name, ct);
        return sensor is null || sensor.RevokedAt is not null ? null : new SensorIdentity(sensor.Id, sensor.Name, sensor.OrganisationId);
    }

    internal static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static SensorDto ToDto(SensorEntity s) => new(s.Id, s.OrganisationId, s.Name, s.TokenPrefix, s.CreatedAt, s.RevokedAt);
}
