using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Identity;
using Musubi.Core.Sharing;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;
using Musubi.Stix.Model;
using Musubi.Stix.Reading;
using Musubi.Stix.Validation;

namespace Musubi.Infrastructure.Intelligence;

/// <summary>
/// Publishing STIX into the store. One request is one transaction: every valid object is stored (a version already
/// present is a duplicate, and a success), every invalid one is listed with its errors, and either all the valid ones
/// and the audit entry are committed or nothing is. Malformed input (not JSON, over the limits, not a bundle or
/// object) is refused whole.
/// </summary>
public sealed class StixImporter(MusubiDbContext db, AuditTrail audit, TimeProvider time, IntelligencePrincipals principals)
{
    public static readonly StixReadLimits Limits = new(MaxBytes: 64L * 1024 * 1024, MaxDepth: 64, MaxObjects: 100_000);

    public async Task<StixImportResult> ImportAsync(Actor actor, Stream input, PublishOptions options, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanPublishIntelligence(actor), "publishing intelligence needs the intel:write scope and a role other than read-only");
        await CheckScopeAsync(options, ct);
        StixDocument document;
        try
        {
            document = await StixReader.ReadAsync(input, Limits, ct);
        }
        catch (StixFormatException e)
        {
            throw new ValidationFailedException(e.Path, e.Message);
        }

        if (document.BundleProblems.Count > 0)
        {
            throw new ValidationFailedException(new Dictionary<string, string[]> { ["$"] = [.. document.BundleProblems] });
        }

