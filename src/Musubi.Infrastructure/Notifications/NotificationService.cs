using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Notifications;

public sealed record NotificationDto(Guid Id, string Kind, Guid? IncidentId, string Text, DateTimeOffset CreatedAt, DateTimeOffset? ReadAt, bool IsExercise);

/// <summary>
/// In-app notifications (and e-mail when an SMTP server is configured): one row per user of each recipient
/// organisation, added to the caller's unit of work so a notification commits with the change that caused it.
/// </summary>
public sealed class NotificationService(MusubiDbContext db, TimeProvider time, SmtpOptions smtp)
{
    public const int MaxListed = 200;

    /// <summary>
    /// Queues a notification for every signed-in user (not service accounts, not disabled) of <paramref name="organisations"/>.
    /// With a <paramref name="dedupeKey"/>, users who already have that key are skipped. Does not save.
    /// </summary>
    public async Task QueueAsync(IEnumerable<Guid> organisations, string kind, Guid? incidentId, string text, bool isExercise,
        string? dedupeKey, CancellationToken ct)
    {
        var orgs = organisations.Distinct().ToList();
        var users = await db.Users.AsNoTracking()
            .Where(u => orgs.Contains(u.OrganisationId) && u.Role != Role.Service && !u.Disabled)
            .Select(u => new { u.Id, u.Email }).ToListAsync(ct);
        var already = dedupeKey is null
            ? []
            : await db.Set<NotificationEntity>().AsNoTracking().Where(n => n.DedupeKey == dedupeKey).Select(n => n.UserId).ToListAsync(ct);
        var pending = db.ChangeTracker.Entries<NotificationEntity>().Where(e => e.State == EntityState.Added && dedupeKey != null && e.Entity.DedupeKey == dedupeKey)
            .Select(e => e.Entity.UserId).ToHashSet();
        var now = time.GetUtcNow();
        foreach (var user in users.Where(u => !already.Contains(u.Id) && !pending.Contains(u.Id)))
        {
            db.Set<NotificationEntity>().Add(new NotificationEntity
            {
                Id = Guid.NewGuid(), UserId = user.Id, Kind = kind, IncidentId = incidentId,
                Text = (isExercise ? "[EXERCISE] " : "") + (text.Length > 1900 ? text[..1900] : text), CreatedAt = now,
                Email = smtp.IsConfigured && !string.IsNullOrWhiteSpace(user.Email) ? EmailState.Pending : EmailState.None,
                DedupeKey = dedupeKey, IsExercise = isExercise,
            });
        }
    }

    public async Task<IReadOnlyList<NotificationDto>> ListAsync(Actor actor, bool unreadOnly, CancellationToken ct)
    {
        RequireUser(actor);
        var query = db.Set<NotificationEntity>().AsNoTracking().Where(n => n.UserId == actor.UserId);
        if (unreadOnly)
        {
            query = query.Where(n => n.ReadAt == null);
        }

        var rows = await query.ToListAsync(ct);
        return rows.OrderByDescending(n => n.CreatedAt).Take(MaxListed)
            .Select(n => new NotificationDto(n.Id, n.Kind, n.IncidentId, n.Text, n.CreatedAt, n.ReadAt, n.IsExercise)).ToList();
    }

    public Task<int> UnreadCountAsync(Actor actor, CancellationToken ct) =>
        db.Set<NotificationEntity>().CountAsync(n => n.UserId == actor.UserId && n.ReadAt == null, ct);

    /// <summary>Marks one notification (or, with null, all) of the actor as read. Someone else's notification is a 404.</summary>
    public async Task MarkReadAsync(Actor actor, Guid? id, CancellationToken ct)
    {
        RequireUser(actor);
        var query = db.Set<NotificationEntity>().Where(n => n.UserId == actor.UserId && n.ReadAt == null);
        if (id is { } one)
        {
            query = query.Where(n => n.Id == one);
            if (!await db.Set<NotificationEntity>().AnyAsync(n => n.Id == one && n.UserId == actor.UserId, ct))
            {
                throw new NotFoundException("notification", one.ToString());
            }
        }

        var now = time.GetUtcNow();
        foreach (var n in await query.ToListAsync(ct))
        {
            n.ReadAt = now;
        }

        await db.SaveChangesAsync(ct);
    }

    private static void RequireUser(Actor actor) =>
        ForbiddenException.ThrowUnless(actor.UserId != Guid.Empty, "notifications belong to users");
}
