using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Identity;
using Musubi.Core.Sharing;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Intelligence;

/// <summary>
/// Every read of stored STIX: by id, its versions, and search. Each row passes <see cref="AccessPolicy.MaySee"/> with
/// the caller's principal before it leaves this class; SQL only narrows the candidates. An object the caller may not
/// see is "not found", exactly like one that does not exist.
/// </summary>
public sealed partial class StixReadService(MusubiDbContext db, IntelligencePrincipals principals)
{
    public const int MaxLimit = 1000;

    /// <summary>The newest version the caller may see, or the given <paramref name="version"/> (its <c>modified</c> text).</summary>
    public async Task<StixObjectView> GetAsync(Actor actor, string stixId, string? version, CancellationToken ct)
    {
        var visible = await VisibleVersionsAsync(actor, stixId, ct);
        var hit = version is null ? visible.FirstOrDefault() : visible.FirstOrDefault(v => v.Modified == version);
        return hit is null ? throw new NotFoundException("STIX object", version is null ? stixId : $"{stixId} version {version}") : StixRows.View(hit);
    }

    /// <summary>Every version the caller may see, newest first.</summary>
    public async Task<IReadOnlyList<StixObjectView>> VersionsAsync(Actor actor, string stixId, CancellationToken ct)
    {
        var visible = await VisibleVersionsAsync(actor, stixId, ct);
        return visible.Count == 0 ? throw new NotFoundException("STIX object", stixId) : visible.Select(StixRows.View).ToList();
    }

    public async Task<StixSearchPage> SearchAsync(Actor actor, StixSearchQuery q, CancellationToken ct)
    {
        RequireRead(actor);
        var limit = Math.Clamp(q.Limit, 1, MaxLimit);
        var principal = await principals.ForAsync(actor, ct);
        IQueryable<StixObjectEntity> query = db.StixObjects.AsNoTracking();
        if (!q.AllVersions)
        {
            query = query.Where(x => x.IsLatest);
        }

        if (!q.IncludeRevoked)
        {
            query = query.Where(x => !x.Revoked);
        }

        if (q.Type is { } type)
        {
            query = query.Where(x => x.Type == type);
        }

        if (q.Tlp is { } tlp)
        {
            query = query.Where(x => x.Tlp == tlp);
        }

        if (q.CreatedBy is { } createdBy)
        {
            query = query.Where(x => x.CreatedByRef == createdBy);
        }

        if (q.ModifiedSince is { } since)
        {
            query = query.Where(x => x.ModifiedAt >= since);
        }

        if (q.ModifiedUntil is { } until)
        {
            query = query.Where(x => x.ModifiedAt <= until);
        }

        if (q.CreatedSince is { } createdSince)
        {
            query = query.Where(x => x.CreatedAt >= createdSince);
        }

        if (q.CreatedUntil is { } createdUntil)
        {
            query = query.Where(x => x.CreatedAt <= createdUntil);
        }

        if (!string.IsNullOrWhiteSpace(q.Text))
        {
            if (q.Text.Length > StixSearchQuery.MaxTextLength)
            {
                throw new ValidationFailedException("q", $"at most {StixSearchQuery.MaxTextLength} characters");
            }

            // Lower-cased on both sides: case-insensitive on SQLite and PostgreSQL alike (ASCII and most scripts).
            var text = q.Text.Trim().ToLowerInvariant();
            query = query.Where(x => x.StixId.Contains(text)
                || (x.Name != null && x.Name.ToLower().Contains(text))
                || x.Terms.Any(t => (t.Kind == StixTermKind.IndicatorValue || t.Kind == StixTermKind.Label) && t.Value.ToLower().Contains(text)));
        }

        if (q.Value is { } value)
        {
            query = query.Where(x => x.Terms.Any(t => t.Kind == StixTermKind.IndicatorValue && t.Value == value));
        }

        if (q.Label is { } label)
        {
            query = query.Where(x => x.Terms.Any(t => t.Kind == StixTermKind.Label && t.Value == label));
        }

        if (q.Community is { } community)
        {
            var c = community.ToString();
            query = query.Where(x => x.Terms.Any(t => t.Kind == StixTermKind.ScopeCommunity && t.Value == c));
        }

        // Candidates come in id order, a batch at a time; the access policy keeps what the caller may see.
        var items = new List<StixObjectView>(limit);
        var after = q.After ?? 0;
        const int batch = 500;
        while (true)
        {
            var from = after;
            var rows = await query.Where(x => x.Id > from).OrderBy(x => x.Id).Take(batch).Include(x => x.Terms).AsSplitQuery().ToListAsync(ct);
            var i = 0;
            while (i < rows.Count && items.Count < limit)
            {
                var row = rows[i++];
                after = row.Id;
                if (AccessPolicy.MaySee(principal, StixRows.Marking(row)).Allowed)
                {
                    items.Add(StixRows.View(row));
                }
            }

            if (rows.Count < batch && i == rows.Count)
            {
                return new StixSearchPage(items, null);
            }

            if (items.Count == limit)
            {
                return new StixSearchPage(items, after);
            }
        }
    }

    private async Task<List<StixObjectEntity>> VisibleVersionsAsync(Actor actor, string stixId, CancellationToken ct)
    {
        RequireRead(actor);
        var principal = await principals.ForAsync(actor, ct);
        var rows = await db.StixObjects.AsNoTracking().Include(x => x.Terms).AsSplitQuery()
            .Where(x => x.StixId == stixId).ToListAsync(ct);
        return rows
            .Where(r => AccessPolicy.MaySee(principal, StixRows.Marking(r)).Allowed)
            .OrderByDescending(r => r.VersionKey, StringComparer.Ordinal)
            .ToList();
    }

    private static void RequireRead(Actor actor) =>
        ForbiddenException.ThrowUnless(AccessRules.CanReadIntelligence(actor), "reading intelligence needs the intel:read scope");
}
