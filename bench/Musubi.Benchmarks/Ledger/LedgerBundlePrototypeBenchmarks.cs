using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;
using Musubi.Ledger.Storage;
using Npgsql;
using NpgsqlTypes;
using SQLitePCL;

namespace Musubi.Benchmarks.Ledger;

/// <summary>
/// A PROTOTYPE of the entry-bundle storage proposed for the database ledger (docs/BENCHMARKS.md, "The production append
/// path"): 10,000 entries written as 40 rows of up to 256 consecutive entries (first index, count, last time, the leaf
/// hashes, the entries with category, organisation, time and payload), with the index range reserved from a counter
/// row, all in one transaction and so one durable commit. It is NOT the platform's schema or code: it measures what
/// the write side of that design costs, in a scratch database, against the file log and against the same entries as
/// one row each, in the same run. Entries are 256 random bytes; the leaf hashes are computed inside the measured call.
/// SQLite: WAL, <c>synchronous=FULL</c>. PostgreSQL (only when <c>MUSUBI_BENCH_PG</c> is set, see
/// <see cref="LedgerPostgresAppendBenchmarks"/>): binary COPY; durable only with <c>fsync=on</c>.
/// </summary>
[Config(typeof(InProcessShortRun))]
[MemoryDiagnoser]
[OperationsPerSecond]
public class LedgerBundlePrototypeBenchmarks
{
    private const int PayloadSize = 256;
    private const int Batch = 10_000;
    private const int BundleSize = 256;
    private static readonly byte[] Category = Encoding.UTF8.GetBytes("raw-event");
    private string folder = null!;
    private FileMerkleLog log = null!;
    private ReadOnlyMemory<byte>[] entries = null!;
    private SqliteConnection sqlite = null!;
    private NpgsqlConnection? postgres;
    private readonly byte[] leafInput = new byte[1 + PayloadSize];

