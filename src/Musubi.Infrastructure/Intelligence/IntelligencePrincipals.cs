using Microsoft.EntityFrameworkCore;
using Musubi.Core.Identity;
using Musubi.Core.Sharing;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Intelligence;

/// <summary>Turns the acting user into the access policy's <see cref="Principal"/>: user, organisation, and its communities now.</summary>
public sealed class IntelligencePrincipals(MusubiDbContext db)
{
    public async Task<Principal> ForAsync(Actor actor, CancellationToken ct)
    {
        var communities = await db.Memberships.AsNoTracking()
            .Where(m => m.OrganisationId == actor.OrganisationId)
            .Select(m => m.CommunityId)
            .ToListAsync(ct);
        return new Principal(actor.UserId, actor.OrganisationId, communities.ToHashSet());
    }
}
