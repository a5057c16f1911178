using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Data;
using Musubi.Ledger;

namespace Musubi.Infrastructure.Ledger;

public sealed record LedgerEntryDto(
    long Index, string Category, Guid? OrganisationId, DateTimeOffset At, string LeafHash, string? Payload, int PayloadLength,
    DateTimeOffset? PayloadRemovedAt, string? PayloadRemovedReason, long? AuditEntryId);

public sealed record InclusionProofDto(long Index, long TreeSize, string LeafHash, IReadOnlyList<string> Proof, string RootHash, string? Checkpoint, bool Verified, string Verdict);

public sealed record ConsistencyProofDto(long OldSize, long NewSize, string OldRoot, string NewRoot, IReadOnlyList<string> Proof, bool Verified, string Verdict);

/// <summary>Reading the ledger: entries, roots and proofs, each checked against <see cref="AccessRules"/>.</summary>
public sealed class LedgerQueries(MusubiDbContext db, LedgerTree tree, LedgerCheckpoints checkpoints)
{
    /// <summary>One entry, with its payload (base64) while retention keeps it. Other organisations' entries are "not found".</summary>
    public async Task<LedgerEntryDto> EntryAsync(Actor actor, long index, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanReadLedger(actor), "only administrators with the ledger:read scope may read ledger entries");
        var e = await LedgerStore.AtAsync(db, index, ct);
        if (e is null || !AccessRules.CanReadLedgerEntries(actor, e.OrganisationId))
        {
            throw new NotFoundException("ledger entry", index.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return ToDto(e);
    }

    /// <summary>
    /// The entries whose leaf hash is <paramref name="leafHash"/> (oldest first, at most 1,000), among those the actor may
    /// read: how a received raw event is found from its bytes (docs/LEDGER-FORMAT.md §8). There is deliberately no index
    /// on leaf hashes (it would be a random insert on every append), so this scans the entries.
    /// </summary>
    public async Task<IReadOnlyList<long>> FindLeafAsync(Actor actor, byte[] leafHash, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanReadLedger(actor), "only administrators with the ledger:read scope may read ledger entries");
        if (leafHash.Length != MerkleHash.Size)
        {
            throw new ArgumentException("A leaf hash is 32 bytes.", nameof(leafHash));
        }

        var rows = await LedgerStore.FindLeafAsync(db, leafHash, 1000, ct);
        return [.. rows.Where(r => AccessRules.CanReadLedgerEntries(actor, r.OrganisationId)).Select(r => r.Index)];
    }

    /// <summary>The ledger entry of an audit entry (for the proof view of the audit page).</summary>
    public async Task<long> IndexOfAuditEntryAsync(Actor actor, long auditEntryId, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanReadLedger(actor), "only administrators with the ledger:read scope may read ledger entries");
        var e = await db.LedgerEntries.AsNoTracking().Where(x => x.AuditEntryId == auditEntryId).Select(x => new { x.Index, x.OrganisationId }).SingleOrDefaultAsync(ct);
        return e is null || !AccessRules.CanReadLedgerEntries(actor, e.OrganisationId)
            ? throw new NotFoundException("audit entry", auditEntryId.ToString(System.Globalization.CultureInfo.InvariantCulture))
            : e.Index;
    }

    /// <summary>
    /// The inclusion proof of entry <paramref name="index"/> in the tree of <paramref name="treeSize"/> leaves (default:
    /// the latest checkpoint's), verified here before it is returned.
    /// </summary>
    public async Task<InclusionProofDto> InclusionAsync(Actor actor, long index, long? treeSize, CancellationToken ct)
    {
        var entry = await EntryAsync(actor, index, ct);
        var latest = await checkpoints.LatestEntityAsync(ct);
        if (latest is null || latest.TreeSize <= index)
        {
            (_, _) = await checkpoints.CreateAsync(ct);
            latest = await checkpoints.LatestEntityAsync(ct);
        }

        var size = treeSize ?? latest!.TreeSize;
        var hashes = await tree.OpenAsync(ct);
        if (size <= index || (ulong)size > hashes.TreeSize)
        {
            throw new ValidationFailedException("treeSize", $"must be greater than the index and at most the tree's {hashes.TreeSize}");
        }

        var proof = MerkleTree.InclusionProof(hashes, (ulong)index, (ulong)size);
        var root = MerkleTree.RootHash(hashes, (ulong)size);
        var leaf = Convert.FromHexString(entry.LeafHash);
        var verdict = MerkleVerifier.VerifyInclusion((ulong)index, (ulong)size, leaf, proof, root);
        var signed = await db.LedgerCheckpoints.AsNoTracking().Where(c => c.TreeSize == size).SingleOrDefaultAsync(ct);
        if (signed is not null && !signed.RootHash.AsSpan().SequenceEqual(root))
        {
            verdict = new VerificationResult(VerificationFailure.RootMismatch, "the stored tree no longer leads to the signed root of this size");
        }

        return new InclusionProofDto(index, size, entry.LeafHash, Hex(proof), Convert.ToHexStringLower(root), signed?.Note, verdict.IsValid, verdict.ToString());
    }

    public async Task<ConsistencyProofDto> ConsistencyAsync(Actor actor, long oldSize, long newSize, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanReadLedger(actor), "only administrators with the ledger:read scope may read ledger proofs");
        var hashes = await tree.OpenAsync(ct);
        if (oldSize < 0 || oldSize > newSize || (ulong)newSize > hashes.TreeSize)
        {
            throw new ValidationFailedException("oldSize", $"need 0 ≤ oldSize ≤ newSize ≤ {hashes.TreeSize}");
        }

        var proof = oldSize == 0 || oldSize == newSize ? [] : MerkleTree.ConsistencyProof(hashes, (ulong)oldSize, (ulong)newSize);
        var oldRoot = MerkleTree.RootHash(hashes, (ulong)oldSize);
        var newRoot = MerkleTree.RootHash(hashes, (ulong)newSize);
        var verdict = MerkleVerifier.VerifyConsistency((ulong)oldSize, (ulong)newSize, oldRoot, newRoot, proof);
        return new ConsistencyProofDto(oldSize, newSize, Convert.ToHexStringLower(oldRoot), Convert.ToHexStringLower(newRoot), Hex(proof), verdict.IsValid, verdict.ToString());
    }

    internal static LedgerEntryDto ToDto(LedgerEntryEntity e) => new(
        e.Index, e.Category, e.OrganisationId, e.At, Convert.ToHexStringLower(e.LeafHash), e.Payload is null ? null : Convert.ToBase64String(e.Payload),
        e.PayloadLength, e.PayloadRemovedAt, e.PayloadRemovedReason, e.AuditEntryId);

    internal static List<string> Hex(byte[] flat)
    {
        var list = new List<string>(flat.Length / MerkleHash.Size);
        for (var i = 0; i < flat.Length; i += MerkleHash.Size)
        {
            list.Add(Convert.ToHexStringLower(flat.AsSpan(i, MerkleHash.Size)));
        }

        return list;
    }
}
