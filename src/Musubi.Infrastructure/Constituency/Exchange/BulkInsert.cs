using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Musubi.Infrastructure.Constituency.Exchange;

/// <summary>
/// Inserts many rows of one entity with multi-row INSERT statements in the context's current transaction, instead of
/// one tracked entity at a time: tens of thousands of network blocks in about a second on SQLite and PostgreSQL.
/// Table and column names, value conversions (enums as text, SQLite's DateTimeOffset as a number) and quoting all
/// come from the EF model, so the rows are exactly what SaveChanges would have written.
/// </summary>
internal static class BulkInsert
{
    /// <summary>
    /// Rows per statement. Microsoft.Data.Sqlite binds each parameter by a linear search of the command's parameters,
    /// so long statements cost it quadratic time: short ones are fastest there. PostgreSQL takes long ones gladly.
    /// </summary>
    private const int SqliteRows = 64;
    private const int OtherRows = 1000;

    public static async Task InsertAsync<T>(DbContext db, IReadOnlyList<T> rows, Action<int>? inserted, CancellationToken ct)
        where T : class
    {
        if (rows.Count == 0)
        {
            return;
        }

        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model");
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var sql = db.GetService<ISqlGenerationHelper>();
        var properties = entity.GetProperties().ToList();
        var mappings = properties.Select(p => p.GetRelationalTypeMapping()).ToList();
        var head = $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} ({string.Join(", ", properties.Select(p => sql.DelimitIdentifier(p.GetColumnName(table)!)))}) VALUES ";
        var perStatement = db.Database.IsSqlite() ? SqliteRows : OtherRows;
        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("bulk inserts run inside the import's transaction");

        foreach (var chunk in rows.Chunk(perStatement))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var text = new StringBuilder(head);
            var n = 0;
            for (var r = 0; r < chunk.Length; r++)
            {
                text.Append(r == 0 ? "(" : ", (");
                for (var c = 0; c < properties.Count; c++)
                {
                    var name = "p" + n++.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    var value = properties[c].PropertyInfo!.GetValue(chunk[r]);
                    command.Parameters.Add(mappings[c].CreateParameter(command, sql.GenerateParameterName(name), value, properties[c].IsNullable));
                    text.Append(c == 0 ? "" : ", ").Append(sql.GenerateParameterNamePlaceholder(name));
                }

                text.Append(')');
            }

            command.CommandText = text.ToString();
            await command.ExecuteNonQueryAsync(ct);
            inserted?.Invoke(chunk.Length);
        }
    }

    public static bool IsUniqueViolation(Exception e) =>
        e is DbException or DbUpdateException
        && ((e.InnerException ?? e).Message.Contains("UNIQUE", StringComparison.OrdinalIgnoreCase)
            || (e.InnerException ?? e).Message.Contains("duplicate key", StringComparison.OrdinalIgnoreCase));
}
