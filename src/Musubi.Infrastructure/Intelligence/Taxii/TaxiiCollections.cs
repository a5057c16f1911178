using Microsoft.EntityFrameworkCore;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Intelligence.Taxii;

/// <summary>
/// The collections a principal is offered (docs/STIX.md, "TAXII"): everything it may see, TLP:CLEAR, its own
/// organisation's, and one per community its organisation belongs to. A collection is only a view: each object in it
/// still passes the access policy for the caller.
/// </summary>
public sealed class TaxiiCollections(MusubiDbContext db, Feeds.Tracking.InfectedHostTaxii infectedHosts)
{
    public static readonly Guid VisibleId = Guid.Parse("3b0f6a0e-6d2a-4c51-9a35-1f6c3d0b7e01");
    public static readonly Guid ClearId = Guid.Parse("3b0f6a0e-6d2a-4c51-9a35-1f6c3d0b7e02");
    public static readonly Guid OrganisationId = Guid.Parse("3b0f6a0e-6d2a-4c51-9a35-1f6c3d0b7e03");

    /// <summary>In a consistent order (TAXII 2.1 §3.3): the three fixed collections, then communities by slug.</summary>
    public async Task<IReadOnlyList<TaxiiCollection>> ListAsync(Actor actor, CancellationToken ct)
    {
        var read = AccessRules.CanReadIntelligence(actor);
        var write = AccessRules.CanPublishIntelligence(actor);
        var list = new List<TaxiiCollection>
        {
            new(VisibleId, "Shared with me", "Every object the access policy lets you see, whoever published it, at any TLP.", "visible",
                read, false, TaxiiCollectionKind.Visible, null),
            new(ClearId, "TLP:CLEAR", "Objects marked TLP:CLEAR. Objects added here are published at TLP:CLEAR to every signed-in user.", "clear",
                read, write, TaxiiCollectionKind.Clear, null),
            new(OrganisationId, "My organisation", "What your organisation published. Objects added here are published at TLP:AMBER to your organisation only.",
                "organisation", read, write, TaxiiCollectionKind.Organisation, null),
        };
        var communities = await db.Memberships.AsNoTracking().Where(m => m.OrganisationId == actor.OrganisationId)
            .Select(m => m.Community!).OrderBy(c => c.Slug).ToListAsync(ct);
        foreach (var c in communities)
        {
            list.Add(new TaxiiCollection(c.Id, $"Community: {c.NameEn}",
                $"Objects shared with the community {c.NameEn} ({c.Slug}). Objects added here are published at TLP:GREEN to its members.",
                $"community-{c.Slug}", read, write, TaxiiCollectionKind.Community, c.Id));
        }

        if (await infectedHosts.CollectionForAsync(actor, ct) is { } hosts)
        {
            list.Add(hosts);
        }

        return list;
    }

    /// <summary>A collection by id or alias; one the principal is not offered is "not found" (§5.2).</summary>
    public async Task<TaxiiCollection> GetAsync(Actor actor, string idOrAlias, CancellationToken ct)
    {
        var all = await ListAsync(actor, ct);
        var hit = Guid.TryParse(idOrAlias, out var id)
            ? all.FirstOrDefault(c => c.Id == id)
            : all.FirstOrDefault(c => c.Alias == idOrAlias);
        return hit ?? throw TaxiiException.NotFound($"no collection '{idOrAlias}' in this API root for you");
    }
}
