namespace Musubi.Infrastructure.Ledger;

/// <summary>One record to append: what it is, whose it is, and its bytes (kept until retention removes them).</summary>
public sealed record LedgerRecord(string Category, Guid? OrganisationId, ReadOnlyMemory<byte> Payload);

/// <summary>
/// The platform's tamper-evident ledger, for the modules that must leave a trace: received raw events (by hash),
/// incident timeline entries, sent notifications. (The audit trail appends through <see cref="Audit.AuditTrail"/>.)
/// </summary>
public interface ILedger
{
    /// <summary>
    /// Adds a record to the caller's unit of work (the scoped database context), so it commits with the caller's own
    /// change, or neither does. Its index is assigned when the context saves.
    /// </summary>
    LedgerEntryEntity Stage(LedgerRecord record);

    /// <summary>
    /// Appends records in one durable commit and returns the index of the first (the rest follow in order). Once this
    /// returns, the records are acknowledged: a crash cannot lose them, and the tree catches up with them.
    /// </summary>
    Task<long> AppendAsync(IReadOnlyList<LedgerRecord> records, CancellationToken ct);

    /// <summary>Appends a record of content known by its SHA-256 (a raw event that is not kept in the ledger).</summary>
    Task<long> AppendHashAsync(string category, Guid? organisationId, ReadOnlyMemory<byte> sha256, CancellationToken ct);
}
