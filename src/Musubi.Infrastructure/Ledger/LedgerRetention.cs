using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Ledger;

public sealed record RetentionPolicyInput(Guid? OrganisationId, string? Category, int RetainDays);

public sealed record RetentionPolicyDto(Guid Id, Guid? OrganisationId, string? Category, int RetainDays, DateTimeOffset CreatedAt);

public sealed record LegalHoldInput(Guid? OrganisationId, string? Category, string Reason);

public sealed record LegalHoldDto(Guid Id, Guid? OrganisationId, string? Category, string Reason, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? ReleasedAt);

public sealed record RetentionRun(int PayloadsRemoved, int HeldBack);

/// <summary>
/// Retention policies and legal holds, and the run that deletes expired payloads. A payload is expired when the most
/// specific policy for its organisation and category (organisation and category, organisation, category, everything)
/// is older than its age; an active hold whose organisation and category match (null = any) keeps it. Only the
/// payload goes: the leaf hash stays, so every proof and export still verifies. For audit entries the audit row's
/// before/after values go with it.
/// </summary>
public sealed class LedgerRetention(MusubiDbContext db, AuditTrail audit, TimeProvider time)
{
    public const int MaxRetainDays = 36_500;
    private const int Batch = 1000;

    public async Task<IReadOnlyList<RetentionPolicyDto>> PoliciesAsync(Actor actor, CancellationToken ct)
    {
        Require(actor);
        return await db.LedgerRetentionPolicies.AsNoTracking().OrderBy(p => p.OrganisationId).ThenBy(p => p.Category)
            .Select(p => new RetentionPolicyDto(p.Id, p.OrganisationId, p.Category, p.RetainDays, p.CreatedAt)).ToListAsync(ct);
    }

    /// <summary>Creates or replaces the policy for an organisation and category.</summary>
    public async Task<RetentionPolicyDto> SetPolicyAsync(Actor actor, RetentionPolicyInput input, CancellationToken ct)
    {
        Require(actor);
        var errors = new Dictionary<string, string[]>();
        if (input.Category is not null && !LedgerCategories.IsKnown(input.Category))
        {
            errors["category"] = [$"must be one of {string.Join(", ", LedgerCategories.All)} (or empty for all)"];
        }

        if (input.RetainDays is < 1 or > MaxRetainDays)
        {
            errors["retainDays"] = [$"must be 1 to {MaxRetainDays}"];
        }

        if (input.OrganisationId is { } org && !await db.Organisations.AnyAsync(o => o.Id == org, ct))
        {
            errors["organisationId"] = ["no such organisation"];
        }

        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }

        var row = await db.LedgerRetentionPolicies.SingleOrDefaultAsync(p => p.OrganisationId == input.OrganisationId && p.Category == input.Category, ct);
        var before = row is null ? null : new { row.RetainDays };
        if (row is null)
        {
            row = new LedgerRetentionPolicyEntity { Id = Guid.NewGuid(), OrganisationId = input.OrganisationId, Category = input.Category, CreatedAt = time.GetUtcNow() };
            db.LedgerRetentionPolicies.Add(row);
        }

