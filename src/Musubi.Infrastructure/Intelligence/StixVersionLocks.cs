using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Intelligence;

/// <summary>
/// Serialises writers of the same STIX id inside the caller's transaction, so that "which version is the latest" is
/// decided by one writer at a time. Without it, two concurrent publishes of different versions of one id each read
/// the stored versions, each find theirs the newest and both commit <c>IsLatest = true</c>.
/// PostgreSQL: transaction-scoped advisory locks, one per bucket of ids (at most <see cref="Buckets"/> per transaction,
/// taken in ascending order so two writers cannot deadlock). SQLite: the transaction is begun IMMEDIATE
/// (Microsoft.Data.Sqlite's default), which already holds the database's single write lock.
/// </summary>
public static class StixVersionLocks
{
    public const int Buckets = 1024;
    /// <summary>The first key of the two-key advisory lock: "ST", so no other lock user collides.</summary>
    private const int LockClass = 0x5354;

    public static async Task LockAsync(MusubiDbContext db, IEnumerable<string> stixIds, CancellationToken ct)
    {
        if (!db.Database.IsNpgsql())
        {
            return;
        }

        var keys = stixIds.Select(Bucket).Distinct().Order().ToArray();
        if (keys.Length == 0)
        {
            return;
        }

        await db.Database.ExecuteSqlAsync($"SELECT count(pg_advisory_xact_lock({LockClass}, k)) FROM unnest({keys}) AS k", ct);
    }

    public static int Bucket(string stixId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(stixId), hash);
        return (int)(BitConverter.ToUInt32(hash) % Buckets);
    }
}
