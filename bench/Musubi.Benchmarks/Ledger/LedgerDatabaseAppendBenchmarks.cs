using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Infrastructure;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Ledger;
using Musubi.Infrastructure.Setup;
using Musubi.Ledger.Storage;

namespace Musubi.Benchmarks.Ledger;

/// <summary>
/// The production append path: <see cref="ILedger.AppendAsync"/> into the platform database (SQLite in WAL mode, the
/// embedded default), one transaction and so one durable commit per batch, then the tiles brought up to date
/// (<see cref="LedgerTree.CatchUpAsync"/>, its own transaction). Baseline in the same run: the file log with the same
/// batches. Figures are per entry (Op/s = entries per second); entries are 256 random bytes. Runs in-process (the
/// short-run job without a separate build, which timed out on the shared machine).
/// </summary>
[Config(typeof(InProcessShortRun))]
[MemoryDiagnoser]
[OperationsPerSecond]
public class LedgerDatabaseAppendBenchmarks
{
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
        folder = Directory.CreateTempSubdirectory("musubi-ledger-db-append-").FullName;
        services = LedgerPlatformBench.Open(new DatabaseOptions { Provider = "sqlite", ConnectionString = DataServiceCollectionExtensions.SqliteConnectionString(Path.Combine(folder, "musubi.db")) });

        log = FileMerkleLog.Open(Path.Combine(folder, "ledger.log"));
        (records, entries) = LedgerPlatformBench.RawEvents(Batch, PayloadSize);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        LedgerPlatformBench.ReportMonitor(services, "database ledger");

        services.Dispose();
        log.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch, Description = "file log: AppendBatch of 10,000 (fsync), per entry")]
    public ulong FileLog() => log.AppendBatch(entries);

    [Benchmark(OperationsPerInvoke = Batch, Description = "database: AppendAsync of 10,000 (one commit), per entry")]
    public async Task<long> Database()
    {
        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ILedger>().AppendAsync(records, CancellationToken.None);
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "database: AppendAsync of 10,000 + tiles caught up, per entry")]
    public async Task<long> DatabaseAndTree()
    {
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ILedger>().AppendAsync(records, CancellationToken.None);
        return await scope.ServiceProvider.GetRequiredService<LedgerTree>().CatchUpAsync(CancellationToken.None);
    }
}

/// <summary>Three warm-up and three measured iterations, in the benchmark process itself.</summary>
public sealed class InProcessShortRun : ManualConfig
{
    public InProcessShortRun() => AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
}
