using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Musubi.Infrastructure.Data;
using Npgsql;
using NpgsqlTypes;
using SQLitePCL;

namespace Musubi.Infrastructure.Ledger;

/// <summary>
/// Inserts appended entries in the caller's transaction as fast as each provider allows: PostgreSQL's binary COPY,
/// and on SQLite one prepared single-row INSERT on the connection's native handle, rebound per row (Microsoft.Data.Sqlite
/// binds parameters by a linear search, so multi-row statements cost quadratic time there, and its command adds
/// several microseconds per execution). The rows are exactly what SaveChanges would write.
/// </summary>
internal static class LedgerBulkWriter
{
    private static readonly string[] Columns =
    [
        nameof(LedgerEntryEntity.Index), nameof(LedgerEntryEntity.Category), nameof(LedgerEntryEntity.OrganisationId),
        nameof(LedgerEntryEntity.At), nameof(LedgerEntryEntity.LeafHash), nameof(LedgerEntryEntity.Payload), nameof(LedgerEntryEntity.PayloadLength),
    ];

    public static async Task InsertAsync(MusubiDbContext db, IReadOnlyList<LedgerEntryEntity> rows, CancellationToken ct)
    {
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("ledger appends run inside a transaction");
        if (db.Database.IsNpgsql())
        {
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            var columns = string.Join(", ", Columns.Select(c => $"\"{c}\""));
            await using var import = await connection.BeginBinaryImportAsync($"COPY ledger_entries ({columns}) FROM STDIN (FORMAT BINARY)", ct);
            foreach (var r in rows)
            {
                await import.StartRowAsync(ct);
                await import.WriteAsync(r.Index, NpgsqlDbType.Bigint, ct);
                await import.WriteAsync(r.Category, NpgsqlDbType.Text, ct);
                if (r.OrganisationId is { } org)
                {
                    await import.WriteAsync(org, NpgsqlDbType.Uuid, ct);
                }
                else
                {
                    await import.WriteNullAsync(ct);
                }

                await import.WriteAsync(r.At.ToUniversalTime(), NpgsqlDbType.TimestampTz, ct);
                await import.WriteAsync(r.LeafHash, NpgsqlDbType.Bytea, ct);
                await import.WriteAsync(r.Payload!, NpgsqlDbType.Bytea, ct);
                await import.WriteAsync(r.PayloadLength, NpgsqlDbType.Integer, ct);
            }

            await import.CompleteAsync(ct);
            return;
        }

        if (db.Database.GetDbConnection() is SqliteConnection sqlite && sqlite.Handle is { } handle)
        {
            var at = db.Model.FindEntityType(typeof(LedgerEntryEntity))!.FindProperty(nameof(LedgerEntryEntity.At))!.GetTypeMapping().Converter;
            InsertSqlite(handle, rows, at);
            return;
        }

        throw new NotSupportedException($"No ledger bulk writer for {db.Database.ProviderName}.");
    }

    /// <summary>
    /// SQLite: one statement prepared on the connection's own handle (so it runs in the open transaction), bound by
    /// position and stepped per row. Values are written exactly as EF Core's SQLite provider writes them (a GUID as
    /// upper-case text, a time as <c>yyyy-MM-dd HH:mm:ss.FFFFFFFzzz</c> text), which the tests check by reading the rows
    /// back through the model. Going through <c>SqliteCommand</c> instead cost several times more per row (parameter
    /// lookup by name, value boxing, a data reader per execution).
    /// </summary>
    private static void InsertSqlite(sqlite3 handle, IReadOnlyList<LedgerEntryEntity> rows, ValueConverter? atConverter)
    {
        var sql = $"INSERT INTO ledger_entries ({string.Join(", ", Columns.Select(c => $"\"{c}\""))}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
        Check(handle, raw.sqlite3_prepare_v2(handle, sql, out var statement));
        using (statement)
        {
            Guid? lastOrganisation = null;
            string? organisationText = null;
            var lastAt = default(DateTimeOffset);
            object? atValue = null;
            foreach (var r in rows)
            {
                if (r.OrganisationId != lastOrganisation || (organisationText is null && r.OrganisationId is not null))
                {
                    lastOrganisation = r.OrganisationId;
                    organisationText = r.OrganisationId?.ToString("D", CultureInfo.InvariantCulture).ToUpperInvariant();
                }

                if (atValue is null || r.At != lastAt || r.At.Offset != lastAt.Offset)
                {
                    lastAt = r.At;
                    atValue = atConverter is null
                        ? r.At.ToString(@"yyyy\-MM\-dd HH\:mm\:ss.FFFFFFFzzz", CultureInfo.InvariantCulture)
                        : atConverter.ConvertToProvider(r.At);
                }

                Check(handle, raw.sqlite3_bind_int64(statement, 1, r.Index));
                Check(handle, raw.sqlite3_bind_text(statement, 2, r.Category));
                Check(handle, organisationText is null ? raw.sqlite3_bind_null(statement, 3) : raw.sqlite3_bind_text(statement, 3, organisationText));
                Check(handle, atValue switch
                {
                    long ticks => raw.sqlite3_bind_int64(statement, 4, ticks),
                    string text => raw.sqlite3_bind_text(statement, 4, text),
                    _ => throw new InvalidOperationException($"Unexpected stored form {atValue?.GetType()} of a ledger time."),
                });
                Check(handle, raw.sqlite3_bind_blob(statement, 5, r.LeafHash));
                Check(handle, r.Payload is null ? raw.sqlite3_bind_null(statement, 6) : raw.sqlite3_bind_blob(statement, 6, r.Payload));
                Check(handle, raw.sqlite3_bind_int(statement, 7, r.PayloadLength));
                var step = raw.sqlite3_step(statement);
                if (step != raw.SQLITE_DONE)
                {
                    raw.sqlite3_reset(statement);
                    throw new SqliteException($"Inserting ledger entry {r.Index} failed: {raw.sqlite3_errmsg(handle).utf8_to_string()}", step);
                }

                Check(handle, raw.sqlite3_reset(statement));
            }
        }
    }

    private static void Check(sqlite3 handle, int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw new SqliteException($"SQLite error {rc}: {raw.sqlite3_errmsg(handle).utf8_to_string()}", rc);
        }
    }
}
