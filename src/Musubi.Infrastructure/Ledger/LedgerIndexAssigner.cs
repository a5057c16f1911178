using Microsoft.EntityFrameworkCore;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Ledger;

/// <summary>
/// Gives new ledger entries their leaf indices inside the transaction that saves them: one
/// <c>UPDATE ledger_state SET next_index = next_index + n … RETURNING</c>, which also locks the counter row until
/// the commit, so indices are handed out without gaps in commit order on SQLite and PostgreSQL alike. An entry and
/// the change it records are therefore acknowledged together or not at all.
/// </summary>
internal static class LedgerIndexAssigner
{
    public static int SaveChanges(MusubiDbContext db, Func<int> save)
    {
        var pending = Pending(db);
        if (pending.Count == 0)
        {
            return save();
        }

        var own = db.Database.CurrentTransaction is null ? db.Database.BeginTransaction() : null;
        try
        {
            Assign(pending, LedgerSql.Reserve(db, pending.Count, sync: true));

            var result = save();
            own?.Commit();
            return result;
        }
        catch
        {
            Reset(pending);
            throw;
        }
        finally
        {
            own?.Dispose();
        }
    }

    public static async Task<int> SaveChangesAsync(MusubiDbContext db, Func<Task<int>> save, CancellationToken ct)
    {
        var pending = Pending(db);
        if (pending.Count == 0)
        {
            return await save();
        }

        var own = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        try
        {
            Assign(pending, await LedgerSql.ReserveAsync(db, pending.Count, ct));

            var result = await save();
            if (own is not null)
            {
                await own.CommitAsync(ct);
            }

            return result;
        }
        catch
        {
            Reset(pending);
            throw;
        }
        finally
        {
            if (own is not null)
            {
                await own.DisposeAsync();
            }
        }
    }

    private static List<LedgerEntryEntity> Pending(MusubiDbContext db)
    {
        var pending = new List<LedgerEntryEntity>();
        foreach (var entry in db.ChangeTracker.Entries<LedgerEntryEntity>())
        {
            if (entry.State == EntityState.Added && entry.Entity.Index < 0)
            {
                pending.Add(entry.Entity);
            }
            else if (entry.State is EntityState.Deleted
                || (entry.State is EntityState.Modified && (entry.Property(e => e.Index).IsModified || entry.Property(e => e.LeafHash).IsModified
                    || entry.Property(e => e.Category).IsModified || entry.Property(e => e.OrganisationId).IsModified || entry.Property(e => e.At).IsModified
                    || (entry.Property(e => e.Payload).IsModified && entry.Entity.Payload is not null))))
            {
                throw new InvalidOperationException("Ledger entries are append-only: only retention may remove a payload.");
            }
        }

        foreach (var entry in db.ChangeTracker.Entries<LedgerBundleEntity>())
        {
            if (entry.State is EntityState.Deleted
                || (entry.State is EntityState.Modified && (entry.Property(e => e.FirstIndex).IsModified || entry.Property(e => e.Count).IsModified
                    || entry.Property(e => e.LeafHashes).IsModified || entry.Property(e => e.FirstAtTicks).IsModified || entry.Property(e => e.LastAtTicks).IsModified)))
            {
                throw new InvalidOperationException("Ledger bundles are append-only: only retention may rewrite their payloads.");
            }
        }

        // Audit entries in the order they were recorded (Id is still a temporary value, increasing as added).
        return pending;
    }

    private static void Assign(List<LedgerEntryEntity> pending, long next)
    {
        var first = next - pending.Count;
        for (var i = 0; i < pending.Count; i++)
        {
            pending[i].Index = first + i;
        }
    }

    private static void Reset(List<LedgerEntryEntity> pending)
    {
        foreach (var e in pending)
        {
            e.Index = -1;
        }
    }
}