        return await ImportDocumentAsync(actor, document, options, ct);
    }

    /// <summary>
    /// Stores an already read document (a bundle, a lone object or a TAXII envelope whose envelope is valid): the
    /// caller has checked the publishing right, the scope and the envelope. One transaction; per-object results.
    /// </summary>
    public async Task<StixImportResult> ImportDocumentAsync(Actor actor, StixDocument document, PublishOptions options, CancellationToken ct,
        string action = "stix.import")
    {
        ForbiddenException.ThrowUnless(AccessRules.CanPublishIntelligence(actor), "publishing intelligence needs the intel:write scope and a role other than read-only");
        var issues = StixValidator.Validate(document.Objects)
            .Where(i => i.Severity == StixSeverity.Error)
            .GroupBy(i => ObjectPathOf(i.Path), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(i => $"{i.Path}: {i.Message}").ToList(), StringComparer.Ordinal);
        var failures = new List<StixImportFailure>();
        var valid = new List<StixObject>();
        foreach (var o in document.Objects)
        {
            if (issues.TryGetValue(o.Path, out var errors))
            {
                failures.Add(new StixImportFailure(o.Index, o.Path, o.Id, errors, o.Version?.Text));
            }
            else
            {
                valid.Add(o);
            }
        }

        // The read of the versions already stored and the writes are one transaction, serialised per STIX id, so two
        // concurrent publishes of the same id cannot both mark their version the latest (see StixVersionLocks).
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await StixVersionLocks.LockAsync(db, valid.Select(o => o.Id!), ct);
        var successes = await StoreAsync(actor, valid, options, ct);
        audit.Record(actor, action, "stix-bundle", document.BundleId ?? valid.FirstOrDefault()?.Id ?? "(none)", actor.OrganisationId, null, new
        {
            options.Tlp,
            options.Communities,
            options.Organisations,
            options.Users,
            options.PublicFeed,
            Stored = successes.Where(s => s.Status == StixImportStatus.Stored).Select(s => $"{s.Id}@{s.Version}").Take(1000).ToList(),
            Duplicates = successes.Count(s => s.Status == StixImportStatus.Duplicate),
            Failed = failures.Select(f => f.Id ?? f.Path).Take(1000).ToList(),
        });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new StixImportResult(document.BundleId, successes, failures);
    }

    /// <summary>
    /// Revokes an object: a new version with <c>revoked: true</c> and <c>modified</c> now (spec 3.6), published with the
    /// scope of the version it replaces. Only the organisation that published the latest version may revoke it.
    /// </summary>
    public async Task<StixObjectView> RevokeAsync(Actor actor, string stixId, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanPublishIntelligence(actor), "revoking intelligence needs the intel:write scope and a role other than read-only");
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await StixVersionLocks.LockAsync(db, [stixId], ct);
        var latest = await db.StixObjects.Include(x => x.Terms).Where(x => x.StixId == stixId)
            .OrderByDescending(x => x.VersionKey).FirstOrDefaultAsync(ct);
        // Whoever cannot see the object learns nothing about it, not even that it exists.
        if (latest is null || !AccessPolicy.MaySee(await principals.ForAsync(actor, ct), StixRows.Marking(latest)).Allowed)
        {
            throw new NotFoundException("STIX object", stixId);
        }

        ForbiddenException.ThrowUnless(latest.CreatorOrganisationId == actor.OrganisationId, "only the publishing organisation may revoke an object");
        if (latest.Revoked)
        {
            return StixRows.View(latest);
        }

        if (latest.VersionKey.Length == 0)
        {
            throw new ValidationFailedException(stixId, "this object has no versions (no modified property) and cannot be revoked");
        }

        var node = JsonNode.Parse(latest.Raw)!.AsObject();
        var now = StixTimes.ToMicroseconds(time.GetUtcNow());
        var previous = StixTimestamp.TryParse(latest.Modified, out var p) ? p.Value : DateTimeOffset.MinValue;
        var modified = now > previous ? now : previous.AddMilliseconds(1);
        node["modified"] = StixTimestamp.Format(modified);
        node["revoked"] = true;
        var revoked = StixObject.Parse(node.ToJsonString());
        var options = new PublishOptions(latest.Tlp,
            latest.Terms.Where(t => t.Kind == StixTermKind.ScopeCommunity).Select(t => Guid.Parse(t.Value)).ToList(),
            latest.Terms.Where(t => t.Kind == StixTermKind.ScopeOrganisation).Select(t => Guid.Parse(t.Value)).ToList(),
            latest.Terms.Where(t => t.Kind == StixTermKind.ScopeUser).Select(t => Guid.Parse(t.Value)).ToList(),
            latest.PublishedToPublicFeed);
        var entity = StixRows.ToEntity(revoked, options, latest.CreatorOrganisationId, now);
        entity.IsLatest = true;
        latest.IsLatest = false;
        db.StixObjects.Add(entity);
        audit.Record(actor, "stix.revoke", "stix-object", stixId, actor.OrganisationId, new { latest.Modified }, new { entity.Modified, Revoked = true });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return StixRows.View(entity);
    }

    /// <summary>
    /// Stores the valid objects of one import: the versions already stored are read for the whole input in a few
    /// queries (id, version key, latest flag only), duplicates (stored before or earlier in the same input) are
    /// successes, the previous latest versions that a newer one replaces are updated in SQL, and the new rows and
    /// their terms are written by <see cref="StixBulkWriter"/>, all in the caller's transaction.
    /// </summary>
    private async Task<List<StixImportSuccess>> StoreAsync(Actor actor, List<StixObject> objects, PublishOptions options, CancellationToken ct)
    {
        var successes = new List<StixImportSuccess>(objects.Count);
        // Microseconds: what PostgreSQL keeps, and what TAXII's date_added and added_after carry (TAXII 2.1 §3.4).
        var now = StixTimes.ToMicroseconds(time.GetUtcNow());
        var existing = new Dictionary<string, List<StoredVersion>>(StringComparer.Ordinal);
        var ids = objects.Select(o => o.Id!).Distinct(StringComparer.Ordinal).ToList();
        foreach (var row in await StixBulkWriter.ReadVersionsAsync(db, ids, ct))
        {
            if (!existing.TryGetValue(row.StixId, out var list))
            {
                existing[row.StixId] = list = [];
            }

            list.Add(new StoredVersion(row.Id, row.VersionKey, row.IsLatest, null));
        }

        var added = new List<StixObjectEntity>(objects.Count);
        var demoted = new List<long>();
        foreach (var o in objects)
        {
            var key = StixRows.VersionKey(o);
            if (!existing.TryGetValue(o.Id!, out var versions))
            {
                existing[o.Id!] = versions = [];
            }

            if (versions.Exists(v => v.VersionKey == key))
            {
                successes.Add(new StixImportSuccess(o.Id!, o.Version?.Text, StixImportStatus.Duplicate));
                continue;
            }

            var entity = StixRows.ToEntity(o, options, actor.OrganisationId, now);
            var latest = versions.FindIndex(v => v.IsLatest);
            if (latest < 0 || string.CompareOrdinal(key, versions[latest].VersionKey) > 0)
            {
                if (latest >= 0)
                {
                    var previous = versions[latest];
                    versions[latest] = previous with { IsLatest = false };
                    if (previous.Added is { } newer)
                    {
                        newer.IsLatest = false;
                    }
                    else
                    {
                        demoted.Add(previous.Id);
                    }
                }

                entity.IsLatest = true;
            }

            versions.Add(new StoredVersion(0, key, entity.IsLatest, entity));
            added.Add(entity);
            successes.Add(new StixImportSuccess(o.Id!, o.Version?.Text, StixImportStatus.Stored));
        }

        foreach (var chunk in demoted.Chunk(500))
        {
            await db.StixObjects.Where(x => chunk.Contains(x.Id)).ExecuteUpdateAsync(s => s.SetProperty(x => x.IsLatest, false), ct);
        }

        await StixBulkWriter.InsertAsync(db, added, ct);
        return successes;
    }

    /// <summary>A version of an id: stored before (<see cref="Added"/> null) or added by this import.</summary>
    private sealed record StoredVersion(long Id, string VersionKey, bool IsLatest, StixObjectEntity? Added);

    public async Task CheckScopeAsync(PublishOptions options, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var communities = (options.Communities ?? []).Distinct().ToList();
        var known = await db.Communities.Where(c => communities.Contains(c.Id)).Select(c => c.Id).ToListAsync(ct);
        foreach (var (c, i) in communities.Select((c, i) => (c, i)).Where(x => !known.Contains(x.c)))
        {
            errors[$"communities[{i}]"] = [$"unknown community {c}"];
        }

        var orgs = (options.Organisations ?? []).Distinct().ToList();
        var knownOrgs = await db.Organisations.Where(o => orgs.Contains(o.Id)).Select(o => o.Id).ToListAsync(ct);
        foreach (var (o, i) in orgs.Select((o, i) => (o, i)).Where(x => !knownOrgs.Contains(x.o)))
        {
            errors[$"organisations[{i}]"] = [$"unknown organisation {o}"];
        }

        var users = (options.Users ?? []).Distinct().ToList();
        var knownUsers = await db.Users.Where(u => users.Contains(u.Id)).Select(u => u.Id).ToListAsync(ct);
        foreach (var (u, i) in users.Select((u, i) => (u, i)).Where(x => !knownUsers.Contains(x.u)))
        {
            errors[$"users[{i}]"] = [$"unknown user {u}"];
        }

        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }
    }

    /// <summary>"$.objects[3].created" → "$.objects[3]"; a lone object's issues all belong to "$".</summary>
    private static string ObjectPathOf(string path) =>
        path.StartsWith("$.objects[", StringComparison.Ordinal) ? path[..(path.IndexOf(']', StringComparison.Ordinal) + 1)] : "$";
}
