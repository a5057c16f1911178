using Microsoft.EntityFrameworkCore;
using Musubi.Infrastructure.Data;
using Musubi.Ledger;

namespace Musubi.Infrastructure.Ledger;

/// <summary>
/// Where the ledger's entries are: one row each in <c>ledger_entries</c> for those staged with a change
/// (<see cref="ILedger.Stage"/>: audit entries, incident timeline, notifications; and every entry written before
/// bundles), and in <c>ledger_bundles</c> for those appended in bulk (<see cref="ILedger.AppendAsync"/>). Every
/// reader goes through here, so both look the same: entries by index range, by index, by leaf hash, by time.
/// </summary>
public static class LedgerStore
{
    /// <summary>The entries with index in [<paramref name="start"/>, <paramref name="end"/>), in index order (detached). A malformed bundle throws, unless <paramref name="malformed"/> takes it (its entries are then left out).</summary>
    public static async Task<List<LedgerEntryEntity>> RangeAsync(MusubiDbContext db, long start, long end, CancellationToken ct, Action<LedgerBundleEntity, InvalidDataException>? malformed = null)
    {
        var rows = await db.LedgerEntries.AsNoTracking().Where(e => e.Index >= start && e.Index < end).OrderBy(e => e.Index).ToListAsync(ct);
        var lowest = BundleFloor(start);
        var bundles = await db.LedgerBundles.AsNoTracking().Where(b => b.FirstIndex >= lowest && b.FirstIndex < end).OrderBy(b => b.FirstIndex).ToListAsync(ct);
        return Merge(rows, bundles, start, end, malformed);
    }

    /// <summary>As <see cref="RangeAsync"/>, synchronously (for the exporter's streaming enumerator).</summary>
    public static List<LedgerEntryEntity> Range(MusubiDbContext db, long start, long end)
    {
        var rows = db.LedgerEntries.AsNoTracking().Where(e => e.Index >= start && e.Index < end).OrderBy(e => e.Index).ToList();
        var lowest = BundleFloor(start);
        var bundles = db.LedgerBundles.AsNoTracking().Where(b => b.FirstIndex >= lowest && b.FirstIndex < end).OrderBy(b => b.FirstIndex).ToList();
        return Merge(rows, bundles, start, end, null);
    }

    /// <summary>The leaf hashes of [<paramref name="start"/>, <paramref name="end"/>) by index, without decoding payloads.</summary>
    public static async Task<List<(long Index, byte[] LeafHash)>> LeafHashesAsync(MusubiDbContext db, long start, long end, CancellationToken ct)
    {
        var rows = await db.LedgerEntries.AsNoTracking().Where(e => e.Index >= start && e.Index < end).Select(e => new { e.Index, e.LeafHash }).ToListAsync(ct);
        var lowest = BundleFloor(start);
        var bundles = await db.LedgerBundles.AsNoTracking().Where(b => b.FirstIndex >= lowest && b.FirstIndex < end)
            .Select(b => new { b.FirstIndex, b.Count, b.LeafHashes }).ToListAsync(ct);
        var list = new List<(long, byte[])>(rows.Count + bundles.Sum(b => b.Count));
        list.AddRange(rows.Select(r => (r.Index, r.LeafHash)));
        foreach (var b in bundles)
        {
            for (var i = 0; i < b.Count && (i + 1) * MerkleHash.Size <= b.LeafHashes.Length; i++)
            {
                var index = b.FirstIndex + i;
                if (index >= start && index < end)
                {
                    list.Add((index, b.LeafHashes.AsSpan(i * MerkleHash.Size, MerkleHash.Size).ToArray()));
                }
            }
        }

        list.Sort((x, y) => x.Item1.CompareTo(y.Item1));
        return list;
    }

    /// <summary>One entry (detached), or null.</summary>
    public static async Task<LedgerEntryEntity?> AtAsync(MusubiDbContext db, long index, CancellationToken ct) =>
        (await RangeAsync(db, index, index + 1, ct)).SingleOrDefault();

