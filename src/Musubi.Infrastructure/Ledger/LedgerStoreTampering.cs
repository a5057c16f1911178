using Microsoft.EntityFrameworkCore;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Ledger;

/// <summary>
/// Changes stored ledger bytes directly, as anyone with write access to the database could, whether the entry is a row
/// of <c>ledger_entries</c> or inside an entry bundle. The platform never calls this: it is how the tests tamper with
/// the stored ledger (and age entries for retention) without knowing which table an entry is in.
/// </summary>
public static class LedgerStoreTampering
{
    /// <summary>Rewrites the stored form of entry <paramref name="index"/> after <paramref name="change"/> (any field, the leaf hash included).</summary>
    public static async Task OverwriteAsync(MusubiDbContext db, long index, Action<LedgerEntryEntity> change, CancellationToken ct)
    {
        var row = await db.LedgerEntries.AsNoTracking().SingleOrDefaultAsync(e => e.Index == index, ct);
        if (row is not null)
        {
            change(row);
            await db.LedgerEntries.Where(e => e.Index == index).ExecuteUpdateAsync(s => s
                .SetProperty(e => e.Payload, row.Payload).SetProperty(e => e.LeafHash, row.LeafHash).SetProperty(e => e.At, row.At)
                .SetProperty(e => e.Category, row.Category).SetProperty(e => e.OrganisationId, row.OrganisationId)
                .SetProperty(e => e.PayloadRemovedAt, row.PayloadRemovedAt).SetProperty(e => e.PayloadRemovedReason, row.PayloadRemovedReason), ct);
            return;
        }

        var bundle = await BundleOfAsync(db, index, ct);
        var entries = LedgerBundleCodec.Decode(bundle);
        change(entries[(int)(index - bundle.FirstIndex)]);
        var rewritten = LedgerBundleCodec.Encode(bundle.FirstIndex, entries, 0, entries.Count);
        await db.LedgerBundles.Where(b => b.FirstIndex == bundle.FirstIndex).ExecuteUpdateAsync(s => s
            .SetProperty(b => b.Entries, rewritten.Entries).SetProperty(b => b.LeafHashes, rewritten.LeafHashes)
            .SetProperty(b => b.FirstAtTicks, rewritten.FirstAtTicks).SetProperty(b => b.LastAtTicks, rewritten.LastAtTicks)
            .SetProperty(b => b.PayloadsKept, rewritten.PayloadsKept), ct);
    }

    /// <summary>Deletes entry <paramref name="index"/> from storage (a bundle holding it is split around the gap).</summary>
    public static async Task DeleteAsync(MusubiDbContext db, long index, CancellationToken ct)
    {
        if (await db.LedgerEntries.Where(e => e.Index == index).ExecuteDeleteAsync(ct) > 0)
        {
            return;
        }

        var bundle = await BundleOfAsync(db, index, ct);
        var entries = LedgerBundleCodec.Decode(bundle);
        var at = (int)(index - bundle.FirstIndex);
        await db.LedgerBundles.Where(b => b.FirstIndex == bundle.FirstIndex).ExecuteDeleteAsync(ct);
        if (at > 0)
        {
            db.LedgerBundles.Add(LedgerBundleCodec.Encode(bundle.FirstIndex, entries, 0, at));
        }

        if (at + 1 < entries.Count)
        {
            db.LedgerBundles.Add(LedgerBundleCodec.Encode(index + 1, entries, at + 1, entries.Count - at - 1));
        }

        await db.SaveChangesAsync(ct);
    }

    private static async Task<LedgerBundleEntity> BundleOfAsync(MusubiDbContext db, long index, CancellationToken ct) =>
        await db.LedgerBundles.AsNoTracking().Where(b => b.FirstIndex <= index).OrderByDescending(b => b.FirstIndex).FirstOrDefaultAsync(ct) is { } b
            && index < b.FirstIndex + b.Count
            ? b
            : throw new InvalidOperationException($"Ledger entry {index} is not stored.");
}
