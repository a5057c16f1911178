using System.Text.Json;
using Musubi.Cli.Tests.Fixtures;
using Musubi.Ledger;
using Musubi.Ledger.Bundles;
using Musubi.Ledger.Checkpoints;
using Musubi.Ledger.Storage;
using Musubi.Testing;
using Xunit;

namespace Musubi.Cli.Tests;

/// <summary>`musubi ledger …` in-process: exit 0 valid, 1 invalid, 2 malformed input.</summary>
public sealed class LedgerCommandTests
{
    private const string EmptyRoot = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    [Fact]
    public async Task Verify_inclusion_of_a_real_proof_exits_0()
    {
        var log = Log(13);
        var proof = ProofFormat.ToHexList(MerkleTree.InclusionProof(log, 9, 13));

        var run = await CliRunner.RunAsync(["ledger", "verify-inclusion", "--tree-size", "13", "--index", "9", "--leaf-hash", Hex(MerkleHash.Leaf(Entry(9))), "--root", Hex(log.Root()), "--proof", proof]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("valid: leaf 9 is in the tree of size 13", run.Output, StringComparison.Ordinal);
        Assert.Equal("", run.Error);
    }

    [Fact]
    public async Task Verify_inclusion_against_another_root_exits_1_and_says_why()
    {
        var log = Log(13);
        var proof = ProofFormat.ToHexList(MerkleTree.InclusionProof(log, 9, 13));

        var run = await CliRunner.RunAsync(["ledger", "verify-inclusion", "--tree-size", "13", "--index", "9", "--leaf-hash", Hex(MerkleHash.Leaf(Entry(9))), "--root", EmptyRoot, "--proof", proof]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("invalid: the proof leads to root", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_proof_argument_is_a_proof_of_no_hashes()
    {
        var leaf = Hex(MerkleHash.Leaf("only entry"u8));

        var run = await CliRunner.RunAsync(["ledger", "verify-inclusion", "--tree-size", "1", "--index", "0", "--leaf-hash", leaf, "--root", leaf, "--proof", ""]);

        Assert.True(run.ExitCode == 0, run.ToString());
    }

    [Theory]
    [InlineData("--tree-size", "many", "--tree-size 'many' is not a whole number")]
    [InlineData("--leaf-hash", "beef", "--leaf-hash: 4 characters, expected 64 hex digits")]
    [InlineData("--proof", "e3b0,zz", "--proof: proof hash 1 of 2")]
    public async Task Malformed_input_exits_2_with_the_option_named(string option, string value, string message)
    {
        Dictionary<string, string> options = new()
        {
            ["--tree-size"] = "2",
            ["--index"] = "0",
            ["--leaf-hash"] = EmptyRoot,
            ["--root"] = EmptyRoot,
            ["--proof"] = EmptyRoot,
        };
        options[option] = value;

        var run = await CliRunner.RunAsync(["ledger", "verify-inclusion", .. options.SelectMany(o => new[] { o.Key, o.Value })]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
        Assert.Contains("Run 'musubi ledger verify-inclusion --help' for usage.", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_option_exits_2()
    {
        var run = await CliRunner.RunAsync(["ledger", "verify-consistency", "--old-size", "1", "--new-size", "2", "--old-root", EmptyRoot, "--new-root", EmptyRoot]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--proof", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_consistency_exits_0_for_a_real_proof_and_1_for_a_shrunk_tree()
    {
        var log = Log(40);
        var proof = ProofFormat.ToHexList(MerkleTree.ConsistencyProof(log, 25, 40));
        var root25 = Hex(MerkleTree.RootHash(log, 25));
        var root40 = Hex(log.Root());

        var valid = await CliRunner.RunAsync(["ledger", "verify-consistency", "--old-size", "25", "--new-size", "40", "--old-root", root25, "--new-root", root40, "--proof", proof]);
        var swapped = await CliRunner.RunAsync(["ledger", "verify-consistency", "--old-size", "40", "--new-size", "25", "--old-root", root40, "--new-root", root25, "--proof", proof]);

        Assert.True(valid.ExitCode == 0, valid.ToString());
        Assert.Contains("valid: the tree of size 40", valid.Output, StringComparison.Ordinal);
        Assert.Equal(1, swapped.ExitCode);
        Assert.Contains("the old size 40 is greater than the new size 25", swapped.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Old_size_0_is_valid_only_with_the_empty_root_and_an_empty_proof()
    {
        var root = Hex(Log(3).Root());

        var valid = await CliRunner.RunAsync(["ledger", "verify-consistency", "--old-size", "0", "--new-size", "3", "--old-root", EmptyRoot, "--new-root", root, "--proof", ""]);
        var withProof = await CliRunner.RunAsync(["ledger", "verify-consistency", "--old-size", "0", "--new-size", "3", "--old-root", EmptyRoot, "--new-root", root, "--proof", root]);
        var otherRoot = await CliRunner.RunAsync(["ledger", "verify-consistency", "--old-size", "0", "--new-size", "3", "--old-root", root, "--new-root", root, "--proof", ""]);

        Assert.True(valid.ExitCode == 0, valid.ToString());
        Assert.Contains("the empty tree is a prefix", valid.Output, StringComparison.Ordinal);
        Assert.Equal(1, withProof.ExitCode);
        Assert.Equal(1, otherRoot.ExitCode);
    }

    [Fact]
    public async Task Every_inclusion_and_consistency_vector_of_transparency_dev_gets_the_expected_exit_code()
    {
        var root = Corpora.Require("merkle", "transparency-dev", "testdata");
        var counts = new Dictionary<int, int>();
        foreach (var file in new[] { "inclusion", "consistency" }.SelectMany(kind => Directory.EnumerateFiles(Path.Combine(root, kind), "*.json", SearchOption.AllDirectories)).Order(StringComparer.Ordinal))
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(file));
            var v = json.RootElement;
            string Hash(string name) => Hex(Convert.FromBase64String(v.GetProperty(name).GetString() ?? ""));
            var proof = string.Join(',', (v.TryGetProperty("proof", out var p) && p.ValueKind == JsonValueKind.Array ? p.EnumerateArray() : default)
                .Select(h => Hex(Convert.FromBase64String(h.GetString() ?? ""))));
            string[] args = v.TryGetProperty("leafIdx", out var index)
                ? ["ledger", "verify-inclusion", "--tree-size", $"{v.GetProperty("treeSize").GetUInt64()}", "--index", $"{index.GetUInt64()}", "--leaf-hash", Hash("leafHash"), "--root", Hash("root"), "--proof", proof]
                : ["ledger", "verify-consistency", "--old-size", $"{v.GetProperty("size1").GetUInt64()}", "--new-size", $"{v.GetProperty("size2").GetUInt64()}", "--old-root", Hash("root1"), "--new-root", Hash("root2"), "--proof", proof];

            // A proof of one empty hash is written "", which the command line reads as a proof of no hashes.
            if (v.TryGetProperty("proof", out var only) && only.ValueKind == JsonValueKind.Array && only.GetArrayLength() == 1 && only[0].GetString() == "")
            {
                TestContext.Current.TestOutputHelper?.WriteLine($"{Path.GetRelativePath(root, file)}: a proof of one empty hash has no command-line form; skipped");
                continue;
            }

            var run = await CliRunner.RunAsync(args);

            // The command line takes only 32-byte hashes: a vector with a shorter hash is malformed input there (2).
            var wellFormed = new[] { "leafHash", "root", "root1", "root2" }.All(n => !v.TryGetProperty(n, out var h) || Convert.FromBase64String(h.GetString() ?? "").Length == 32)
                && !(v.TryGetProperty("proof", out var pr) && pr.ValueKind == JsonValueKind.Array && pr.EnumerateArray().Any(h => Convert.FromBase64String(h.GetString() ?? "").Length != 32));
            var expected = v.GetProperty("wantErr").GetBoolean() ? (wellFormed ? 1 : 2) : (wellFormed ? 0 : 2);
            Assert.True(run.ExitCode == expected, $"{Path.GetRelativePath(root, file)}: expected exit {expected}, got {run}");
            counts[run.ExitCode] = counts.GetValueOrDefault(run.ExitCode) + 1;
        }

        TestContext.Current.TestOutputHelper?.WriteLine(string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"exit {c.Key}: {c.Value} vectors")));
    }

    [Fact]
    public async Task Verify_bundle_exits_0_when_intact_1_with_the_altered_entry_named_and_2_for_a_file_that_is_no_bundle()
    {
        var folder = Directory.CreateTempSubdirectory("musubi-ledger-cli-").FullName;
        try
        {
            using var signer = NoteSigner.Generate("musubi.example/ledger");
            var log = Log(50);
            var path = Path.Combine(folder, "export.jsonl");
            await using (var file = File.Create(path))
            {
                LedgerBundle.WriteRange(
                    file, log, new Checkpoint("musubi.example/ledger", 50, log.Root()).Sign(signer), signer.Verifier, 0, 50,
                    Enumerable.Range(0, 50).Select(i => new BundleEntry((ulong)i, Entry(i))));
            }

            var intact = await CliRunner.RunAsync(["ledger", "verify", path]);
            var pinned = await CliRunner.RunAsync(["ledger", "verify", path, "--key", signer.Verifier.ToString()]);
            await File.WriteAllTextAsync(path, (await File.ReadAllTextAsync(path)).Replace(Convert.ToBase64String(Entry(31)), Convert.ToBase64String("edited"u8), StringComparison.Ordinal));
            var altered = await CliRunner.RunAsync(["ledger", "verify", path]);
            var missing = await CliRunner.RunAsync(["ledger", "verify", Path.Combine(folder, "nothing.jsonl")]);

            Assert.True(intact.ExitCode == 0, intact.ToString());
            Assert.Contains("Result:   VALID", intact.Output, StringComparison.Ordinal);
            Assert.Equal(0, pinned.ExitCode);
            Assert.Contains("signed by the trusted key", pinned.Output, StringComparison.Ordinal);
            Assert.Equal(1, altered.ExitCode);
            Assert.Contains("entry 31 (line 33): the payload was altered", altered.Output, StringComparison.Ordinal);
            Assert.Equal(2, missing.ExitCode);
            Assert.Contains("no such file", missing.Error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static byte[] Entry(int i) => System.Text.Encoding.UTF8.GetBytes($"audit entry {i}");

    private static MemoryMerkleLog Log(int size)
    {
        var log = new MemoryMerkleLog();
        for (var i = 0; i < size; i++)
        {
            log.Append(Entry(i));
        }

        return log;
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
