using System.Text.Json;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Ledger;

namespace Musubi.Infrastructure.Audit;

/// <summary>
/// The one seam every write goes through to be audited. Entries are added to the same unit of work as the change,
/// so a change and its audit entry commit or fail together; so does the entry's leaf in the ledger (its canonical
/// JSON, <see cref="LedgerPayload"/>), which gets its index in the same transaction.
/// </summary>
public sealed class AuditTrail(MusubiDbContext db, TimeProvider time, IAuditContext context)
{
    private static readonly JsonSerializerOptions Json = MusubiJson.Options;

    public void Record(Actor actor, string action, string entityType, string entityId, Guid? organisationId, object? before, object? after)
    {
        var entry = new AuditEntryEntity
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
        };
        db.AuditEntries.Add(entry);
        var leaf = LedgerService.ToEntity(new LedgerRecord(LedgerCategories.Audit, organisationId, LedgerPayload(entry)), entry.At);
        leaf.AuditEntry = entry;
        db.LedgerEntries.Add(leaf);
    }

    /// <summary>The bytes of an audit entry in the ledger: its fields as one line of JSON, in a fixed order.</summary>
    public static byte[] LedgerPayload(AuditEntryEntity e) => JsonSerializer.SerializeToUtf8Bytes(new AuditLeaf(
        "audit", e.At.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture), e.ActorUserId, e.ActorName,
        e.ActorOrganisationId, e.OrganisationId, e.Action, e.EntityType, e.EntityId, e.Before, e.After, e.RemoteAddress), Json);

    private sealed record AuditLeaf(
        string Type, string At, Guid ActorUserId, string ActorName, Guid ActorOrganisationId, Guid? OrganisationId, string Action,
        string EntityType, string EntityId, string? Before, string? After, string? RemoteAddress);
}
