using System.Globalization;
using Musubi.Ledger.Bundles;
using Musubi.Ledger.Checkpoints;

namespace Musubi.Ledger.CommandLine;

/// <summary>
/// The logic of <c>musubi ledger verify-inclusion | verify-consistency | verify</c>, independent of the command-line
/// parser: it takes the option values as typed, checks them, verifies, writes the verdict and returns the exit code:
/// <see cref="Valid"/> (0), <see cref="Invalid"/> (1) or <see cref="Malformed"/> (2). Verdicts go to
/// <c>output</c>, complaints about the input to <c>error</c>.
/// </summary>
public static class LedgerCommandLine
{
    /// <summary>The proof (or bundle) is valid.</summary>
    public const int Valid = 0;

    /// <summary>The input is well-formed, but the proof (or bundle) does not verify.</summary>
    public const int Invalid = 1;

    /// <summary>The input is malformed: a number, hash or file that cannot be read as such.</summary>
    public const int Malformed = 2;

    /// <summary><c>verify-inclusion --tree-size N --index I --leaf-hash HEX --root HEX --proof HEX,HEX,...</c></summary>
    public static int VerifyInclusion(string? treeSize, string? index, string? leafHash, string? root, string? proof, TextWriter output, TextWriter error)
    {
        var problems = new List<string>();
        var size = ParseNumber("--tree-size", treeSize, problems);
        var leafIndex = ParseNumber("--index", index, problems);
        var leaf = ParseHash("--leaf-hash", leafHash, problems);
        var rootHash = ParseHash("--root", root, problems);
        var path = ParseProof(proof, problems);
        if (problems.Count > 0)
        {
            return Complain(problems, error);
        }

        var result = MerkleVerifier.VerifyInclusion(leafIndex, size, leaf, path, rootHash);
        return Verdict(
            result,
            string.Create(CultureInfo.InvariantCulture, $"leaf {leafIndex} is in the tree of size {size} with root {Convert.ToHexStringLower(rootHash)}"),
            output);
    }

    /// <summary><c>verify-consistency --old-size M --new-size N --old-root HEX --new-root HEX --proof HEX,HEX,...</c></summary>
    public static int VerifyConsistency(string? oldSize, string? newSize, string? oldRoot, string? newRoot, string? proof, TextWriter output, TextWriter error)
    {
        var problems = new List<string>();
        var size1 = ParseNumber("--old-size", oldSize, problems);
        var size2 = ParseNumber("--new-size", newSize, problems);
        var root1 = ParseHash("--old-root", oldRoot, problems);
        var root2 = ParseHash("--new-root", newRoot, problems);
        var path = ParseProof(proof, problems);
        if (problems.Count > 0)
        {
            return Complain(problems, error);
        }

        var result = MerkleVerifier.VerifyConsistency(size1, size2, root1, root2, path);
        var what = size1 == 0
            ? string.Create(CultureInfo.InvariantCulture, $"the empty tree is a prefix of the tree of size {size2} (nothing to prove)")
            : string.Create(CultureInfo.InvariantCulture, $"the tree of size {size2} with root {Convert.ToHexStringLower(root2)} extends the tree of size {size1} with root {Convert.ToHexStringLower(root1)}");
        return Verdict(result, what, output);
    }

    /// <summary>
    /// <c>verify BUNDLE [--key VKEY ...]</c>: checks an export bundle offline. Without keys the bundle's own key is
    /// used and the report says that it must be compared with the log's published key.
    /// </summary>
    public static int VerifyBundle(string? path, IReadOnlyList<string>? trustedKeys, TextWriter output, TextWriter error)
    {
        var problems = new List<string>();
        var keys = new List<NoteVerifier>();
        foreach (var text in trustedKeys ?? [])
        {
            if (NoteVerifier.TryParse(text, out var key, out var why))
            {
                keys.Add(key!);
            }
            else
            {
                problems.Add($"--key: {why}");
            }
        }

        if (string.IsNullOrWhiteSpace(path))
        {
            problems.Add("BUNDLE: the path of a bundle file is required");
        }
        else if (!File.Exists(path))
        {
            problems.Add($"BUNDLE: no such file: {path}");
        }

        if (problems.Count > 0)
        {
            return Complain(problems, error);
        }

        BundleReport report;
        try
        {
            report = BundleVerifier.Verify(path!, new BundleVerifierOptions { TrustedKeys = keys });
        }
        catch (IOException e)
        {
            return Complain([$"BUNDLE: cannot read {path}: {e.Message}"], error);
        }
        catch (UnauthorizedAccessException e)
        {
            return Complain([$"BUNDLE: cannot read {path}: {e.Message}"], error);
        }

        if (report.Mode is null)
        {
            // Not even a header: this is not a bundle (or not one this version reads).
            return Complain([$"BUNDLE: {path} is not a ledger bundle: {report.Problems.FirstOrDefault()?.Message ?? "unreadable"}"], error);
        }

        output.WriteLine($"Bundle:   {path}");
        report.WriteTo(output);
        return report.IsValid ? Valid : Invalid;
    }

    private static int Verdict(VerificationResult result, string validMeaning, TextWriter output)
    {
        if (result.IsValid)
        {
            output.WriteLine($"valid: {validMeaning}");
            return Valid;
        }

        output.WriteLine($"invalid: {result.Reason}");
        return Invalid;
    }

    private static int Complain(IEnumerable<string> problems, TextWriter error)
    {
        foreach (var problem in problems)
        {
            error.WriteLine($"malformed input: {problem}");
        }

        return Malformed;
    }

    private static ulong ParseNumber(string option, string? text, List<string> problems)
    {
        var digits = (text ?? string.Empty).Trim();
        if (digits.Length == 0)
        {
            problems.Add($"{option} is required (a whole number)");
            return 0;
        }

        if (!ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            problems.Add($"{option} '{digits}' is not a whole number from 0 to {ulong.MaxValue}");
        }

        return value;
    }

    private static byte[] ParseHash(string option, string? text, List<string> problems)
    {
        var hash = new byte[MerkleHash.Size];
        if (!ProofFormat.TryParseHash(text, hash, out var why))
        {
            problems.Add($"{option}: {why}");
        }

        return hash;
    }

    private static byte[] ParseProof(string? text, List<string> problems)
    {
        if (text is null)
        {
            problems.Add("--proof is required (comma-separated hex hashes; \"\" for a proof of no hashes)");
            return [];
        }

        if (!ProofFormat.TryParseHexList(text, out var proof, out var why))
        {
            problems.Add($"--proof: {why}");
        }

        return proof;
    }
}
