using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Infrastructure;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Ledger;
using Musubi.Infrastructure.Setup;
using Musubi.Ledger.Storage;

namespace Musubi.Benchmarks.Ledger;

/// <summary>
/// The production append path on PostgreSQL (binary COPY, one transaction per batch), against the file log in the same
/// run. Needs a PostgreSQL database in <c>MUSUBI_BENCH_PG</c> (a connection string; the database is migrated and
/// filled). The figure is only a durable one if that server runs with <c>fsync=on</c> and
/// <c>synchronous_commit=on</c> (the test fixture's throwaway server turns both off); docs/BENCHMARKS.md says how the
/// measured server was started.
/// </summary>
[Config(typeof(InProcessShortRun))]
[MemoryDiagnoser]
[OperationsPerSecond]
public class LedgerPostgresAppendBenchmarks
{
    public const string EnvironmentVariable = "MUSUBI_BENCH_PG";
    private const int PayloadSize = 256;
    private const int Batch = 10_000;
    private string folder = null!;
    private ServiceProvider services = null!;
    private FileMerkleLog log = null!;
    private LedgerRecord[] records = null!;
    private ReadOnlyMemory<byte>[] entries = null!;

    [GlobalSetup]
    public void Setup()
    {
        var connectionString = Environment.GetEnvironmentVariable(EnvironmentVariable)
            ?? throw new InvalidOperationException($"Set {EnvironmentVariable} to a PostgreSQL connection string (fsync=on for a durable figure).");
        folder = Directory.CreateTempSubdirectory("musubi-ledger-pg-append-").FullName;
        services = LedgerPlatformBench.Open(new DatabaseOptions { Provider = "postgres", ConnectionString = connectionString });

        log = FileMerkleLog.Open(Path.Combine(folder, "ledger.log"));
        (records, entries) = LedgerPlatformBench.RawEvents(Batch, PayloadSize);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        LedgerPlatformBench.ReportMonitor(services, "postgres ledger");

        services.Dispose();
        log.Dispose();
        Directory.Delete(folder, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch, Description = "file log: AppendBatch of 10,000 (fsync), per entry")]
    public ulong FileLog() => log.AppendBatch(entries);

    [Benchmark(OperationsPerInvoke = Batch, Description = "PostgreSQL: AppendAsync of 10,000 (COPY, one commit), per entry")]
    public async Task<long> Postgres()
    {
        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ILedger>().AppendAsync(records, CancellationToken.None);
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "PostgreSQL: AppendAsync of 10,000 + tiles caught up, per entry")]
    public async Task<long> PostgresAndTree()
    {
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ILedger>().AppendAsync(records, CancellationToken.None);
        return await scope.ServiceProvider.GetRequiredService<LedgerTree>().CatchUpAsync(CancellationToken.None);
    }
}
