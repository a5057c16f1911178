using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Ledger;

/// <summary>The two statements on the ledger's counter row, the same on SQLite and PostgreSQL.</summary>
internal static class LedgerSql
{
    /// <summary>Reserves <paramref name="count"/> indices in the current transaction and returns the counter after.</summary>
    public static async Task<long> ReserveAsync(MusubiDbContext db, int count, CancellationToken ct)
    {
        await using var command = Reserve(db, count);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    public static long Reserve(MusubiDbContext db, int count, bool sync)
    {
        _ = sync;
        using var command = Reserve(db, count);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Takes the counter row's lock (a no-op write) so that no index is handed out until the transaction ends.</summary>
    public static async Task LockAsync(MusubiDbContext db, CancellationToken ct)
    {
        await using var command = Create(db, $"UPDATE ledger_state SET {Q(db, "TreeSize")} = {Q(db, "TreeSize")} WHERE {Q(db, "Id")} = {LedgerStateEntity.SingletonId}");
        await command.ExecuteNonQueryAsync(ct);
    }

    private static DbCommand Reserve(MusubiDbContext db, int count) => Create(db,
        $"UPDATE ledger_state SET {Q(db, "NextIndex")} = {Q(db, "NextIndex")} + {count.ToString(CultureInfo.InvariantCulture)} " +
        $"WHERE {Q(db, "Id")} = {LedgerStateEntity.SingletonId} RETURNING {Q(db, "NextIndex")}");

    private static DbCommand Create(MusubiDbContext db, string sql)
    {
        var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("ledger counter statements run inside a transaction");
        command.CommandText = sql;
        return command;
    }

    private static string Q(MusubiDbContext db, string column) => db.Database.IsNpgsql() ? $"\"{column}\"" : column;
}
