using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Musubi.Core.Identity;
using Musubi.Core.Sharing;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;
using Musubi.Stix.Reading;

namespace Musubi.Infrastructure.Intelligence.Taxii;

/// <summary>
/// TAXII 2.1 collections over the STIX store (TAXII 2.1 §5). Every row passes <see cref="AccessPolicy.MaySee"/> with the
/// caller's principal before it is served; SQL only narrows the candidates to the collection and the filters.
/// Rows are served in (date_added, row) order (§3.3); version selection (§3.4.1) is over the versions of the id that
/// are in the collection and visible to the caller.
/// </summary>
public sealed class TaxiiService(
    MusubiDbContext db, IntelligencePrincipals principals, TaxiiCollections collections, StixImporter importer, AuditTrail audit, TimeProvider time,
    Feeds.Tracking.InfectedHostTaxii infectedHosts)
{
    /// <summary>The server's page size limit: a larger client limit is capped to it (§3.4, limit).</summary>
    public const int MaxPage = 1000;
    public static readonly StixReadLimits Limits = StixImporter.Limits;

    public Task<IReadOnlyList<TaxiiCollection>> CollectionsAsync(Actor actor, CancellationToken ct) => collections.ListAsync(actor, ct);

    public Task<TaxiiCollection> CollectionAsync(Actor actor, string id, CancellationToken ct) => collections.GetAsync(actor, id, ct);

    /// <summary>Objects of a collection (§5.3 manifest and §5.4 objects share this).</summary>
    public async Task<TaxiiPage> ObjectsAsync(Actor actor, string collectionId, TaxiiFilter filter, CancellationToken ct)
    {
        var collection = await ReadableAsync(actor, collectionId, ct);
        return collection.Kind == TaxiiCollectionKind.InfectedHosts
            ? await infectedHosts.PageAsync(actor, filter, ct)
            : await PageAsync(actor, collection, filter, ct);
    }

    /// <summary>One object's versions in a collection (§5.6); 404 when none of them is in the collection for the caller.</summary>
    public async Task<TaxiiPage> ObjectAsync(Actor actor, string collectionId, string objectId, TaxiiFilter filter, CancellationToken ct)
    {
        var collection = await ReadableAsync(actor, collectionId, ct);
        if (collection.Kind == TaxiiCollectionKind.InfectedHosts)
        {
            var page = await infectedHosts.PageAsync(actor, filter with { Ids = [objectId], Types = null }, ct);
            return page.Items.Count > 0 ? page : throw TaxiiException.NotFound($"no object {objectId} in this collection for you");
        }

        var principal = await principals.ForAsync(actor, ct);
        if ((await VisibleVersionsAsync(collection, principal, [objectId], ct)).Count == 0)
        {
            throw TaxiiException.NotFound($"no object {objectId} in this collection for you");
        }

        return await PageAsync(actor, collection, filter with { Ids = [objectId], Types = null }, ct);
    }

    /// <summary>An object's versions (§5.8), oldest added first.</summary>
    public Task<TaxiiPage> VersionsAsync(Actor actor, string collectionId, string objectId, TaxiiFilter filter, CancellationToken ct) =>
        ObjectAsync(actor, collectionId, objectId, filter with { Versions = TaxiiVersions.Every }, ct);

    /// <summary>
    /// Adds an envelope (§5.5): objects are published with the collection's TLP and scope, each stored whole or
    /// refused with its errors; the status is complete when this returns and is kept for <see cref="StatusAsync"/>.
    /// </summary>
    public async Task<TaxiiStatus> AddAsync(Actor actor, string collectionId, Stream body, CancellationToken ct)
    {
        var collection = await collections.GetAsync(actor, collectionId, ct);
        if (!collection.CanWrite)
        {
            throw TaxiiException.Forbidden(collection.Kind is TaxiiCollectionKind.Visible or TaxiiCollectionKind.InfectedHosts
                ? "this collection is read only: add objects to a TLP, organisation or community collection"
                : "adding objects needs the intel:write scope and a role other than read-only");
        }

        var requested = time.GetUtcNow();
        StixDocument document;
        try
        {
            document = await StixReader.ReadEnvelopeAsync(body, Limits, ct);
        }
        catch (StixFormatException e) when (e.Reason.Contains("than the limit of", StringComparison.Ordinal) && !e.Reason.StartsWith("nesting", StringComparison.Ordinal))
        {
            throw TaxiiException.TooLarge(e.Message);
        }
        catch (StixFormatException e) when (e.Reason.StartsWith("malformed JSON", StringComparison.Ordinal))
        {
            throw TaxiiException.BadRequest(e.Message);
        }
        catch (StixFormatException e)
        {
            throw TaxiiException.Unprocessable(e.Message);
        }

        if (document.BundleProblems.Count > 0)
        {
            throw TaxiiException.Unprocessable(string.Join("; ", document.BundleProblems));
        }

        var result = await importer.ImportDocumentAsync(actor, document, collection.PublishOptions, ct, "taxii.add");
        var successes = result.Successes.Select(s => new TaxiiStatusDetail(s.Id, s.Version ?? "",
            s.Status == StixImportStatus.Duplicate ? "duplicate: this version was already stored" : "stored")).ToList();
        var failures = result.Failures.Select(f => new TaxiiStatusDetail(f.Id ?? $"(no id) {f.Path}", f.Version ?? "",
            string.Join("; ", f.Errors))).ToList();
        var status = new TaxiiStatus(Guid.NewGuid(), "complete", requested, document.Objects.Count, successes.Count, successes,
            failures.Count, failures, 0);
        db.TaxiiStatuses.Add(new TaxiiStatusEntity
        {
            Id = status.Id, OrganisationId = actor.OrganisationId, UserId = actor.UserId, CollectionId = collection.Id,
            RequestTimestamp = requested, Json = JsonSerializer.Serialize(status, MusubiJson.Options),
        });
        await db.SaveChangesAsync(ct);
        return status;
    }

    /// <summary>A status (§4.3): the organisation that made the request may read it; anyone else gets 404.</summary>
    public async Task<TaxiiStatus> StatusAsync(Actor actor, Guid id, CancellationToken ct)
    {
        var row = await db.TaxiiStatuses.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct);
        if (row is null || row.OrganisationId != actor.OrganisationId
            || !(AccessRules.CanReadIntelligence(actor) || AccessRules.CanPublishIntelligence(actor)))
        {
            throw TaxiiException.NotFound($"no status {id} for you");
        }

        return JsonSerializer.Deserialize<TaxiiStatus>(row.Json, MusubiJson.Options)!;
    }

    /// <summary>
    /// Deletes versions of an object from the store (§5.7): all versions by default, or those match[version] selects.
    /// Only the organisation that published a version may delete it (403 otherwise); audited.
    /// </summary>
    public async Task DeleteAsync(Actor actor, string collectionId, string objectId, TaxiiVersions? versions, IReadOnlyList<string>? specVersions, CancellationToken ct)
    {
        var collection = await collections.GetAsync(actor, collectionId, ct);
        if (!collection.CanRead && !collection.CanWrite)
        {
            throw TaxiiException.NotFound($"no collection '{collectionId}' in this API root for you");
        }

        if (!collection.CanRead || !collection.CanWrite)
        {
            throw TaxiiException.Forbidden("deleting needs both can_read and can_write on the collection (TAXII 2.1 §5.7)");
        }

        var principal = await principals.ForAsync(actor, ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await StixVersionLocks.LockAsync(db, [objectId], ct);
        var visible = await VisibleVersionsAsync(collection, principal, [objectId], ct);
        if (visible.Count == 0)
        {
            throw TaxiiException.NotFound($"no object {objectId} in this collection for you");
        }

        var selected = SpecVersionAllows(specVersions) ? Select(visible, versions ?? TaxiiVersions.Every) : [];
        if (selected.Count == 0)
        {
            throw TaxiiException.NotFound($"no version of {objectId} matches match[version] in this collection");
        }

        if (selected.Any(r => r.CreatorOrganisationId != actor.OrganisationId))
        {
            throw TaxiiException.Forbidden("only the organisation that published a version may delete it");
        }

        var ids = selected.Select(r => r.Id).ToList();
        var doomed = await db.StixObjects.Include(x => x.Terms).Where(x => ids.Contains(x.Id)).ToListAsync(ct);
        db.StixObjects.RemoveRange(doomed);
        var remaining = await db.StixObjects.Where(x => x.StixId == objectId && !ids.Contains(x.Id)).ToListAsync(ct);
        var newest = remaining.OrderByDescending(r => r.VersionKey, StringComparer.Ordinal).FirstOrDefault();
        foreach (var r in remaining)
        {
            r.IsLatest = r == newest;
        }

        audit.Record(actor, "taxii.delete", "stix-object", objectId, actor.OrganisationId,
            new { Versions = doomed.Select(d => d.Modified).ToList(), Collection = collection.Id }, null);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }

    private async Task<TaxiiCollection> ReadableAsync(Actor actor, string collectionId, CancellationToken ct)
    {
        var collection = await collections.GetAsync(actor, collectionId, ct);
        return collection.CanRead ? collection : throw TaxiiException.Forbidden("reading needs the intel:read scope");
    }

    private async Task<TaxiiPage> PageAsync(Actor actor, TaxiiCollection collection, TaxiiFilter filter, CancellationToken ct)
    {
        var limit = Math.Clamp(filter.Limit ?? MaxPage, 1, MaxPage);
        if (!SpecVersionAllows(filter.SpecVersions))
        {
            return new TaxiiPage([], false, null);
        }

        var principal = await principals.ForAsync(actor, ct);
        var versions = filter.Versions ?? TaxiiVersions.LastOnly;
        var query = InCollection(collection, principal);
        if (filter.Ids is { Count: > 0 } ids)
        {
            query = query.Where(x => ids.Contains(x.StixId));
        }

        if (filter.Types is { Count: > 0 } types)
        {
            query = query.Where(x => types.Contains(x.Type));
        }

        if (versions is { All: false, First: false, Last: false })
        {
            var exact = versions.Exact.ToList();
            query = query.Where(x => exact.Contains(x.VersionKey));
        }

        if (filter.AddedAfter is { } after)
        {
            query = query.Where(x => x.DateAdded > after);
        }

        var items = new List<StixObjectView>(Math.Min(limit + 1, 256));
        var rows = new List<StixObjectEntity>();
        TaxiiCursor? position = filter.Next;
        // One read per page in the common case (a page plus the row that says "more"); filtered-out rows read on.
        var batch = limit + 1;
        while (items.Count <= limit)
        {
            var q = query;
            if (position is { } p)
            {
                var (d, row) = (p.DateAdded, p.Row);
                q = q.Where(x => x.DateAdded > d || (x.DateAdded == d && x.Id > row));
            }

            var candidates = await q.OrderBy(x => x.DateAdded).ThenBy(x => x.Id).Take(batch)
                .Include(x => x.Terms).AsSplitQuery().AsNoTracking().ToListAsync(ct);
            if (candidates.Count == 0)
            {
                break;
            }

            var visible = candidates.Where(r => AccessPolicy.MaySee(principal, StixRows.Marking(r)).Allowed).ToList();
            var keep = await SelectVersionsAsync(collection, principal, visible, versions, ct);
            foreach (var r in visible)
            {
                if (keep.Contains(r.Id))
                {
                    rows.Add(r);
                    items.Add(StixRows.View(r));
                    if (items.Count > limit)
                    {
                        break;
                    }
                }
            }

            var last = candidates[^1];
            position = new TaxiiCursor(last.DateAdded, last.Id);
            if (candidates.Count < batch)
            {
                break;
            }
        }

        if (items.Count > limit)
        {
            var lastServed = rows[limit - 1];
            return new TaxiiPage(items.Take(limit).ToList(), true, new TaxiiCursor(lastServed.DateAdded, lastServed.Id).Encode());
        }

        return new TaxiiPage(items, false, null);
    }

    /// <summary>The rows (of <paramref name="visible"/>) that match[version] selects among the versions of their id in the collection.</summary>
    private async Task<HashSet<long>> SelectVersionsAsync(TaxiiCollection collection, Principal principal, List<StixObjectEntity> visible,
        TaxiiVersions versions, CancellationToken ct)
    {
        if (versions.All || versions is { First: false, Last: false })
        {
            return visible.Select(r => r.Id).ToHashSet();
        }

        // A row marked latest and visible is the last visible version of its id; anything else needs its siblings.
        var keep = new HashSet<long>();
        var needSiblings = new List<string>();
        foreach (var r in visible)
        {
            if (versions.Exact.Contains(r.VersionKey) || (versions.Last && !versions.First && r.IsLatest))
            {
                keep.Add(r.Id);
            }
            else
            {
                needSiblings.Add(r.StixId);
            }
        }

        if (needSiblings.Count == 0)
        {
            return keep;
        }

        var siblings = await VisibleVersionsAsync(collection, principal, needSiblings.Distinct(StringComparer.Ordinal).ToList(), ct);
        foreach (var group in siblings.GroupBy(s => s.StixId, StringComparer.Ordinal))
        {
            foreach (var r in Select(group.ToList(), versions))
            {
                keep.Add(r.Id);
            }
        }

        return keep;
    }

    private static List<StixObjectEntity> Select(List<StixObjectEntity> versionsOfOneOrMoreIds, TaxiiVersions versions)
    {
        if (versions.All)
        {
            return versionsOfOneOrMoreIds;
        }

        var chosen = new List<StixObjectEntity>();
        foreach (var group in versionsOfOneOrMoreIds.GroupBy(r => r.StixId, StringComparer.Ordinal))
        {
            var ordered = group.OrderBy(r => r.VersionKey, StringComparer.Ordinal).ToList();
            foreach (var r in ordered)
            {
                if (versions.Exact.Contains(r.VersionKey) || (versions.First && r == ordered[0]) || (versions.Last && r == ordered[^1]))
                {
                    chosen.Add(r);
                }
            }
        }

        return chosen;
    }

    private async Task<List<StixObjectEntity>> VisibleVersionsAsync(TaxiiCollection collection, Principal principal, IReadOnlyList<string> stixIds, CancellationToken ct)
    {
        var found = new List<StixObjectEntity>();
        foreach (var chunk in stixIds.Chunk(500))
        {
            var rows = await InCollection(collection, principal).Where(x => chunk.Contains(x.StixId))
                .Include(x => x.Terms).AsSplitQuery().AsNoTracking().ToListAsync(ct);
            found.AddRange(rows.Where(r => AccessPolicy.MaySee(principal, StixRows.Marking(r)).Allowed));
        }

        return found;
    }

    /// <summary>SQL narrowing to the collection; sight is still decided per row by the access policy.</summary>
    private IQueryable<StixObjectEntity> InCollection(TaxiiCollection collection, Principal principal)
    {
        IQueryable<StixObjectEntity> query = db.StixObjects;
        switch (collection.Kind)
        {
            case TaxiiCollectionKind.Clear:
                return query.Where(x => x.Tlp == Tlp.Clear);
            case TaxiiCollectionKind.Organisation:
                var org = principal.OrganisationId ?? Guid.Empty;
                return query.Where(x => x.CreatorOrganisationId == org);
            case TaxiiCollectionKind.Community:
                var c = collection.CommunityId!.Value.ToString();
                return query.Where(x => x.Terms.Any(t => t.Kind == StixTermKind.ScopeCommunity && t.Value == c));
            default:
                return query;
        }
    }

    /// <summary>Every stored object is STIX 2.1 (the validator refuses other spec_versions): match[spec_version] either includes it or nothing.</summary>
    private static bool SpecVersionAllows(IReadOnlyList<string>? specVersions) => specVersions is not { Count: > 0 } || specVersions.Contains("2.1");
}
