using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Musubi.Infrastructure.Data;
using Npgsql;
using NpgsqlTypes;
using SQLitePCL;

namespace Musubi.Infrastructure.Intelligence;

/// <summary>
/// Inserts new object versions and their term rows in the caller's transaction, without EF change tracking: on
/// PostgreSQL the object ids are drawn from the table's identity sequence in one query and both tables are written
/// with binary COPY; on SQLite two prepared INSERTs are stepped on the connection's native handle (the object's id is
/// the row id just inserted). The rows are exactly what SaveChanges would write: <see cref="Columns"/> and
/// <see cref="TermColumns"/> name every mapped property (a test holds them to the EF model), and SQLite's stored forms
/// (DateTimeOffset as <c>DateTimeOffsetToBinaryConverter</c>'s long, Guid as upper-case text, enums as integers) are
/// the ones EF Core's type mappings produce.
/// </summary>
internal static class StixBulkWriter
{
    /// <summary>The columns of <c>stix_objects</c> written here (all but the generated key on SQLite).</summary>
    internal static readonly string[] Columns =
    [
        nameof(StixObjectEntity.StixId), nameof(StixObjectEntity.Type), nameof(StixObjectEntity.VersionKey), nameof(StixObjectEntity.Modified),
        nameof(StixObjectEntity.ModifiedAt), nameof(StixObjectEntity.CreatedAt), nameof(StixObjectEntity.CreatedByRef), nameof(StixObjectEntity.Name),
        nameof(StixObjectEntity.Revoked), nameof(StixObjectEntity.IsLatest), nameof(StixObjectEntity.Tlp), nameof(StixObjectEntity.CreatorOrganisationId),
        nameof(StixObjectEntity.PublishedToPublicFeed), nameof(StixObjectEntity.DateAdded), nameof(StixObjectEntity.Raw),
    ];

    /// <summary>The columns of <c>stix_terms</c> written here (all but the generated key).</summary>
    internal static readonly string[] TermColumns =
    [
        nameof(StixTermEntity.ObjectId), nameof(StixTermEntity.Kind), nameof(StixTermEntity.Value), nameof(StixTermEntity.Path),
    ];

    /// <summary>Writes <paramref name="rows"/> (and their <see cref="StixObjectEntity.Terms"/>), setting each row's and term's ids.</summary>
    public static async Task InsertAsync(MusubiDbContext db, IReadOnlyList<StixObjectEntity> rows, CancellationToken ct)
    {
        _ = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("STIX bulk inserts run inside the import's transaction");
        if (rows.Count == 0)
        {
            return;
        }

        if (db.Database.IsNpgsql())
        {
            await InsertPostgresAsync((NpgsqlConnection)db.Database.GetDbConnection(), rows, ct);
            return;
        }

        if (db.Database.GetDbConnection() is SqliteConnection sqlite && sqlite.Handle is { } handle)
        {
            InsertSqlite(handle, rows, ct);
            return;
        }

        throw new NotSupportedException($"No STIX bulk writer for {db.Database.ProviderName}.");
    }

    /// <summary>A stored version of an id: its row, version key and latest flag.</summary>
    internal readonly record struct StoredRow(long Id, string StixId, string VersionKey, bool IsLatest);

