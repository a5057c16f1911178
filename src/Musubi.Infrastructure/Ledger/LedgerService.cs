using Microsoft.EntityFrameworkCore;
using Musubi.Infrastructure.Data;
using Musubi.Ledger;

namespace Musubi.Infrastructure.Ledger;

/// <summary>
/// The <see cref="ILedger"/> of the platform: staged entries are rows of <c>ledger_entries</c>, appended ones entry
/// bundles in <c>ledger_bundles</c> (<see cref="LedgerStore"/> reads both); indices from <c>ledger_state</c>.
/// </summary>
public sealed class LedgerService(MusubiDbContext db, TimeProvider time) : ILedger
{
    /// <summary>Largest payload the ledger keeps (bigger content is appended by hash).</summary>
    public const int MaxPayloadBytes = 1 << 20;

    /// <summary>Records per <see cref="AppendAsync"/> call.</summary>
    public const int MaxBatch = 100_000;

    public LedgerEntryEntity Stage(LedgerRecord record)
    {
        var entry = ToEntity(record, time.GetUtcNow());
        db.LedgerEntries.Add(entry);
        return entry;
    }

    public async Task<long> AppendAsync(IReadOnlyList<LedgerRecord> records, CancellationToken ct)
    {
        if (records.Count is 0 or > MaxBatch)
        {
            throw new ArgumentOutOfRangeException(nameof(records), $"Append 1 to {MaxBatch} records at a time, not {records.Count}.");
        }

        var now = time.GetUtcNow();
        var rows = records.Select(r => ToEntity(r, now)).ToList();
        var ownTransaction = db.Database.CurrentTransaction is null;
        var tx = db.Database.CurrentTransaction ?? await db.Database.BeginTransactionAsync(ct);
        try
        {
            var next = await LedgerSql.ReserveAsync(db, rows.Count, ct);
            var first = next - rows.Count;
            for (var i = 0; i < rows.Count; i++)
            {
                rows[i].Index = first + i;
            }

            await LedgerBulkWriter.InsertBundlesAsync(db, LedgerBundleCodec.Bundle(rows), ct);
            if (ownTransaction)
            {
                await tx.CommitAsync(ct);
            }

            return first;
        }
        finally
        {
            if (ownTransaction)
            {
                await tx.DisposeAsync();
            }
        }
    }

    public Task<long> AppendHashAsync(string category, Guid? organisationId, ReadOnlyMemory<byte> sha256, CancellationToken ct)
    {
        if (sha256.Length != 32)
        {
            throw new ArgumentException("A SHA-256 is 32 bytes.", nameof(sha256));
        }

        return AppendAsync([HashRecord(category, organisationId, sha256.Span)], ct);
    }

    /// <summary>
    /// The record of content known by its SHA-256: the payload is exactly <c>{"sha256":"&lt;64 lower-case hex digits&gt;"}</c>,
    /// so anyone holding the content can recompute the leaf hash, <c>SHA-256(0x00 ‖ payload)</c>, and look for it.
    /// </summary>
    public static LedgerRecord HashRecord(string category, Guid? organisationId, ReadOnlySpan<byte> sha256)
    {
        if (sha256.Length != 32)
        {
            throw new ArgumentException("A SHA-256 is 32 bytes.", nameof(sha256));
        }

        return new LedgerRecord(category, organisationId, HashPayload(sha256));
    }

    /// <summary>The payload of <see cref="HashRecord"/>.</summary>
    public static byte[] HashPayload(ReadOnlySpan<byte> sha256) =>
        System.Text.Encoding.UTF8.GetBytes($"{{\"sha256\":\"{Convert.ToHexStringLower(sha256)}\"}}");

    internal static LedgerEntryEntity ToEntity(LedgerRecord record, DateTimeOffset at)
    {
        if (!LedgerCategories.IsKnown(record.Category))
        {
            throw new ArgumentException($"Unknown ledger category '{record.Category}'.", nameof(record));
        }

        if (record.Payload.Length > MaxPayloadBytes)
        {
            throw new ArgumentException($"A ledger payload is at most {MaxPayloadBytes} bytes; append larger content by its hash.", nameof(record));
        }

        return new LedgerEntryEntity
        {
            Category = record.Category,
            OrganisationId = record.OrganisationId,
            At = at,
            Payload = record.Payload.ToArray(),
            PayloadLength = record.Payload.Length,
            LeafHash = MerkleHash.Leaf(record.Payload.Span),
        };
    }
}
