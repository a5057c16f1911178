using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Queueing;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Queueing;

/// <summary>
/// The embedded queue: messages are rows in the platform database (SQLite by default, PostgreSQL too), committed
/// before <see cref="EnqueueAsync"/> returns. A lease moves a row's visibility time forward; an acknowledgement deletes
/// it. Consumers in this process are woken at once on enqueue; others poll.
/// </summary>
public sealed class DatabaseWorkQueue(IServiceScopeFactory scopes, TimeProvider time) : IWorkQueue
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _signals = new(StringComparer.Ordinal);

    public async Task EnqueueAsync(string topic, IReadOnlyList<OutgoingMessage> messages, CancellationToken ct)
    {
        QueueTopics.Validate(topic);
        if (messages.Count == 0)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusubiDbContext>();
        var now = time.GetUtcNow().UtcTicks;
        var keys = messages.Where(m => m.DeduplicationKey is not null).Select(m => m.DeduplicationKey!).Distinct().ToList();
        var pending = keys.Count == 0
            ? []
            : (await db.QueueMessages.Where(q => q.Topic == topic && keys.Contains(q.DeduplicationKey!))
                .Select(q => q.DeduplicationKey!).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        foreach (var m in messages)
        {
            if (m.DeduplicationKey is { } key && !pending.Add(key))
            {
                continue;
            }

            db.QueueMessages.Add(new QueueMessageEntity
            {
                Topic = topic, Payload = m.Payload.ToArray(), DeduplicationKey = m.DeduplicationKey,
                EnqueuedAtTicks = now, VisibleAtTicks = now,
            });
        }

        await db.SaveChangesAsync(ct);
        Wake(topic);
    }

    private void Wake(string topic)
    {
        try
        {
            Signal(topic).Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: the waiting consumer will look anyway.
        }
    }

    public async Task<IReadOnlyList<QueueMessage>> LeaseAsync(string topic, int max, TimeSpan lease, TimeSpan wait, CancellationToken ct)
    {
        QueueTopics.Validate(topic);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var deadline = time.GetUtcNow() + wait;
        while (true)
        {
            var leased = await TryLeaseAsync(topic, max, lease, ct);
            var remaining = deadline - time.GetUtcNow();
            if (leased.Count > 0 || remaining <= TimeSpan.Zero)
            {
                return leased;
            }

            await Signal(topic).WaitAsync(remaining < PollInterval ? remaining : PollInterval, ct);
        }
    }

    private async Task<IReadOnlyList<QueueMessage>> TryLeaseAsync(string topic, int max, TimeSpan lease, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusubiDbContext>();
        var now = time.GetUtcNow().UtcTicks;
        var until = now + lease.Ticks;
        var skipLocked = db.Database.IsNpgsql() ? " FOR UPDATE SKIP LOCKED" : "";
        var sql = $$"""
            UPDATE queue_messages SET "VisibleAtTicks" = {0}, "Attempts" = "Attempts" + 1
            WHERE "Id" IN (SELECT "Id" FROM queue_messages WHERE "Topic" = {1} AND "VisibleAtTicks" <= {2}
                           ORDER BY "Id" LIMIT {3}{{skipLocked}})
            RETURNING "Id", "Payload", "Attempts"
            """;
        var rows = await db.Database.SqlQueryRaw<LeasedRow>(sql, until, topic, now, max).ToListAsync(ct);
        return rows.OrderBy(r => r.Id)
            .Select(r => new QueueMessage(r.Id.ToString(CultureInfo.InvariantCulture), topic, r.Payload, r.Attempts))
            .ToList();
    }

    public async Task AckAsync(QueueMessage message, CancellationToken ct)
    {
        var id = long.Parse(message.Id, CultureInfo.InvariantCulture);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusubiDbContext>();
        await db.QueueMessages.Where(q => q.Id == id).ExecuteDeleteAsync(ct);
    }

    public async Task<long> BacklogAsync(string topic, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusubiDbContext>();
        return await db.QueueMessages.LongCountAsync(q => q.Topic == topic, ct);
    }

    private SemaphoreSlim Signal(string topic) => _signals.GetOrAdd(topic, _ => new SemaphoreSlim(0, 1));
}