        row.RetainDays = input.RetainDays;
        audit.Record(actor, "ledger.retention.set", "ledger-retention", row.Id.ToString(), input.OrganisationId, before,
            new { input.OrganisationId, input.Category, input.RetainDays });
        await db.SaveChangesAsync(ct);
        return new RetentionPolicyDto(row.Id, row.OrganisationId, row.Category, row.RetainDays, row.CreatedAt);
    }

    public async Task DeletePolicyAsync(Actor actor, Guid id, CancellationToken ct)
    {
        Require(actor);
        var row = await db.LedgerRetentionPolicies.SingleOrDefaultAsync(p => p.Id == id, ct) ?? throw new NotFoundException("retention policy", id.ToString());
        db.LedgerRetentionPolicies.Remove(row);
        audit.Record(actor, "ledger.retention.delete", "ledger-retention", id.ToString(), row.OrganisationId,
            new { row.OrganisationId, row.Category, row.RetainDays }, null);
        await db.SaveChangesAsync(ct);
    }

    public async Task<IReadOnlyList<LegalHoldDto>> HoldsAsync(Actor actor, CancellationToken ct)
    {
        Require(actor);
        return await db.LedgerLegalHolds.AsNoTracking().OrderByDescending(h => h.CreatedAt)
            .Select(h => new LegalHoldDto(h.Id, h.OrganisationId, h.Category, h.Reason, h.CreatedBy, h.CreatedAt, h.ReleasedAt)).ToListAsync(ct);
    }

    public async Task<LegalHoldDto> PlaceHoldAsync(Actor actor, LegalHoldInput input, CancellationToken ct)
    {
        Require(actor);
        var errors = new Dictionary<string, string[]>();
        if (input.Category is not null && !LedgerCategories.IsKnown(input.Category))
        {
            errors["category"] = [$"must be one of {string.Join(", ", LedgerCategories.All)} (or empty for all)"];
        }

        if (string.IsNullOrWhiteSpace(input.Reason) || input.Reason.Length > 1000)
        {
            errors["reason"] = ["is required (a case or order reference), at most 1000 characters"];
        }

        if (input.OrganisationId is { } org && !await db.Organisations.AnyAsync(o => o.Id == org, ct))
        {
            errors["organisationId"] = ["no such organisation"];
        }

        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }

        var row = new LedgerLegalHoldEntity
        {
            Id = Guid.NewGuid(), OrganisationId = input.OrganisationId, Category = input.Category, Reason = input.Reason.Trim(),
            CreatedBy = actor.UserName, CreatedAt = time.GetUtcNow(),
        };
        db.LedgerLegalHolds.Add(row);
        audit.Record(actor, "ledger.hold.place", "ledger-hold", row.Id.ToString(), input.OrganisationId, null,
            new { row.OrganisationId, row.Category, row.Reason });
        await db.SaveChangesAsync(ct);
        return new LegalHoldDto(row.Id, row.OrganisationId, row.Category, row.Reason, row.CreatedBy, row.CreatedAt, null);
    }

    public async Task ReleaseHoldAsync(Actor actor, Guid id, CancellationToken ct)
    {
        Require(actor);
        var row = await db.LedgerLegalHolds.SingleOrDefaultAsync(h => h.Id == id, ct) ?? throw new NotFoundException("legal hold", id.ToString());
        if (row.ReleasedAt is not null)
        {
            throw new ConflictException("the legal hold is already released");
        }

        row.ReleasedAt = time.GetUtcNow();
        audit.Record(actor, "ledger.hold.release", "ledger-hold", id.ToString(), row.OrganisationId, null, new { row.ReleasedAt });
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Deletes every expired payload that no hold keeps; audited as one entry per run that removed anything.</summary>
    public async Task<RetentionRun> RunAsync(Actor actor, CancellationToken ct)
    {
        var policies = await db.LedgerRetentionPolicies.AsNoTracking().ToListAsync(ct);
        if (policies.Count == 0)
        {
            return new RetentionRun(0, 0);
        }

        var holds = await db.LedgerLegalHolds.AsNoTracking().Where(h => h.ReleasedAt == null).ToListAsync(ct);
        var now = time.GetUtcNow();
        var oldest = now.AddDays(-policies.Min(p => p.RetainDays));
        int removed = 0, held = 0;
        var perCategory = new Dictionary<string, int>();
        long after = -1;
        while (true)
        {
            var rows = await db.LedgerEntries.Where(e => e.Index > after && e.Payload != null && e.At < oldest)
                .OrderBy(e => e.Index).Take(Batch).ToListAsync(ct);
            if (rows.Count == 0)
            {
                break;
            }

            after = rows[^1].Index;
            var auditIds = new List<long>();
            foreach (var e in rows)
            {
                switch (Decide(policies, holds, now, e.OrganisationId, e.Category, e.At, out var reason))
                {
                    case Verdict.Keep:
                        continue;
                    case Verdict.Held:
                        held++;
                        continue;
                }

                e.Payload = null;
                e.PayloadRemovedAt = now;
                e.PayloadRemovedReason = reason;
                if (e.AuditEntryId is { } id)
                {
                    auditIds.Add(id);
                }

                removed++;
                perCategory[e.Category] = perCategory.GetValueOrDefault(e.Category) + 1;
            }

            await using var tx = await db.Database.BeginTransactionAsync(ct);
            if (auditIds.Count > 0)
            {
                await db.AuditEntries.Where(a => auditIds.Contains(a.Id)).ExecuteUpdateAsync(s => s.SetProperty(a => a.Before, (string?)null).SetProperty(a => a.After, (string?)null), ct);
            }

            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            db.ChangeTracker.Clear();
        }

        // Entry bundles: rewritten without the expired payloads (the leaf hashes stay as they are).
        var oldestTicks = oldest.UtcTicks;
        long afterBundle = -1;
        while (true)
        {
            var bundles = await db.LedgerBundles.Where(b => b.FirstIndex > afterBundle && b.PayloadsKept > 0 && b.FirstAtTicks < oldestTicks)
                .OrderBy(b => b.FirstIndex).Take(16).ToListAsync(ct);
            if (bundles.Count == 0)
            {
                break;
            }

            afterBundle = bundles[^1].FirstIndex;
            foreach (var bundle in bundles)
            {
                var entries = LedgerBundleCodec.Decode(bundle);
                var changed = false;
                foreach (var e in entries)
                {
                    if (e.Payload is null)
                    {
                        continue;
                    }

                    switch (Decide(policies, holds, now, e.OrganisationId, e.Category, e.At, out var reason))
                    {
                        case Verdict.Keep:
                            continue;
                        case Verdict.Held:
                            held++;
                            continue;
                    }

                    e.Payload = null;
                    e.PayloadRemovedAt = now;
                    e.PayloadRemovedReason = reason;
                    changed = true;
                    removed++;
                    perCategory[e.Category] = perCategory.GetValueOrDefault(e.Category) + 1;
                }

                if (changed)
                {
                    var rewritten = LedgerBundleCodec.Encode(bundle.FirstIndex, entries, 0, entries.Count);
                    if (!rewritten.LeafHashes.AsSpan().SequenceEqual(bundle.LeafHashes))
                    {
                        throw new InvalidOperationException($"Rewriting ledger bundle {bundle.FirstIndex} would change its leaf hashes.");
                    }

                    bundle.Entries = rewritten.Entries;
                    bundle.PayloadsKept = rewritten.PayloadsKept;
                }
            }

            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
        }

        if (removed > 0)
        {
            audit.Record(actor, "ledger.retention.run", "ledger", "retention", null, null, new { removed, held, perCategory });
            await db.SaveChangesAsync(ct);
        }

        return new RetentionRun(removed, held);
    }

    private enum Verdict { Keep, Held, Remove }

    /// <summary>
    /// The one retention rule for an entry, whichever table holds it: kept while its policy's days have not passed
    /// (or no policy applies), held while an active legal hold covers its organisation and category, else removed.
    /// </summary>
    private static Verdict Decide(List<LedgerRetentionPolicyEntity> policies, List<LedgerLegalHoldEntity> holds, DateTimeOffset now,
        Guid? organisationId, string category, DateTimeOffset at, out string reason)
    {
        reason = "";
        var policy = Policy(policies, organisationId, category);
        if (policy is null || at >= now.AddDays(-policy.RetainDays))
        {
            return Verdict.Keep;
        }

        if (holds.Any(h => (h.OrganisationId is null || h.OrganisationId == organisationId) && (h.Category is null || h.Category == category)))
        {
            return Verdict.Held;
        }

        reason = $"retention: {policy.RetainDays} days";
        return Verdict.Remove;
    }

    private static LedgerRetentionPolicyEntity? Policy(List<LedgerRetentionPolicyEntity> policies, Guid? organisationId, string category) =>
        policies.FirstOrDefault(p => p.OrganisationId == organisationId && organisationId is not null && p.Category == category)
        ?? policies.FirstOrDefault(p => p.OrganisationId == organisationId && organisationId is not null && p.Category is null)
        ?? policies.FirstOrDefault(p => p.OrganisationId is null && p.Category == category)
        ?? policies.FirstOrDefault(p => p.OrganisationId is null && p.Category is null);

    private static void Require(Actor actor) =>
        ForbiddenException.ThrowUnless(AccessRules.CanManageLedger(actor), "only platform administrators (ledger:admin) manage ledger retention and legal holds");
}
