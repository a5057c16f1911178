using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Constituency.Exchange;

/// <summary>
/// Bulk import of organisations, their networks and contacts, sectors and communities, from the JSON or CSV exchange
/// format (docs/CONSTITUENCY-FORMATS.md). All or nothing: every record is checked first and every problem reported
/// with where it is; only if there is none is everything written, in one transaction, with audit entries.
/// Organisations are matched by exact name: existing ones get the details in the input, and networks, contacts and
/// community memberships are added (never removed).
/// </summary>
public sealed class ConstituencyImporter(
    MusubiDbContext db, AuditTrail audit, TimeProvider time, ExchangeLimits limits, OwnershipDirectory? ownership = null)
{
    private const int AuditedValuesPerOrganisation = 1000;

    public Task<ImportResult> ImportAsync(
        Actor actor, IReadOnlyList<string> paths, bool dryRun, IProgress<ExchangeProgress>? progress, CancellationToken ct)
    {
        RequireAllowed(actor);
        var batch = new ImportBatch(limits);
        var inputs = ImportInput.FromPaths(paths, batch, limits);
        return RunAsync(actor, batch, inputs, dryRun, progress, ct);
    }

    /// <summary>Imports a document built in code (the demo data), through the same checks.</summary>
    public Task<ImportResult> ImportAsync(
        Actor actor, ConstituencyDocument document, string sourceName, bool dryRun, IProgress<ExchangeProgress>? progress, CancellationToken ct)
    {
        RequireAllowed(actor);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(document, MusubiJson.Options);
        var input = new ImportInput(sourceName, bytes.Length, () => new MemoryStream(bytes, writable: false), null);
        return RunAsync(actor, new ImportBatch(limits), [input], dryRun, progress, ct);
    }

    private async Task<ImportResult> RunAsync(
        Actor actor, ImportBatch batch, List<ImportInput> inputs, bool dryRun, IProgress<ExchangeProgress>? progress, CancellationToken ct)
    {
        await ReadAsync(inputs, batch, progress, ct);
        if (batch.FileFailed || batch.RowLimitExceeded)
        {
            return Failed(batch, dryRun);
        }

        var plan = await new ImportPlanner(db, time).PlanAsync(batch, progress, ct);
        if (batch.Issues.Count > 0)
        {
            return Failed(batch, dryRun);
        }

        var summary = plan.Summary();
        if (dryRun || !summary.ChangesAnything)
        {
            return new ImportResult([], summary, dryRun, batch.Sources, batch.Rows);
        }

        var importId = await WriteAsync(actor, plan, summary, batch, progress, ct);
        return new ImportResult([], summary, dryRun, batch.Sources, batch.Rows, importId);
    }

    private static ImportResult Failed(ImportBatch batch, bool dryRun) =>
        new(batch.Issues.Items, null, dryRun, batch.Sources, batch.Rows, IssuesNotShown: batch.Issues.NotShown);

    private async Task ReadAsync(List<ImportInput> inputs, ImportBatch batch, IProgress<ExchangeProgress>? progress, CancellationToken ct)
    {
        var total = inputs.Sum(i => i.Length);
        long done = 0, reported = 0;
        void OnRead(long n)
        {
            done += n;
            if (done - reported >= 1 << 20)
            {
                reported = done;
                progress?.Report(new ExchangeProgress(ExchangeStage.Reading, done, total));
            }
        }

        foreach (var input in inputs)
        {
            if (batch.RowLimitExceeded)
            {
                break;
            }

            progress?.Report(new ExchangeProgress(ExchangeStage.Reading, done, total, input.Name));
            await using var stream = new HashingStream(input.Open(), OnRead);
            if (input.Csv is { } kind)
            {
                await CsvConstituencyReader.ReadAsync(stream, input.Name, kind, batch, ct);
            }
            else
            {
                await JsonConstituencyReader.ReadAsync(stream, input.Name, batch, limits, ct);
            }

            batch.Sources.Add(new ImportSource(input.Name, input.Format, input.Length, stream.Sha256()));
        }

        progress?.Report(new ExchangeProgress(ExchangeStage.Reading, total, total));
    }

    private async Task<Guid> WriteAsync(
        Actor actor, ImportPlan plan, ImportSummary summary, ImportBatch batch, IProgress<ExchangeProgress>? progress, CancellationToken ct)
    {
        var importId = Guid.NewGuid();
        var now = time.GetUtcNow();
        long total = plan.NewSectors.Count + plan.NewCommunities.Count + plan.Organisations.Count
            + summary.NetworksAdded + summary.ContactsAdded;
        long done = 0;
        void Advance(long n)
        {
            done += n;
            progress?.Report(new ExchangeProgress(ExchangeStage.Writing, done, total));
        }

        var autoDetect = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        try
        {
            foreach (var sector in plan.NewSectors)
            {
                db.Sectors.Add(sector);
                audit.Record(actor, "sector.create", "sector", sector.Id, null, null, new SectorDto(sector.Id, sector.NameEn, sector.NameJa, false));
            }

            foreach (var community in plan.NewCommunities)
            {
                db.Communities.Add(community);
                audit.Record(actor, "community.create", "community", community.Slug, null, null,
                    new { community.Slug, community.Kind, community.NameEn, community.NameJa, community.SectorId, community.Description, importId });
            }

            await SaveAsync(ct);
            Advance(plan.NewSectors.Count + plan.NewCommunities.Count);

            await WriteOrganisationsAsync(actor, plan, importId, now, ct);
            Advance(plan.Organisations.Count);

            // The two tables that grow into tens of thousands of rows bypass change tracking.
            await BulkInsert.InsertAsync(db, plan.Organisations.SelectMany(o => o.NewNetworks).ToList(), n => Advance(n), ct);
            await BulkInsert.InsertAsync(db, plan.Organisations.SelectMany(o => o.NewContacts).ToList(), n => Advance(n), ct);

            audit.Record(actor, "constituency.import", "constituency", importId.ToString(), null, null,
                new { importId, summary, rows = batch.Rows, sources = batch.Sources });
            await SaveAsync(ct);
            await transaction.CommitAsync(ct);
        }
        catch (Exception e) when (BulkInsert.IsUniqueViolation(e))
        {
            throw new ConflictException(
                "the database changed while importing (an organisation or block was added meanwhile): nothing was written; run the import again");
        }
        finally
        {
            db.ChangeTracker.Clear();
            db.ChangeTracker.AutoDetectChangesEnabled = autoDetect;
        }

        ownership?.Invalidate();
        return importId;
    }

    private async Task WriteOrganisationsAsync(Actor actor, ImportPlan plan, Guid importId, DateTimeOffset now, CancellationToken ct)
    {
        var changedIds = plan.Organisations.Where(o => o.DetailsChanged && !o.IsNew).Select(o => o.Id).ToList();
        var tracked = new Dictionary<Guid, OrganisationEntity>();
        foreach (var ids in changedIds.Chunk(1000))
        {
            foreach (var entity in await db.Organisations.Where(o => ids.Contains(o.Id)).ToListAsync(ct))
            {
                tracked[entity.Id] = entity;
            }
        }

        foreach (var org in plan.Organisations)
        {
            if (org.IsNew)
            {
                var d = org.Details!;
                db.Organisations.Add(new OrganisationEntity
                {
                    Id = org.Id, Name = d.Name, NameJa = d.NameJa, ShortName = d.ShortName, Kind = d.Kind, SectorId = d.SectorId,
                    Country = d.Country, Description = d.Description, CreatedAt = now, UpdatedAt = now,
                });
            }
            else if (org.DetailsChanged)
            {
                var entity = tracked[org.Id];
                var d = org.Details!;
                (entity.NameJa, entity.ShortName, entity.Kind, entity.SectorId, entity.Country, entity.Description, entity.UpdatedAt) =
                    (d.NameJa, d.ShortName, d.Kind, d.SectorId, d.Country, d.Description, now);
            }

            db.Memberships.AddRange(org.NewMemberships);
            audit.Record(actor, org.IsNew ? "organisation.create" : "organisation.update", "organisation", org.Id.ToString(), org.Id,
                org.IsNew ? null : org.Existing, AuditAfter(org, importId));
        }

        db.ChangeTracker.DetectChanges();
        await SaveAsync(ct);
    }

    /// <summary>The details and what was added; network values up to a bound (the summary entry has the input's SHA-256).</summary>
    private static object AuditAfter(PlannedOrganisation org, Guid importId) => new
    {
        details = org.Details ?? org.Existing,
        networksAdded = org.NewNetworks.Count,
        networks = org.NewNetworks.Take(AuditedValuesPerOrganisation).Select(n => n.Value).ToList(),
        contactsAdded = org.NewContacts.Count,
        communitiesAdded = org.NewMemberships.Count,
        importId,
    };

    private async Task SaveAsync(CancellationToken ct)
    {
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
    }

    private static void RequireAllowed(Actor actor)
    {
        if (!AccessRules.CanImportConstituency(actor))
        {
            throw new ForbiddenException("only a platform administrator may import the constituency");
        }
    }
}
