using System.Diagnostics;
using Musubi.Ledger;
using Musubi.Ledger.Bundles;
using Musubi.Ledger.Checkpoints;
using Musubi.Ledger.Storage;

namespace Musubi.Benchmarks.Ledger;

/// <summary>
/// The large inputs of the ledger benchmarks, built once and kept in <c>$TMPDIR/musubi-ledger-bench</c> so that each
/// BenchmarkDotNet process (one per case) does not rebuild them: a 10M-leaf log is about 640 MB, a 1M-entry bundle
/// 0.4 to 1.4 GB. Delete the folder when done.
/// </summary>
internal static class LedgerBenchData
{
    public const int Seed = 20261125;

    public static string Folder
    {
        get
        {
            var folder = Path.Combine(Path.GetTempPath(), "musubi-ledger-bench");
            Directory.CreateDirectory(folder);
            return folder;
        }
    }

    /// <summary>A file log of <paramref name="size"/> leaves with random leaf hashes (the tree does not care what they hash).</summary>
    public static FileMerkleLog Log(ulong size)
    {
        var path = Path.Combine(Folder, $"proofs-{size}.log");
        var stopwatch = Stopwatch.StartNew();
        var log = FileMerkleLog.Open(path);
        if (log.TreeSize == size)
        {
            Console.WriteLine($"// reopened {path} ({size:N0} leaves, {new FileInfo(path).Length:N0} bytes) in {stopwatch.Elapsed.TotalMilliseconds:0} ms");
            return log;
        }

        log.Dispose();
        File.Delete(path);
        log = FileMerkleLog.Open(path);
        var random = new Random(Seed);
        var batch = new byte[1_000_000 * MerkleHash.Size];
        for (ulong done = 0; done < size;)
        {
            var count = (int)Math.Min(1_000_000, size - done);
            random.NextBytes(batch.AsSpan(0, count * MerkleHash.Size));
            log.AppendLeafHashes(batch.AsSpan(0, count * MerkleHash.Size));
            done += (ulong)count;
        }

        Console.WriteLine($"// built {path} ({size:N0} leaves, {new FileInfo(path).Length:N0} bytes) in {stopwatch.Elapsed.TotalSeconds:0.0} s");
        return log;
    }

    /// <summary>A range bundle of <paramref name="count"/> entries with random payloads of <paramref name="payloadSize"/> bytes.</summary>
    public static string Bundle(int count, int payloadSize)
    {
        var path = Path.Combine(Folder, $"bundle-{count}-{payloadSize}.jsonl");
        if (File.Exists(path) && BundleVerifier.Verify(path).IsValid)
        {
            return path;
        }

        var stopwatch = Stopwatch.StartNew();
        var log = new MemoryMerkleLog();
        for (var i = 0; i < count; i++)
        {
            log.Append(Payload(i, payloadSize));
        }

        using var signer = NoteSigner.Generate("bench.musubi.example/ledger");
        var checkpoint = new Checkpoint("bench.musubi.example/ledger", (ulong)count, log.Root()).Sign(signer);
        using (var file = File.Create(path))
        {
            LedgerBundle.WriteRange(file, log, checkpoint, signer.Verifier, 0, (ulong)count, Enumerable.Range(0, count).Select(i => new BundleEntry((ulong)i, Payload(i, payloadSize))));
        }

        Console.WriteLine($"// wrote {path} ({new FileInfo(path).Length:N0} bytes) in {stopwatch.Elapsed.TotalSeconds:0.0} s");
        return path;
    }

    /// <summary>Entry <paramref name="index"/>'s payload: pseudo-random bytes (SplitMix64), the same every time, so nothing is kept in memory.</summary>
    private static byte[] Payload(int index, int size)
    {
        var payload = new byte[size];
        var state = unchecked(((ulong)Seed * 0x9E3779B97F4A7C15UL) + (ulong)index);
        for (var i = 0; i < size; i += 8)
        {
            state = unchecked(state + 0x9E3779B97F4A7C15UL);
            var z = state;
            z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
            z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
            z ^= z >> 31;
            var bytes = BitConverter.GetBytes(z);
            bytes.AsSpan(0, Math.Min(8, size - i)).CopyTo(payload.AsSpan(i));
        }

        return payload;
    }
}
