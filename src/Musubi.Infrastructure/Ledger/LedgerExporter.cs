using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;
using Musubi.Ledger.Bundles;

namespace Musubi.Infrastructure.Ledger;

/// <summary>
/// What to export. Indices are inclusive (<c>FromIndex</c> to <c>ToIndex</c>); times select the entries recorded at or
/// after <c>From</c> and before <c>To</c>. Without an organisation or category the bundle is a <em>range</em> bundle
/// (every entry in the range, so a missing one is caught); with one it is <em>sparse</em> (the matching entries,
/// each with its inclusion proof).
/// </summary>
public sealed record LedgerExportRequest(
    long? FromIndex = null, long? ToIndex = null, DateTimeOffset? From = null, DateTimeOffset? To = null, Guid? OrganisationId = null,
    string? Category = null, string? Description = null);

public sealed record LedgerExportProgress(long Done, long Total);

public sealed record LedgerExportResult(string Mode, long TreeSize, long Entries, long? First, long? Last, long PayloadsRemoved, string Checkpoint);

/// <summary>Writes the self-contained bundle that <c>musubi ledger verify</c> checks offline (docs/LEDGER-FORMAT.md §5).</summary>
public sealed class LedgerExporter(MusubiDbContext db, LedgerTree tree, LedgerCheckpoints checkpoints, AuditTrail audit, TimeProvider time)
{
    /// <summary>Entries in a sparse bundle (each carries its own proof).</summary>
    public const int MaxSparseEntries = 1_000_000;

    /// <summary>Older checkpoints carried in a bundle, to narrow down where a rewritten entry is.</summary>
    public const int HistoryCheckpoints = 16;

    private const int Batch = 4096;

    public async Task<LedgerExportResult> ExportAsync(Actor actor, LedgerExportRequest request, Stream output, IProgress<LedgerExportProgress>? progress, CancellationToken ct)
    {
        var organisation = request.OrganisationId ?? (actor.IsPlatformAdmin ? null : actor.OrganisationId);
        ForbiddenException.ThrowUnless(AccessRules.CanReadLedgerEntries(actor, organisation),
            "only platform administrators export the whole ledger; organisation administrators export their own organisation's entries (ledger:read)");
        Validate(request);

        var (checkpoint, _) = await checkpoints.CreateAsync(ct);
        var size = checkpoint.TreeSize;
        var hashes = await tree.OpenAsync(ct);
        var verifier = await checkpoints.VerifierAsync(ct);
        var history = await db.LedgerCheckpoints.AsNoTracking().Where(c => c.TreeSize > 0 && c.TreeSize < size).OrderByDescending(c => c.TreeSize)
            .Take(HistoryCheckpoints).OrderBy(c => c.TreeSize).Select(c => c.Note).ToListAsync(ct);
        var options = new BundleWriteOptions { History = history, Description = request.Description, CreatedAt = time.GetUtcNow() };

        var (first, last) = await RangeAsync(request, size, ct);
        if (organisation is null && request.Category is null)
        {
            var count = first > last ? 0 : last - first + 1;
            long removed = 0, done = 0;
            progress?.Report(new LedgerExportProgress(0, count));
            IEnumerable<BundleEntry> Entries()
            {
                for (var start = first; start <= last; start += Batch)
                {
                    var end = Math.Min(last, start + Batch - 1);
                    var rows = LedgerStore.Range(db, start, end + 1);
                    foreach (var r in rows)
                    {
                        removed += r.Payload is null ? 1 : 0;
                        yield return Entry(r.Index, r.Payload, r.PayloadRemovedReason);
                    }

                    done += rows.Count;
                    progress?.Report(new LedgerExportProgress(done, count));
                }
            }

            LedgerBundle.WriteRange(output, hashes, checkpoint.Note, verifier, (ulong)Math.Min(first, size), (ulong)count, Entries(), options);
            return await AuditedAsync(actor, request, organisation, new LedgerExportResult("range", size, count, count > 0 ? first : null, count > 0 ? last : null, removed, checkpoint.Note), ct);
        }

        // Filtered: read the range in batches (bundles are decoded) and keep the organisation's or category's entries.
        var entries = new List<BundleEntry>();
        var removedSparse = 0L;
        var scan = first > last ? 0 : last - first + 1;
        progress?.Report(new LedgerExportProgress(0, scan));
        for (var start = first; start <= last; start += Batch * 16)
        {
            var end = Math.Min(last, start + (Batch * 16) - 1);
            foreach (var r in await LedgerStore.RangeAsync(db, start, end + 1, ct))
            {
                if ((organisation is { } org && r.OrganisationId != org) || (request.Category is { } category && r.Category != category))
                {
                    continue;
                }

                if (entries.Count >= MaxSparseEntries)
                {
                    throw new ValidationFailedException("toIndex", $"more than {MaxSparseEntries} entries match; a filtered export holds at most {MaxSparseEntries}: narrow the range");
                }

                removedSparse += r.Payload is null ? 1 : 0;
                entries.Add(Entry(r.Index, r.Payload, r.PayloadRemovedReason));
            }

            progress?.Report(new LedgerExportProgress(end - first + 1, scan));
        }

        LedgerBundle.WriteSparse(output, hashes, checkpoint.Note, verifier, entries, options);
        progress?.Report(new LedgerExportProgress(scan, scan));
        return await AuditedAsync(actor, request, organisation, new LedgerExportResult("sparse", size, entries.Count, entries.Count > 0 ? (long)entries[0].Index : null,
            entries.Count > 0 ? (long)entries[^1].Index : null, removedSparse, checkpoint.Note), ct);
    }

