using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Musubi.Infrastructure.Constituency;
using Musubi.Infrastructure.Data;
using Musubi.Ledger;
using Musubi.Ledger.Checkpoints;

namespace Musubi.Infrastructure.Ledger;

public sealed record CheckpointDto(long TreeSize, string RootHash, string Note, DateTimeOffset CreatedAt);

/// <summary>
/// The signing key and the checkpoints. The key (Ed25519) is made on first use, its seed protected with ASP.NET data
/// protection (key ring in the database, like the TOTP secrets), so every node and the CLI sign with the same key.
/// </summary>
public sealed class LedgerCheckpoints(MusubiDbContext db, LedgerTree tree, IDataProtectionProvider protection, LedgerOptions options, TimeProvider time)
{
    private const string Purpose = "Musubi.Ledger.SigningKey";

    /// <summary>The signing key, created if there is none yet.</summary>
    public async Task<(LedgerKeyEntity Row, NoteSigner Signer)> SignerAsync(CancellationToken ct)
    {
        var row = await db.LedgerKeys.AsNoTracking().OrderBy(k => k.CreatedAt).FirstOrDefaultAsync(ct) ?? await CreateKeyAsync(ct);
        var secret = protection.CreateProtector(Purpose).Unprotect(row.PrivateKeyProtected);
        return NoteSigner.TryParse(secret, out var signer, out var error)
            ? (row, signer!)
            : throw new InvalidDataException($"The ledger signing key cannot be read: {error}");
    }

    /// <summary>Under the counter row's lock, so two nodes (or the job and a request) starting together make one key.</summary>
    private async Task<LedgerKeyEntity> CreateKeyAsync(CancellationToken ct)
    {
        // Protected before the lock: data protection may write its own key ring to the database on first use.
        using var fresh = NoteSigner.Generate(options.Origin);
        var candidate = new LedgerKeyEntity
        {
            Id = Guid.NewGuid(), Name = fresh.KeyName, PublicKey = fresh.Verifier.PublicKeyBytes, CreatedAt = time.GetUtcNow(),
            PrivateKeyProtected = protection.CreateProtector(Purpose).Protect(fresh.ToSecretString()),
        };
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await LedgerSql.LockAsync(db, ct);
        var row = await db.LedgerKeys.AsNoTracking().OrderBy(k => k.CreatedAt).FirstOrDefaultAsync(ct);
        if (row is null)
        {
            row = candidate;
            db.LedgerKeys.Add(row);
            await db.SaveChangesAsync(ct);
        }

        await tx.CommitAsync(ct);
        return row;
    }

    /// <summary>The public key as a signed-note verifier key (<c>name+keyid+base64</c>).</summary>
    public async Task<NoteVerifier> VerifierAsync(CancellationToken ct)
    {
        var row = await db.LedgerKeys.AsNoTracking().OrderBy(k => k.CreatedAt).FirstOrDefaultAsync(ct);
        if (row is null)
        {
            var (_, signer) = await SignerAsync(ct);
            using (signer)
            {
                return signer.Verifier;
            }
        }

        return NoteVerifier.Create(row.Name, row.PublicKey);
    }

    /// <summary>
    /// Brings the tree up to date and signs a checkpoint of it, unless the latest checkpoint already has this size
    /// (then that one is returned). Returns the checkpoint and whether it is new.
    /// </summary>
    public async Task<(CheckpointDto Checkpoint, bool Created)> CreateAsync(CancellationToken ct)
    {
        var size = await tree.CatchUpAsync(ct);
        var latest = await LatestEntityAsync(ct);
        if (latest is not null && latest.TreeSize >= size)
        {
            return (ToDto(latest), false);
        }

        var hashes = await tree.OpenAsync(ct);
        var root = MerkleTree.RootHash(hashes, (ulong)size);
        var (key, signer) = await SignerAsync(ct);
        using (signer)
        {
            var note = new Checkpoint(options.Origin, (ulong)size, root).Sign(signer);
            var row = new LedgerCheckpointEntity { TreeSize = size, RootHash = root, Note = note, KeyId = key.Id, CreatedAt = time.GetUtcNow() };
            db.LedgerCheckpoints.Add(row);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // Another node signed the same size first: theirs stands.
                db.ChangeTracker.Clear();
                return (ToDto(await db.LedgerCheckpoints.AsNoTracking().SingleAsync(c => c.TreeSize == size, ct)), false);
            }

            return (ToDto(row), true);
        }
    }

    public async Task<CheckpointDto?> LatestAsync(CancellationToken ct) => await LatestEntityAsync(ct) is { } c ? ToDto(c) : null;

    /// <summary>Checkpoints, newest first.</summary>
    public async Task<Paged<CheckpointDto>> HistoryAsync(int page, int pageSize, CancellationToken ct)
    {
        page = Math.Max(1, page);
        pageSize = Math.Clamp(pageSize, 1, 500);
        var total = await db.LedgerCheckpoints.CountAsync(ct);
        var rows = await db.LedgerCheckpoints.AsNoTracking().OrderByDescending(c => c.TreeSize).Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(ct);
        return new Paged<CheckpointDto>([.. rows.Select(ToDto)], page, pageSize, total);
    }

    internal Task<LedgerCheckpointEntity?> LatestEntityAsync(CancellationToken ct) =>
        db.LedgerCheckpoints.AsNoTracking().OrderByDescending(c => c.TreeSize).FirstOrDefaultAsync(ct);

    internal static CheckpointDto ToDto(LedgerCheckpointEntity c) => new(c.TreeSize, Convert.ToHexStringLower(c.RootHash), c.Note, c.CreatedAt);
}
