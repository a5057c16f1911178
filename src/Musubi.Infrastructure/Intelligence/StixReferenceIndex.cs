using Microsoft.EntityFrameworkCore;
using Musubi.Infrastructure.Data;
using Musubi.Stix.Model;

namespace Musubi.Infrastructure.Intelligence;

/// <summary>Progress of a reindex: objects read so far of the total, objects given missing rows, rows added.</summary>
public sealed record StixReindexProgress(long Read, long Total, long ObjectsFixed, long TermsAdded);

/// <summary>
/// Backfills the reference index (<see cref="StixTermKind.Reference"/> rows, which the object page's graph, sightings and
/// "referred to by" read): objects stored before that index existed have none. Reads every stored version in id order,
/// in batches, computes its reference rows as an import does (<see cref="StixRows.ReferenceTerms"/>) and adds those
/// missing, one transaction per batch. Idempotent: a second run adds nothing. `musubi stix reindex` runs it.
/// </summary>
public sealed class StixReferenceIndex(MusubiDbContext db)
{
    public const int BatchSize = 500;

    public async Task<StixReindexProgress> ReindexAsync(IProgress<StixReindexProgress>? progress, CancellationToken ct)
    {
        var total = await db.StixObjects.LongCountAsync(ct);
        long read = 0, objectsFixed = 0, added = 0, after = 0;
        while (true)
        {
            db.ChangeTracker.Clear();
            var rows = await db.StixObjects.AsNoTracking().Where(x => x.Id > after).OrderBy(x => x.Id).Take(BatchSize)
                .Select(x => new { x.Id, x.Raw }).ToListAsync(ct);
            if (rows.Count == 0)
            {
                break;
            }

            var ids = rows.Select(r => r.Id).ToList();
            var existing = (await db.StixTerms.AsNoTracking().Where(t => ids.Contains(t.ObjectId) && t.Kind == StixTermKind.Reference)
                    .Select(t => new { t.ObjectId, t.Value, t.Path }).ToListAsync(ct))
                .Select(t => (t.ObjectId, t.Value, t.Path)).ToHashSet();
            foreach (var row in rows)
            {
                StixObject parsed;
                try
                {
                    parsed = StixObject.Parse(row.Raw);
                }
                catch (Exception e) when (e is System.Text.Json.JsonException or ArgumentException or InvalidOperationException)
                {
                    continue; // stored objects were valid when stored; nothing to index in one that no longer parses
                }

                var missing = StixRows.ReferenceTerms(parsed).Where(t => !existing.Contains((row.Id, t.Value, t.Path))).ToList();
                foreach (var term in missing)
                {
                    term.ObjectId = row.Id;
                    db.StixTerms.Add(term);
                }

                if (missing.Count > 0)
                {
                    objectsFixed++;
                    added += missing.Count;
                }
            }

            await db.SaveChangesAsync(ct);
            read += rows.Count;
            after = rows[^1].Id;
            progress?.Report(new StixReindexProgress(read, Math.Max(total, read), objectsFixed, added));
        }

        db.ChangeTracker.Clear();
        return new StixReindexProgress(read, Math.Max(total, read), objectsFixed, added);
    }
}