    /// <summary>
    /// The versions already stored of <paramref name="stixIds"/> (distinct), in the caller's transaction. SQLite: one
    /// prepared point lookup per id on the unique (StixId, VersionKey) index, stepped on the native handle (the pages
    /// it reads are the ones the insert of a new version touches next); PostgreSQL: one query with the ids as an array; elsewhere a query per 500 ids.
    /// </summary>
    public static async Task<List<StoredRow>> ReadVersionsAsync(MusubiDbContext db, IReadOnlyList<string> stixIds, CancellationToken ct)
    {
        var found = new List<StoredRow>();
        if (stixIds.Count == 0)
        {
            return found;
        }

        if (!db.Database.IsNpgsql() && db.Database.GetDbConnection() is SqliteConnection { Handle: { } handle }
            && db.Database.CurrentTransaction is not null)
        {
            Check(handle, raw.sqlite3_prepare_v2(handle,
                $"SELECT \"{nameof(StixObjectEntity.Id)}\", \"{nameof(StixObjectEntity.VersionKey)}\", \"{nameof(StixObjectEntity.IsLatest)}\" FROM stix_objects WHERE \"{nameof(StixObjectEntity.StixId)}\" = ?1",
                out var select));
            using (select)
            {
                foreach (var id in stixIds)
                {
                    ct.ThrowIfCancellationRequested();
                    Text(handle, select, 1, id);
                    int step;
                    while ((step = raw.sqlite3_step(select)) == raw.SQLITE_ROW)
                    {
                        found.Add(new StoredRow(raw.sqlite3_column_int64(select, 0), id, raw.sqlite3_column_text(select, 1).utf8_to_string(),
                            raw.sqlite3_column_int(select, 2) != 0));
                    }

                    raw.sqlite3_reset(select);
                    if (step != raw.SQLITE_DONE)
                    {
                        throw new SqliteException($"Reading the stored versions of {id} failed: {raw.sqlite3_errmsg(handle).utf8_to_string()}", step);
                    }
                }
            }

            return found;
        }

        if (db.Database.IsNpgsql())
        {
            // One query for the whole input: the ids as one text[] parameter.
            await using var command = new NpgsqlCommand(
                $"SELECT \"{nameof(StixObjectEntity.Id)}\", \"{nameof(StixObjectEntity.StixId)}\", \"{nameof(StixObjectEntity.VersionKey)}\", \"{nameof(StixObjectEntity.IsLatest)}\" FROM stix_objects WHERE \"{nameof(StixObjectEntity.StixId)}\" = ANY($1)",
                (NpgsqlConnection)db.Database.GetDbConnection(), (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction());
            command.Parameters.Add(new NpgsqlParameter { Value = stixIds.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                found.Add(new StoredRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetBoolean(3)));
            }

            return found;
        }

        foreach (var chunk in stixIds.Chunk(500))
        {
            var rows = await db.StixObjects.AsNoTracking().Where(x => chunk.Contains(x.StixId))
                .Select(x => new { x.Id, x.StixId, x.VersionKey, x.IsLatest }).ToListAsync(ct);
            found.AddRange(rows.Select(r => new StoredRow(r.Id, r.StixId, r.VersionKey, r.IsLatest)));
        }

        return found;
    }

    private static async Task InsertPostgresAsync(NpgsqlConnection connection, IReadOnlyList<StixObjectEntity> rows, CancellationToken ct)
    {
        // Ids from the identity sequence, ascending, so that rows added together keep the envelope's order in
        // (date_added, id) paging.
        var ids = new List<long>(rows.Count);
        await using (var command = new NpgsqlCommand(
            "SELECT nextval(pg_get_serial_sequence('stix_objects', 'Id')) FROM generate_series(1, $1)", connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = rows.Count, NpgsqlDbType = NpgsqlDbType.Integer });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                ids.Add(reader.GetInt64(0));
            }
        }

        ids.Sort();
        for (var i = 0; i < rows.Count; i++)
        {
            rows[i].Id = ids[i];
            foreach (var t in rows[i].Terms)
            {
                t.ObjectId = ids[i];
            }
        }