    /// <summary>Indices and organisations of the entries with this leaf hash, oldest first, at most <paramref name="take"/>: a scan (there is no index on leaf hashes).</summary>
    public static async Task<List<(long Index, Guid? OrganisationId)>> FindLeafAsync(MusubiDbContext db, byte[] leafHash, int take, CancellationToken ct)
    {
        var found = (await db.LedgerEntries.AsNoTracking().Where(e => e.LeafHash == leafHash).OrderBy(e => e.Index)
            .Select(e => new { e.Index, e.OrganisationId }).Take(take).ToListAsync(ct)).Select(r => (r.Index, r.OrganisationId)).ToList();
        long after = -1;
        while (true)
        {
            var batch = await db.LedgerBundles.AsNoTracking().Where(b => b.FirstIndex > after).OrderBy(b => b.FirstIndex)
                .Select(b => new { b.FirstIndex, b.Count, b.LeafHashes }).Take(256).ToListAsync(ct);
            if (batch.Count == 0)
            {
                break;
            }

            foreach (var b in batch)
            {
                for (var i = 0; (i + 1) * MerkleHash.Size <= b.LeafHashes.Length; i++)
                {
                    if (b.LeafHashes.AsSpan(i * MerkleHash.Size, MerkleHash.Size).SequenceEqual(leafHash))
                    {
                        var entry = await AtAsync(db, b.FirstIndex + i, ct);
                        found.Add((b.FirstIndex + i, entry?.OrganisationId));
                    }
                }
            }

            after = batch[^1].FirstIndex;
        }

        return [.. found.OrderBy(f => f.Index).Take(take)];
    }

    /// <summary>The first and last index below <paramref name="size"/> of the entries with <paramref name="from"/> ≤ time &lt; <paramref name="to"/>.</summary>
    public static async Task<(long? First, long? Last)> TimeBoundsAsync(MusubiDbContext db, long size, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        var q = db.LedgerEntries.AsNoTracking().Where(e => e.Index < size);
        if (from is { } f)
        {
            q = q.Where(e => e.At >= f);
        }

        if (to is { } t)
        {
            q = q.Where(e => e.At < t);
        }

        var lo = await q.OrderBy(e => e.Index).Select(e => (long?)e.Index).FirstOrDefaultAsync(ct);
        var hi = await q.OrderByDescending(e => e.Index).Select(e => (long?)e.Index).FirstOrDefaultAsync(ct);

        var fromTicks = from?.UtcTicks ?? long.MinValue;
        var toTicks = to?.UtcTicks ?? long.MaxValue;
        bool InRange(LedgerEntryEntity e) => e.Index < size && e.At.UtcTicks >= fromTicks && e.At.UtcTicks < toTicks;
        var candidates = db.LedgerBundles.AsNoTracking().Where(b => b.FirstIndex < size && b.LastAtTicks >= fromTicks && b.FirstAtTicks < toTicks);
        var firstBundle = await candidates.OrderBy(b => b.FirstIndex).FirstOrDefaultAsync(ct);
        if (firstBundle is not null && LedgerBundleCodec.Decode(firstBundle).FirstOrDefault(InRange) is { } a && (lo is null || a.Index < lo))
        {
            lo = a.Index;
        }

        var lastBundle = await candidates.OrderByDescending(b => b.FirstIndex).FirstOrDefaultAsync(ct);
        if (lastBundle is not null && LedgerBundleCodec.Decode(lastBundle).LastOrDefault(InRange) is { } z && (hi is null || z.Index > hi))
        {
            hi = z.Index;
        }

        return (lo, hi);
    }

    private static long BundleFloor(long start) => start - (((start % LedgerBundleCodec.MaxEntries) + LedgerBundleCodec.MaxEntries) % LedgerBundleCodec.MaxEntries);

    private static List<LedgerEntryEntity> Merge(List<LedgerEntryEntity> rows, List<LedgerBundleEntity> bundles, long start, long end, Action<LedgerBundleEntity, InvalidDataException>? malformed)
    {
        if (bundles.Count == 0)
        {
            return rows;
        }

        foreach (var b in bundles)
        {
            List<LedgerEntryEntity> decoded;
            try
            {
                decoded = LedgerBundleCodec.Decode(b);
            }
            catch (InvalidDataException e) when (malformed is not null)
            {
                malformed(b, e);
                continue;
            }

            rows.AddRange(decoded.Where(e => e.Index >= start && e.Index < end));
        }

        rows.Sort((x, y) => x.Index.CompareTo(y.Index));
        return rows;
    }
}
