using System.Text.Json;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Audit;

/// <summary>
/// The one seam every write goes through to be audited. Entries are added to the same unit of work as the change,
/// so a change and its audit entry commit or fail together. A later issue chains these entries into a Merkle log.
/// </summary>
public sealed class AuditTrail(MusubiDbContext db, TimeProvider time, IAuditContext context)
{
    private static readonly JsonSerializerOptions Json = MusubiJson.Options;

    public void Record(Actor actor, string action, string entityType, string entityId, Guid? organisationId, object? before, object? after)
    {
        db.AuditEntries.Add(new AuditEntryEntity
        {
            At = time.GetUtcNow(),
            ActorUserId = actor.UserId,
            ActorName = actor.UserName,
            ActorOrganisationId = actor.OrganisationId,
            OrganisationId = organisationId,
            Action = action,
            EntityType = entityType,
            EntityId = entityId,
            Before = before is null ? null : JsonSerializer.Serialize(before, Json),
            After = after is null ? null : JsonSerializer.Serialize(after, Json),
            RemoteAddress = context.RemoteAddress,
        });
    }
}
