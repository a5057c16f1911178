using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Musubi.Infrastructure.Data;
using Npgsql;
using NpgsqlTypes;
using SQLitePCL;

namespace Musubi.Infrastructure.Ledger;

/// <summary>
/// Inserts appended entry bundles in the caller's transaction: PostgreSQL's binary COPY, and on SQLite one prepared
/// INSERT on the connection's native handle, stepped per bundle. The rows are exactly what SaveChanges would write
/// (only integers and blobs, so there is no provider-specific text form to match).
/// </summary>
internal static class LedgerBulkWriter
{
    private static readonly string[] Columns =
    [
        nameof(LedgerBundleEntity.FirstIndex), nameof(LedgerBundleEntity.Count), nameof(LedgerBundleEntity.FirstAtTicks),
        nameof(LedgerBundleEntity.LastAtTicks), nameof(LedgerBundleEntity.PayloadsKept), nameof(LedgerBundleEntity.LeafHashes),
        nameof(LedgerBundleEntity.Entries),
    ];

    public static async Task InsertBundlesAsync(MusubiDbContext db, IReadOnlyList<LedgerBundleEntity> bundles, CancellationToken ct)
    {
        _ = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("ledger appends run inside a transaction");
        var columns = string.Join(", ", Columns.Select(c => $"\"{c}\""));
        if (db.Database.IsNpgsql())
        {
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            await using var import = await connection.BeginBinaryImportAsync($"COPY ledger_bundles ({columns}) FROM STDIN (FORMAT BINARY)", ct);
            foreach (var b in bundles)
            {
                await import.StartRowAsync(ct);
                await import.WriteAsync(b.FirstIndex, NpgsqlDbType.Bigint, ct);
                await import.WriteAsync(b.Count, NpgsqlDbType.Integer, ct);
                await import.WriteAsync(b.FirstAtTicks, NpgsqlDbType.Bigint, ct);
                await import.WriteAsync(b.LastAtTicks, NpgsqlDbType.Bigint, ct);
                await import.WriteAsync(b.PayloadsKept, NpgsqlDbType.Integer, ct);
                await import.WriteAsync(b.LeafHashes, NpgsqlDbType.Bytea, ct);
                await import.WriteAsync(b.Entries, NpgsqlDbType.Bytea, ct);
            }

            await import.CompleteAsync(ct);
            return;
        }

        if (db.Database.GetDbConnection() is SqliteConnection sqlite && sqlite.Handle is { } handle)
        {
            var sql = $"INSERT INTO ledger_bundles ({columns}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
            Check(handle, raw.sqlite3_prepare_v2(handle, sql, out var statement));
            using (statement)
            {
                foreach (var b in bundles)
                {
                    Check(handle, raw.sqlite3_bind_int64(statement, 1, b.FirstIndex));
                    Check(handle, raw.sqlite3_bind_int(statement, 2, b.Count));
                    Check(handle, raw.sqlite3_bind_int64(statement, 3, b.FirstAtTicks));
                    Check(handle, raw.sqlite3_bind_int64(statement, 4, b.LastAtTicks));
                    Check(handle, raw.sqlite3_bind_int(statement, 5, b.PayloadsKept));
                    Check(handle, raw.sqlite3_bind_blob(statement, 6, b.LeafHashes));
                    Check(handle, raw.sqlite3_bind_blob(statement, 7, b.Entries));
                    var step = raw.sqlite3_step(statement);
                    if (step != raw.SQLITE_DONE)
                    {
                        raw.sqlite3_reset(statement);
                        throw new SqliteException($"Inserting ledger bundle {b.FirstIndex} failed: {raw.sqlite3_errmsg(handle).utf8_to_string()}", step);
                    }

                    Check(handle, raw.sqlite3_reset(statement));
                }
            }

            return;
        }

        throw new NotSupportedException($"No ledger bulk writer for {db.Database.ProviderName}.");
    }

    private static void Check(sqlite3 handle, int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw new SqliteException($"SQLite error {rc}: {raw.sqlite3_errmsg(handle).utf8_to_string()}", rc);
        }
    }
}
