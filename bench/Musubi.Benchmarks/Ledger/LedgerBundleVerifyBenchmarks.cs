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
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 5)]
[MemoryDiagnoser]
public class LedgerBundleVerifyBenchmarks
{
    private const int Entries = 1_000_000;
    private string path = null!;

    [Params(256, 1024)]
    public int PayloadBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        path = LedgerBenchData.Bundle(Entries, PayloadBytes);
        Console.WriteLine($"// bundle {path}: {new FileInfo(path).Length:N0} bytes");
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
