using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using SQLitePCL;

namespace Musubi.Infrastructure.Data;

/// <summary>
/// Per-connection settings of the embedded SQLite database, applied once to each native connection (pooled
/// connections keep them): a page cache of <see cref="CacheKibibytes"/> instead of SQLite's 2 MiB default. With the
/// default, a large import (a TAXII envelope of 10,000 objects writes about 10 MiB of pages) spills dirty pages into
/// the WAL in the middle of its transaction, and index pages of a growing store are read again and again; both made
/// each import slower as the database grew. The cache is allocated as pages are used, up to this bound per connection.
/// Durability is unchanged: WAL (set at migration) with SQLite's default <c>synchronous=FULL</c>, so a committed
/// import survives a power loss, not only a process crash (docs/BENCHMARKS.md, TAXII POST, says why NORMAL was not taken).
/// </summary>
public sealed class SqlitePragmas : DbConnectionInterceptor
{
    public const int CacheKibibytes = 64 * 1024;
    public static readonly SqlitePragmas Instance = new();
    private static readonly ConditionalWeakTable<sqlite3, object> Applied = [];

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    public static void Apply(DbConnection connection)
    {
        if (connection is not SqliteConnection { Handle: { } handle } sqlite || Applied.TryGetValue(handle, out _))
        {
            return;
        }

        using var command = sqlite.CreateCommand();
        command.CommandText = $"PRAGMA cache_size = -{CacheKibibytes};";
        command.ExecuteNonQuery();
        Applied.AddOrUpdate(handle, Instance);
    }
}