    [GlobalSetup]
    public void Setup()
    {
        folder = Directory.CreateTempSubdirectory("musubi-ledger-bundle-proto-").FullName;
        log = FileMerkleLog.Open(Path.Combine(folder, "ledger.log"));
        var random = new Random(LedgerBenchData.Seed);
        entries = new ReadOnlyMemory<byte>[Batch];
        for (var i = 0; i < Batch; i++)
        {
            var payload = new byte[PayloadSize];
            random.NextBytes(payload);
            entries[i] = payload;
        }

        sqlite = new SqliteConnection($"Data Source={Path.Combine(folder, "proto.db")};Pooling=False");
        sqlite.Open();
        Execute(sqlite, """
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=FULL;
            CREATE TABLE state (id INTEGER PRIMARY KEY, next_index INTEGER NOT NULL);
            INSERT INTO state VALUES (1, 0);
            CREATE TABLE bundles (first_index INTEGER PRIMARY KEY, count INTEGER NOT NULL, last_at INTEGER NOT NULL, leaf_hashes BLOB NOT NULL, entries BLOB NOT NULL);
            CREATE INDEX bundles_last_at ON bundles (last_at);
            CREATE TABLE rows (id INTEGER PRIMARY KEY, idx INTEGER NOT NULL UNIQUE, category TEXT NOT NULL, organisation TEXT, at INTEGER NOT NULL, leaf_hash BLOB NOT NULL, payload BLOB, payload_length INTEGER NOT NULL);
            CREATE INDEX rows_at ON rows (at);
            """);
        using (var check = sqlite.CreateCommand())
        {
            check.CommandText = "PRAGMA synchronous";
            if (Convert.ToInt64(check.ExecuteScalar()) != 2)
            {
                throw new InvalidOperationException("SQLite is not at synchronous=FULL");
            }
        }

        if (Environment.GetEnvironmentVariable(LedgerPostgresAppendBenchmarks.EnvironmentVariable) is { } pg)
        {
            postgres = new NpgsqlConnection(pg);
            postgres.Open();
            using var command = postgres.CreateCommand();
            command.CommandText = """
                DROP TABLE IF EXISTS proto_state, proto_bundles, proto_rows;
                CREATE TABLE proto_state (id int PRIMARY KEY, next_index bigint NOT NULL);
                INSERT INTO proto_state VALUES (1, 0);
                CREATE TABLE proto_bundles (first_index bigint PRIMARY KEY, count int NOT NULL, last_at timestamptz NOT NULL, leaf_hashes bytea NOT NULL, entries bytea NOT NULL);
                CREATE INDEX proto_bundles_last_at ON proto_bundles (last_at);
                """ + (Environment.GetEnvironmentVariable("MUSUBI_BENCH_PG_STORAGE") is { } storage
                    && new[] { "PLAIN", "MAIN", "EXTERNAL", "EXTENDED" }.Contains(storage.ToUpperInvariant())
                    ? $"ALTER TABLE proto_bundles ALTER COLUMN leaf_hashes SET STORAGE {storage}, ALTER COLUMN entries SET STORAGE {storage};"
                    : "");
            command.ExecuteNonQuery();
            command.CommandText = "SHOW fsync";
            var fsync = command.ExecuteScalar() as string;
            Console.WriteLine($"// PostgreSQL fsync={fsync}, bundle column storage {Environment.GetEnvironmentVariable("MUSUBI_BENCH_PG_STORAGE") ?? "default (EXTENDED: TOAST with compression)"}");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        using (var count = sqlite.CreateCommand())
        {
            count.CommandText = "SELECT (SELECT coalesce(sum(count), 0) FROM bundles), (SELECT count(*) FROM rows), (SELECT next_index FROM state)";
            using var reader = count.ExecuteReader();
            reader.Read();
            Console.WriteLine($"// sqlite prototype: {reader.GetInt64(0):N0} entries in bundles, {reader.GetInt64(1):N0} as rows, counter {reader.GetInt64(2):N0}");
        }

        sqlite.Dispose();
        postgres?.Dispose();
        log.Dispose();
        Directory.Delete(folder, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch, Description = "file log: AppendBatch of 10,000 (fsync), per entry")]
    public ulong FileLog() => log.AppendBatch(entries);

    [Benchmark(OperationsPerInvoke = Batch, Description = "SQLite prototype: 10,000 as one row each (one commit), per entry")]
    public long SqliteRows()
    {
        using var transaction = sqlite.BeginTransaction();
        var handle = sqlite.Handle!;
        var first = Reserve(handle);
        var hash = new byte[32];
        Check(handle, raw.sqlite3_prepare_v2(handle, "INSERT INTO rows (idx, category, organisation, at, leaf_hash, payload, payload_length) VALUES (?1, ?2, NULL, ?3, ?4, ?5, ?6)", out var statement));
        using (statement)
        {
            var at = DateTimeOffset.UtcNow.UtcTicks;
            for (var i = 0; i < Batch; i++)
            {
                LeafHash(entries[i].Span, hash);
                Check(handle, raw.sqlite3_bind_int64(statement, 1, first + i));
                Check(handle, raw.sqlite3_bind_text(statement, 2, "raw-event"));
                Check(handle, raw.sqlite3_bind_int64(statement, 3, at));
                Check(handle, raw.sqlite3_bind_blob(statement, 4, hash));
                Check(handle, raw.sqlite3_bind_blob(statement, 5, entries[i].Span));
                Check(handle, raw.sqlite3_bind_int(statement, 6, entries[i].Length));
                Step(handle, statement);
            }
        }

        transaction.Commit();
        return first;
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "SQLite prototype: 10,000 as 40 bundles of 256 (one commit), per entry")]
    public long SqliteBundles()
    {
        using var transaction = sqlite.BeginTransaction();
        var handle = sqlite.Handle!;
        var first = Reserve(handle);
        Check(handle, raw.sqlite3_prepare_v2(handle, "INSERT INTO bundles (first_index, count, last_at, leaf_hashes, entries) VALUES (?1, ?2, ?3, ?4, ?5)", out var statement));
        using (statement)
        {
            var at = DateTimeOffset.UtcNow.UtcTicks;
            for (var start = 0; start < Batch; start += BundleSize)
            {
                var count = Math.Min(BundleSize, Batch - start);
                var (hashes, body) = Encode(start, count, at);
                Check(handle, raw.sqlite3_bind_int64(statement, 1, first + start));
                Check(handle, raw.sqlite3_bind_int(statement, 2, count));
                Check(handle, raw.sqlite3_bind_int64(statement, 3, at));
                Check(handle, raw.sqlite3_bind_blob(statement, 4, hashes));
                Check(handle, raw.sqlite3_bind_blob(statement, 5, body));
                Step(handle, statement);
            }
        }

        transaction.Commit();
        return first;
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "PostgreSQL prototype: 10,000 as 40 bundles (COPY, one commit), per entry")]
    public async Task<long> PostgresBundles()
    {
        if (postgres is null)
        {
            return -1;
        }

        await using var transaction = await postgres.BeginTransactionAsync();
        long first;
        await using (var reserve = new NpgsqlCommand($"UPDATE proto_state SET next_index = next_index + {Batch} WHERE id = 1 RETURNING next_index", postgres, transaction))
        {
            first = (long)(await reserve.ExecuteScalarAsync())! - Batch;
        }

        var at = DateTimeOffset.UtcNow;
        await using (var import = await postgres.BeginBinaryImportAsync("COPY proto_bundles (first_index, count, last_at, leaf_hashes, entries) FROM STDIN (FORMAT BINARY)"))
        {
            for (var start = 0; start < Batch; start += BundleSize)
            {
                var count = Math.Min(BundleSize, Batch - start);
                var (hashes, body) = Encode(start, count, at.UtcTicks);
                await import.StartRowAsync();
                await import.WriteAsync(first + start, NpgsqlDbType.Bigint);
                await import.WriteAsync(count, NpgsqlDbType.Integer);
                await import.WriteAsync(at, NpgsqlDbType.TimestampTz);
                await import.WriteAsync(hashes, NpgsqlDbType.Bytea);
                await import.WriteAsync(body, NpgsqlDbType.Bytea);
            }

            await import.CompleteAsync();
        }

        await transaction.CommitAsync();
        return first;
    }

    /// <summary>The leaf hashes (32 bytes each) and the entries: per entry category length and bytes, organisation flag (+16 bytes), time ticks, payload length and bytes.</summary>
    private (byte[] Hashes, byte[] Body) Encode(int start, int count, long atTicks)
    {
        var hashes = new byte[count * 32];
        var size = 0;
        for (var i = start; i < start + count; i++)
        {
            size += 1 + Category.Length + 1 + 8 + 4 + entries[i].Length;
        }

        var body = new byte[size];
        var o = 0;
        for (var i = 0; i < count; i++)
        {
            var payload = entries[start + i].Span;
            LeafHash(payload, hashes.AsSpan(i * 32, 32));
            body[o++] = (byte)Category.Length;
            Category.CopyTo(body, o);
            o += Category.Length;
            body[o++] = 0; // no organisation
            BinaryPrimitives.WriteInt64LittleEndian(body.AsSpan(o), atTicks);
            o += 8;
            BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(o), payload.Length);
            o += 4;
            payload.CopyTo(body.AsSpan(o));
            o += payload.Length;
        }

        return (hashes, body);
    }

    private void LeafHash(ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        leafInput[0] = 0;
        payload.CopyTo(leafInput.AsSpan(1));
        SHA256.HashData(leafInput.AsSpan(0, 1 + payload.Length), destination);
    }

    private static long Reserve(sqlite3 handle)
    {
        Check(handle, raw.sqlite3_prepare_v2(handle, $"UPDATE state SET next_index = next_index + {Batch} WHERE id = 1 RETURNING next_index", out var statement));
        using (statement)
        {
            if (raw.sqlite3_step(statement) != raw.SQLITE_ROW)
            {
                throw new InvalidOperationException(raw.sqlite3_errmsg(handle).utf8_to_string());
            }

            var next = raw.sqlite3_column_int64(statement, 0);
            Step(handle, statement);
            return next - Batch;
        }
    }

    private static void Step(sqlite3 handle, sqlite3_stmt statement)
    {
        var step = raw.sqlite3_step(statement);
        if (step != raw.SQLITE_DONE)
        {
            throw new InvalidOperationException($"SQLite step {step}: {raw.sqlite3_errmsg(handle).utf8_to_string()}");
        }

        Check(handle, raw.sqlite3_reset(statement));
    }

    private static void Check(sqlite3 handle, int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw new InvalidOperationException($"SQLite error {rc}: {raw.sqlite3_errmsg(handle).utf8_to_string()}");
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
