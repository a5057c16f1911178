using BenchmarkDotNet.Attributes;
using Musubi.Ledger;
using Musubi.Ledger.Storage;

namespace Musubi.Benchmarks.Ledger;

/// <summary>
/// Proofs from the file log: an inclusion proof for a random leaf, and a consistency proof from a random older size,
/// both for the whole tree. Each call cycles to the next of 4,096 random leaves/sizes, so reads are not served from
/// one cached page. The log files stay in the OS page cache (they fit in memory here), as on a busy server.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
[OperationsPerSecond]
public class LedgerProofBenchmarks
{
    private FileMerkleLog log = null!;
    private ulong[] targets = null!;
    private int next;

    [Params(1_000_000UL, 10_000_000UL)]
    public ulong TreeSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        log = LedgerBenchData.Log(TreeSize);
        var random = new Random(LedgerBenchData.Seed);
        targets = [.. Enumerable.Range(0, 4096).Select(_ => (ulong)random.NextInt64(1, (long)TreeSize))];

        // The proofs must verify, or the figures mean nothing.
        var root = log.Root();
        foreach (var leaf in targets.Take(64))
        {
            var leafHash = new byte[MerkleHash.Size];
            log.ReadHash(new MerkleNode(0, leaf), leafHash);
            if (!MerkleVerifier.VerifyInclusion(leaf, TreeSize, leafHash, MerkleTree.InclusionProof(log, leaf, TreeSize), root).IsValid
                || !MerkleVerifier.VerifyConsistency(leaf, TreeSize, MerkleTree.RootHash(log, leaf), root, MerkleTree.ConsistencyProof(log, leaf, TreeSize)).IsValid)
            {
                throw new InvalidOperationException($"A proof for {leaf} did not verify.");
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup() => log.Dispose();

    [Benchmark(Description = "InclusionProof, random leaf")]
    public int Inclusion() => MerkleTree.InclusionProof(log, targets[next++ & 4095], TreeSize).Length;

    [Benchmark(Description = "ConsistencyProof, random old size")]
    public int Consistency() => MerkleTree.ConsistencyProof(log, targets[next++ & 4095], TreeSize).Length;
}