        var columns = string.Join(", ", Columns.Prepend(nameof(StixObjectEntity.Id)).Select(c => $"\"{c}\""));
        await using (var import = await connection.BeginBinaryImportAsync($"COPY stix_objects ({columns}) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var r in rows)
            {
                await import.StartRowAsync(ct);
                await import.WriteAsync(r.Id, NpgsqlDbType.Bigint, ct);
                await import.WriteAsync(r.StixId, NpgsqlDbType.Varchar, ct);
                await import.WriteAsync(r.Type, NpgsqlDbType.Varchar, ct);
                await import.WriteAsync(r.VersionKey, NpgsqlDbType.Varchar, ct);
                await WriteNullableAsync(import, r.Modified, NpgsqlDbType.Varchar, ct);
                await WriteNullableAsync(import, r.ModifiedAt, ct);
                await WriteNullableAsync(import, r.CreatedAt, ct);
                await WriteNullableAsync(import, r.CreatedByRef, NpgsqlDbType.Varchar, ct);
                await WriteNullableAsync(import, r.Name, NpgsqlDbType.Varchar, ct);
                await import.WriteAsync(r.Revoked, NpgsqlDbType.Boolean, ct);
                await import.WriteAsync(r.IsLatest, NpgsqlDbType.Boolean, ct);
                await import.WriteAsync((int)r.Tlp, NpgsqlDbType.Integer, ct);
                await import.WriteAsync(r.CreatorOrganisationId, NpgsqlDbType.Uuid, ct);
                await import.WriteAsync(r.PublishedToPublicFeed, NpgsqlDbType.Boolean, ct);
                await import.WriteAsync(r.DateAdded.ToUniversalTime(), NpgsqlDbType.TimestampTz, ct);
                await import.WriteAsync(r.Raw, NpgsqlDbType.Text, ct);
            }

            await import.CompleteAsync(ct);
        }

        var termColumns = string.Join(", ", TermColumns.Select(c => $"\"{c}\""));
        await using (var import = await connection.BeginBinaryImportAsync($"COPY stix_terms ({termColumns}) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var r in rows)
            {
                foreach (var t in r.Terms)
                {
                    await import.StartRowAsync(ct);
                    await import.WriteAsync(t.ObjectId, NpgsqlDbType.Bigint, ct);
                    await import.WriteAsync((int)t.Kind, NpgsqlDbType.Integer, ct);
                    await import.WriteAsync(t.Value, NpgsqlDbType.Varchar, ct);
                    await WriteNullableAsync(import, t.Path, NpgsqlDbType.Varchar, ct);
                }
            }

            await import.CompleteAsync(ct);
        }
    }

    private static Task WriteNullableAsync(NpgsqlBinaryImporter import, string? value, NpgsqlDbType type, CancellationToken ct) =>
        value is null ? import.WriteNullAsync(ct) : import.WriteAsync(value, type, ct);

    private static Task WriteNullableAsync(NpgsqlBinaryImporter import, DateTimeOffset? value, CancellationToken ct) =>
        value is { } v ? import.WriteAsync(v.ToUniversalTime(), NpgsqlDbType.TimestampTz, ct) : import.WriteNullAsync(ct);

    private static void InsertSqlite(sqlite3 handle, IReadOnlyList<StixObjectEntity> rows, CancellationToken ct)
    {
        var objectSql = $"INSERT INTO stix_objects ({string.Join(", ", Columns.Select(c => $"\"{c}\""))}) VALUES ({string.Join(", ", Columns.Select((_, i) => $"?{i + 1}"))})";
        var termSql = $"INSERT INTO stix_terms ({string.Join(", ", TermColumns.Select(c => $"\"{c}\""))}) VALUES (?1, ?2, ?3, ?4)";
        Check(handle, raw.sqlite3_prepare_v2(handle, objectSql, out var objects));
        using (objects)
        {
            Check(handle, raw.sqlite3_prepare_v2(handle, termSql, out var terms));
            using (terms)
            {
                foreach (var r in rows)
                {
                    ct.ThrowIfCancellationRequested();
                    Text(handle, objects, 1, r.StixId);
                    Text(handle, objects, 2, r.Type);
                    Text(handle, objects, 3, r.VersionKey);
                    Text(handle, objects, 4, r.Modified);
                    Time(handle, objects, 5, r.ModifiedAt);
                    Time(handle, objects, 6, r.CreatedAt);
                    Text(handle, objects, 7, r.CreatedByRef);
                    Text(handle, objects, 8, r.Name);
                    Check(handle, raw.sqlite3_bind_int(objects, 9, r.Revoked ? 1 : 0));
                    Check(handle, raw.sqlite3_bind_int(objects, 10, r.IsLatest ? 1 : 0));
                    Check(handle, raw.sqlite3_bind_int(objects, 11, (int)r.Tlp));
                    Text(handle, objects, 12, SqliteGuid(r.CreatorOrganisationId));
                    Check(handle, raw.sqlite3_bind_int(objects, 13, r.PublishedToPublicFeed ? 1 : 0));
                    Time(handle, objects, 14, r.DateAdded);
                    Text(handle, objects, 15, r.Raw);
                    Step(handle, objects, r.StixId);
                    r.Id = raw.sqlite3_last_insert_rowid(handle);
                    foreach (var t in r.Terms)
                    {
                        t.ObjectId = r.Id;
                        Check(handle, raw.sqlite3_bind_int64(terms, 1, t.ObjectId));
                        Check(handle, raw.sqlite3_bind_int(terms, 2, (int)t.Kind));
                        Text(handle, terms, 3, t.Value);
                        Text(handle, terms, 4, t.Path);
                        Step(handle, terms, r.StixId);
                        t.Id = raw.sqlite3_last_insert_rowid(handle);
                    }
                }
            }
        }
    }

    /// <summary>EF Core's SQLite form of a Guid: its text, upper case.</summary>
    internal static string SqliteGuid(Guid g) => g.ToString().ToUpperInvariant();

    /// <summary>The SQLite form of a DateTimeOffset in this model: <c>DateTimeOffsetToBinaryConverter</c>'s (MusubiDbContext.ConfigureConventions).</summary>
    private static readonly Func<DateTimeOffset, long> Binary = new DateTimeOffsetToBinaryConverter().ConvertToProviderExpression.Compile();

    private static void Text(sqlite3 handle, sqlite3_stmt statement, int index, string? value) =>
        Check(handle, value is null ? raw.sqlite3_bind_null(statement, index) : raw.sqlite3_bind_text(statement, index, value));

    private static void Time(sqlite3 handle, sqlite3_stmt statement, int index, DateTimeOffset? value) =>
        Check(handle, value is { } v ? raw.sqlite3_bind_int64(statement, index, Binary(v)) : raw.sqlite3_bind_null(statement, index));

    private static void Step(sqlite3 handle, sqlite3_stmt statement, string what)
    {
        var step = raw.sqlite3_step(statement);
        if (step != raw.SQLITE_DONE)
        {
            raw.sqlite3_reset(statement);
            throw new SqliteException(string.Create(CultureInfo.InvariantCulture,
                $"Storing STIX object {what} failed: {raw.sqlite3_errmsg(handle).utf8_to_string()}"), step);
        }

        Check(handle, raw.sqlite3_reset(statement));
    }

    private static void Check(sqlite3 handle, int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw new SqliteException($"SQLite error {rc}: {raw.sqlite3_errmsg(handle).utf8_to_string()}", rc);
        }
    }
}
