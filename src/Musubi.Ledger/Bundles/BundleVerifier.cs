using System.Diagnostics;
using Musubi.Ledger.Checkpoints;

namespace Musubi.Ledger.Bundles;

/// <summary>Options for <see cref="BundleVerifier"/>.</summary>
public sealed record BundleVerifierOptions
{
    /// <summary>
    /// The log keys the reader trusts (published by the log). When empty, the checkpoint is checked against the key
    /// the bundle carries, and the report says so: the reader must then compare that key with the published one.
    /// </summary>
    public IReadOnlyList<NoteVerifier> TrustedKeys { get; init; } = [];

    /// <summary>How many problems the report lists (all are counted).</summary>
    public int MaxListedProblems { get; init; } = 1000;

    /// <summary>
    /// Threads that parse entries and hash payloads (a range bundle's costly part) while one thread builds the tree.
    /// 1 does everything on the calling thread.
    /// </summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;
}

/// <summary>
/// Checks an export bundle offline, with nothing but the bundle (and, ideally, the log's published key): the
/// checkpoint's signature; every payload against its leaf hash; the leaves against the signed root (a range bundle
/// recomputes the root in one streaming pass, a sparse bundle checks each entry's inclusion proof); older
/// checkpoints against the current one. It reports each missing, duplicated, reordered or altered entry by index.
/// </summary>
public static class BundleVerifier
{
    /// <summary>Verifies the bundle file at <paramref name="path"/>.</summary>
    public static BundleReport Verify(string path, BundleVerifierOptions? options = null)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        return Verify(stream, options);
    }

    /// <summary>Verifies a bundle read from <paramref name="stream"/>.</summary>
    public static BundleReport Verify(Stream stream, BundleVerifierOptions? options = null)
    {
        var stopwatch = Stopwatch.StartNew();
        var check = new BundleCheck(options ?? new BundleVerifierOptions());
        var lines = new LineReader(stream);
        check.Run(lines);
        check.Report.BytesRead = lines.BytesRead;
        check.Report.Elapsed = stopwatch.Elapsed;
        return check.Report;
    }
}
