using Microsoft.EntityFrameworkCore;
using Musubi.Core.Identity;
using Musubi.Core.Sharing;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Federation;

namespace Musubi.Infrastructure.Intelligence;

/// <summary>
/// Turns the acting user into the access policy's <see cref="Principal"/>: user, organisation, its communities now,
/// and, when the organisation is a federation partner's own account, the partner agreement (docs/FEDERATION.md), so
/// that every read path caps what a partner sees at its TLP ceiling through the one policy.
/// </summary>
public sealed class IntelligencePrincipals(MusubiDbContext db)
{
    public Task<Principal> ForAsync(Actor actor, CancellationToken ct) => ForAsync(actor.UserId, actor.OrganisationId, ct);

    /// <summary>An organisation as a whole (no user): what we push to a partner is what this principal may see.</summary>
    public Task<Principal> ForOrganisationAsync(Guid organisationId, CancellationToken ct) => ForAsync(null, organisationId, ct);

    private async Task<Principal> ForAsync(Guid? userId, Guid organisationId, CancellationToken ct)
    {
        var communities = await db.Memberships.AsNoTracking()
            .Where(m => m.OrganisationId == organisationId)
            .Select(m => m.CommunityId)
            .ToListAsync(ct);
        var agreements = await db.Set<PartnerEntity>().AsNoTracking()
            .Where(p => p.OrganisationId == organisationId)
            .ToListAsync(ct);
        return new Principal(userId, organisationId, communities.ToHashSet(), PartnerAgreement.Strictest(agreements.Select(a => a.Agreement())));
    }
}
