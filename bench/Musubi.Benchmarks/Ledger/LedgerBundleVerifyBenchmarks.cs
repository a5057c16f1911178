using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Musubi.Ledger.Bundles;

namespace Musubi.Benchmarks.Ledger;

/// <summary>
/// Verifying a range bundle of 1,000,000 entries against <c>openssl dgst -sha256</c> over the same file, in the same
/// run: the baseline is OpenSSL hashing the bundle's bytes once (it uses the CPU's SHA instructions); the verifier
/// parses every line, hashes every payload as a leaf, rebuilds the tree and checks the signed root. Throughput ratio =
/// 1 / the Ratio column. The file is read from the page cache in both cases.
/// </summary>
/// <remarks>
/// On a machine shared with other work the load changes from one benchmark to the next, so the separate rows can
/// compare a quiet minute with a busy one. <see cref="Paired"/> therefore runs OpenSSL and the verifier back to back
/// in every iteration and prints each pair's throughputs and ratio, and their median, when it ends.
/// </remarks>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 5)]
[MemoryDiagnoser]
public class LedgerBundleVerifyBenchmarks
{
    private const int Entries = 1_000_000;
    private readonly List<(double OpenSsl, double Verifier)> pairs = [];
    private string path = null!;

    [Params(256, 1024)]
    public int PayloadBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        path = LedgerBenchData.Bundle(Entries, PayloadBytes);
        Console.WriteLine($"// bundle {path}: {new FileInfo(path).Length:N0} bytes");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (pairs.Count == 0)
        {
            return;
        }

        var megabytes = new FileInfo(path).Length / 1e6;
        foreach (var (openSsl, verifier) in pairs)
        {
            Console.WriteLine($"// pair: openssl {megabytes / openSsl:0} MB/s, verifier {megabytes / verifier:0} MB/s, ratio {openSsl / verifier:0.00}");
        }

        // The last five are BenchmarkDotNet's measured iterations (before them: one jitting call and the warm-ups).
        var ratios = pairs.TakeLast(5).Select(p => p.OpenSsl / p.Verifier).Order().ToList();
        Console.WriteLine($"// measured pairs: {ratios.Count}, median throughput ratio verifier/openssl {ratios[ratios.Count / 2]:0.00} (min {ratios[0]:0.00}, max {ratios[^1]:0.00})");
    }

    [Benchmark(Description = "paired: openssl then verifier (all cores)")]
    public long Paired()
    {
        var stopwatch = Stopwatch.StartNew();
        OpenSsl();
        var openSsl = stopwatch.Elapsed.TotalSeconds;
        stopwatch.Restart();
        var bytes = Verify();
        pairs.Add((openSsl, stopwatch.Elapsed.TotalSeconds));
        return bytes;
    }

    [Benchmark(Baseline = true, Description = "openssl dgst -sha256 (same file)")]
    public int OpenSsl()
    {
        var start = new ProcessStartInfo("openssl", ["dgst", "-sha256", path]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var digest = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 && digest.Length > 64 ? digest.Length : throw new InvalidOperationException("openssl failed");
    }

    [Benchmark(Description = "BundleVerifier.Verify (all cores)")]
    public long Verify() => Check(BundleVerifier.Verify(path));

    [Benchmark(Description = "BundleVerifier.Verify (one thread)")]
    public long VerifyOneThread() => Check(BundleVerifier.Verify(path, new BundleVerifierOptions { MaxDegreeOfParallelism = 1 }));

    private static long Check(BundleReport report) =>
        report.IsValid && report.PayloadsChecked == Entries ? report.BytesRead : throw new InvalidOperationException(report.ToString());
}
