using BenchmarkDotNet.Attributes;
using Musubi.Ledger.Storage;

namespace Musubi.Benchmarks.Ledger;

/// <summary>
/// Appends to the file log, each batch made durable by its own fsync before the call returns; every figure is per
/// entry (Op/s = durable appends per second). Entries are 256 random bytes, hashed as leaves inside the append.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
[OperationsPerSecond]
public class LedgerAppendBenchmarks
{
    private const int PayloadSize = 256;
    private string folder = null!;
    private FileMerkleLog log = null!;
    private ReadOnlyMemory<byte>[] batch1000 = null!;
    private ReadOnlyMemory<byte>[] batch10000 = null!;

    [GlobalSetup]
    public void Setup()
    {
        folder = Directory.CreateTempSubdirectory("musubi-ledger-append-").FullName;
        log = FileMerkleLog.Open(Path.Combine(folder, "ledger.log"));
        var random = new Random(LedgerBenchData.Seed);
        batch10000 = new ReadOnlyMemory<byte>[10_000];
        for (var i = 0; i < batch10000.Length; i++)
        {
            var entry = new byte[PayloadSize];
            random.NextBytes(entry);
            batch10000[i] = entry;
        }

        batch1000 = batch10000[..1_000];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Console.WriteLine($"// appended {log.TreeSize:N0} entries in {log.BatchCount:N0} batches; integrity: {log.VerifyIntegrity() ?? "ok"}");
        log.Dispose();
        Directory.Delete(folder, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = 1_000, Description = "AppendBatch of 1,000 (fsync per batch), per entry")]
    public ulong Batch1000() => log.AppendBatch(batch1000);

    [Benchmark(OperationsPerInvoke = 10_000, Description = "AppendBatch of 10,000 (fsync per batch), per entry")]
    public ulong Batch10000() => log.AppendBatch(batch10000);
}