    /// <summary>Who exported what is itself a ledger entry (after the bundle's checkpoint, so the next export holds it).</summary>
    private async Task<LedgerExportResult> AuditedAsync(Actor actor, LedgerExportRequest request, Guid? organisation, LedgerExportResult result, CancellationToken ct)
    {
        audit.Record(actor, "ledger.export", "ledger", result.TreeSize.ToString(System.Globalization.CultureInfo.InvariantCulture), organisation, null,
            new { request.FromIndex, request.ToIndex, request.From, request.To, organisation, request.Category, request.Description, result.Mode, result.Entries, result.First, result.Last });
        await db.SaveChangesAsync(ct);
        return result;
    }

    // A null byte[] would convert to an empty payload, not to "removed".
    private static BundleEntry Entry(long index, byte[]? payload, string? reason) =>
        payload is null ? new BundleEntry((ulong)index, null, reason ?? "removed") : new BundleEntry((ulong)index, payload, null);

    private static void Validate(LedgerExportRequest r)
    {
        var errors = new Dictionary<string, string[]>();
        if ((r.FromIndex is not null || r.ToIndex is not null) && (r.From is not null || r.To is not null))
        {
            errors["from"] = ["choose indices or times, not both"];
        }

        if (r.FromIndex < 0)
        {
            errors["fromIndex"] = ["must be 0 or more"];
        }

        if (r.ToIndex < r.FromIndex)
        {
            errors["toIndex"] = ["must not be below fromIndex"];
        }

        if (r.From >= r.To)
        {
            errors["to"] = ["must be after from"];
        }

        if (r.Category is not null && !LedgerCategories.IsKnown(r.Category))
        {
            errors["category"] = [$"must be one of {string.Join(", ", LedgerCategories.All)}"];
        }

        if (r.Description?.Length > 1000)
        {
            errors["description"] = ["must be at most 1000 characters"];
        }

        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }
    }

    /// <summary>The first and last index to export (last &lt; first when nothing matches).</summary>
    private async Task<(long First, long Last)> RangeAsync(LedgerExportRequest r, long size, CancellationToken ct)
    {
        if (r.From is not null || r.To is not null)
        {
            var (lo, hi) = await LedgerStore.TimeBoundsAsync(db, size, r.From?.ToUniversalTime(), r.To?.ToUniversalTime(), ct);
            return lo is null ? (0, -1) : (lo.Value, hi!.Value);
        }

        var first = r.FromIndex ?? 0;
        var last = Math.Min(r.ToIndex ?? size - 1, size - 1);
        if (first >= size && size > 0 && r.FromIndex is not null)
        {
            throw new ValidationFailedException("fromIndex", $"the ledger has {size} entries (0 to {size - 1})");
        }

        return (first, last);
    }
}
