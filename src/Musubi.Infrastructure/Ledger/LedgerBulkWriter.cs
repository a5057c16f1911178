using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Musubi.Infrastructure.Data;
using Npgsql;
using NpgsqlTypes;

namespace Musubi.Infrastructure.Ledger;

/// <summary>
/// Inserts appended entries in the caller's transaction as fast as each provider allows: PostgreSQL's binary COPY,
/// and on SQLite one prepared single-row INSERT rebound per row (Microsoft.Data.Sqlite binds parameters by a linear
/// search, so multi-row statements cost quadratic time there). Values go through the model's converters, so the rows
/// are exactly what SaveChanges would write.
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

        var entity = db.Model.FindEntityType(typeof(LedgerEntryEntity))!;
        var properties = Columns.Select(c => entity.FindProperty(c)!).ToArray();
        var converters = properties.Select(p => p.GetTypeMapping().Converter).ToArray();
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"INSERT INTO ledger_entries ({string.Join(", ", Columns.Select(c => $"\"{c}\""))}) " +
            $"VALUES ({string.Join(", ", Columns.Select((_, i) => $"$p{i}"))})";
        var parameters = new System.Data.Common.DbParameter[Columns.Length];
        for (var i = 0; i < Columns.Length; i++)
        {
            parameters[i] = command.CreateParameter();
            parameters[i].ParameterName = $"$p{i}";
            command.Parameters.Add(parameters[i]);
        }

        var values = new object?[Columns.Length];
        foreach (var r in rows)
        {
            values[0] = r.Index;
            values[1] = r.Category;
            values[2] = r.OrganisationId;
            values[3] = r.At;
            values[4] = r.LeafHash;
            values[5] = r.Payload;
            values[6] = r.PayloadLength;
            for (var i = 0; i < values.Length; i++)
            {
                var value = values[i] is { } v && converters[i] is { } converter ? converter.ConvertToProvider(v) : values[i];
                parameters[i].Value = value ?? DBNull.Value;
            }

            await command.ExecuteNonQueryAsync(ct);
        }
    }
}
