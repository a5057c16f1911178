using System.Text;
using Musubi.Ledger.Bundles;
using Musubi.Ledger.Checkpoints;
using Musubi.Ledger.CommandLine;

namespace Musubi.Ledger.Tests;

public sealed class LedgerCommandLineTests
{
    private const string EmptyRoot = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private readonly StringWriter output = new();
    private readonly StringWriter error = new();

    [Fact]
    public void A_valid_inclusion_proof_exits_0()
    {
        var (naive, log) = MerkleTreeTests.Trees(11);
        var code = LedgerCommandLine.VerifyInclusion(
            "11", "6", Hex(naive.LeafHash(6)), Hex(naive.Mth(0, 11)), ProofFormat.ToHexList(MerkleTree.InclusionProof(log, 6, 11)), output, error);

        Assert.Equal(0, code);
        Assert.StartsWith("valid: leaf 6 is in the tree of size 11", output.ToString(), StringComparison.Ordinal);
        Assert.Empty(error.ToString());
    }

    [Fact]
    public void An_inclusion_proof_for_the_wrong_leaf_exits_1_with_the_reason()
    {
        var (naive, log) = MerkleTreeTests.Trees(11);
        var code = LedgerCommandLine.VerifyInclusion(
            "11", "6", Hex(naive.LeafHash(5)), Hex(naive.Mth(0, 11)), ProofFormat.ToHexList(MerkleTree.InclusionProof(log, 6, 11)), output, error);

        Assert.Equal(1, code);
        Assert.StartsWith("invalid: the proof leads to root", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_proof_is_a_proof_of_no_hashes()
    {
        var leaf = Hex(MerkleHash.Leaf("only"u8));
        Assert.Equal(0, LedgerCommandLine.VerifyInclusion("1", "0", leaf, leaf, "", output, error));
        Assert.Equal(1, LedgerCommandLine.VerifyInclusion("2", "0", leaf, leaf, "", output, error));
        Assert.Contains("too few", output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ten", "0", "--tree-size 'ten' is not a whole number")]
    [InlineData("-1", "0", "--tree-size '-1' is not a whole number")]
    [InlineData("18446744073709551616", "0", "--tree-size '18446744073709551616' is not a whole number")]
    [InlineData("4", "", "--index is required")]
    public void Malformed_numbers_exit_2(string treeSize, string index, string message)
    {
        var leaf = Hex(MerkleHash.Leaf("x"u8));
        Assert.Equal(2, LedgerCommandLine.VerifyInclusion(treeSize, index, leaf, leaf, "", output, error));
        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
        Assert.Empty(output.ToString());
    }

    [Theory]
    [InlineData("abc", "--leaf-hash: 3 characters, expected 64 hex digits")]
    [InlineData("zzb0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "is not hexadecimal")]
    public void Malformed_hashes_exit_2(string leafHash, string message)
    {
        Assert.Equal(2, LedgerCommandLine.VerifyInclusion("1", "0", leafHash, EmptyRoot, "", output, error));
        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_proof_hash_or_a_missing_proof_exits_2()
    {
        Assert.Equal(2, LedgerCommandLine.VerifyInclusion("2", "0", EmptyRoot, EmptyRoot, $"{EmptyRoot},abcd", output, error));
        Assert.Contains("--proof: proof hash 2 of 2", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, LedgerCommandLine.VerifyInclusion("2", "0", EmptyRoot, EmptyRoot, null, output, error));
        Assert.Contains("--proof is required", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_valid_consistency_proof_exits_0_and_a_tampered_one_1()
    {
        var (naive, log) = MerkleTreeTests.Trees(20);
        var proof = ProofFormat.ToHexList(MerkleTree.ConsistencyProof(log, 7, 20));
        Assert.Equal(0, LedgerCommandLine.VerifyConsistency("7", "20", Hex(naive.Mth(0, 7)), Hex(naive.Mth(0, 20)), proof, output, error));
        Assert.Equal(1, LedgerCommandLine.VerifyConsistency("7", "20", Hex(naive.Mth(0, 7)), Hex(naive.Mth(0, 19)), proof, output, error));
        Assert.Equal(1, LedgerCommandLine.VerifyConsistency("20", "7", Hex(naive.Mth(0, 20)), Hex(naive.Mth(0, 7)), "", output, error));
        TestContext.Current.TestOutputHelper?.WriteLine(output.ToString());
    }

    [Fact]
    public void Old_size_0_is_valid_with_the_empty_root_and_no_proof_and_invalid_otherwise()
    {
        var (naive, _) = MerkleTreeTests.Trees(5);
        var newRoot = Hex(naive.Mth(0, 5));
        Assert.Equal(0, LedgerCommandLine.VerifyConsistency("0", "5", EmptyRoot, newRoot, "", output, error));
        Assert.Contains("the empty tree is a prefix", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, LedgerCommandLine.VerifyConsistency("0", "5", EmptyRoot, newRoot, newRoot, output, error));
        Assert.Equal(1, LedgerCommandLine.VerifyConsistency("0", "5", newRoot, newRoot, "", output, error));
        Assert.Equal(0, LedgerCommandLine.VerifyConsistency("0", "0", EmptyRoot, EmptyRoot, "", output, error));
    }

    [Fact]
    public void The_happy_path_vectors_of_transparency_dev_pass_through_the_command_line()
    {
        var inclusion = MerkleVector.Load("inclusion/1/happy-path.json");
        var code = LedgerCommandLine.VerifyInclusion(
            Decimal(inclusion.Number("treeSize")),
            Decimal(inclusion.Number("leafIdx")),
            Hex(inclusion.Bytes("leafHash")),
            Hex(inclusion.Bytes("root")),
            string.Join(',', inclusion.Proof().Select(Hex)),
            output,
            error);
        Assert.Equal(0, code);

        var consistency = MerkleVector.Load("consistency/1/happy-path.json");
        code = LedgerCommandLine.VerifyConsistency(
            Decimal(consistency.Number("size1")),
            Decimal(consistency.Number("size2")),
            Hex(consistency.Bytes("root1")),
            Hex(consistency.Bytes("root2")),
            string.Join(',', consistency.Proof().Select(Hex)),
            output,
            error);
        Assert.Equal(0, code);

        var folder = Path.Combine(Musubi.Testing.Corpora.Require("merkle", "transparency-dev", "testdata"), "consistency", "1");
        var modified = Directory.EnumerateFiles(folder, "modified-proof*.json").Order(StringComparer.Ordinal).First();
        var tampered = MerkleVector.Load(Path.Combine("consistency", "1", Path.GetFileName(modified)));
        Assert.True(tampered.WantError);
        code = LedgerCommandLine.VerifyConsistency(
            Decimal(tampered.Number("size1")),
            Decimal(tampered.Number("size2")),
            Hex(tampered.Bytes("root1")),
            Hex(tampered.Bytes("root2")),
            string.Join(',', tampered.Proof().Select(Hex)),
            output,
            error);
        Assert.Equal(1, code);
        TestContext.Current.TestOutputHelper?.WriteLine(output.ToString());
    }

    [Fact]
    public void Verifying_a_bundle_exits_0_when_intact_1_when_altered_and_2_when_it_is_no_bundle()
    {
        using var folder = new TempFolder();
        using var signer = NoteSigner.Generate("musubi.example/ledger");
        var (_, log) = MerkleTreeTests.Trees(30);
        var checkpoint = new Checkpoint("musubi.example/ledger", 30, log.Root()).Sign(signer);
        var path = folder.File("export.jsonl");
        using (var file = File.Create(path))
        {
            var entries = Enumerable.Range(0, 30).Select(i => new BundleEntry((ulong)i, NaiveMerkle.Entry(i)));
            LedgerBundle.WriteRange(file, log, checkpoint, signer.Verifier, 0, 30, entries);
        }

        Assert.Equal(0, LedgerCommandLine.VerifyBundle(path, [], output, error));
        Assert.Contains("VALID", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, LedgerCommandLine.VerifyBundle(path, [signer.Verifier.ToString()], output, error));

        var altered = File.ReadAllText(path).Replace(Convert.ToBase64String(NaiveMerkle.Entry(12)), Convert.ToBase64String("entry 12!"u8), StringComparison.Ordinal);
        File.WriteAllText(path, altered);
        output.GetStringBuilder().Clear();
        Assert.Equal(1, LedgerCommandLine.VerifyBundle(path, [], output, error));
        Assert.Contains("entry 12 (line 14): the payload was altered", output.ToString(), StringComparison.Ordinal);
        TestContext.Current.TestOutputHelper?.WriteLine(output.ToString());

        Assert.Equal(2, LedgerCommandLine.VerifyBundle(folder.File("absent.jsonl"), [], output, error));
        File.WriteAllText(folder.File("notes.txt"), "hello\n");
        Assert.Equal(2, LedgerCommandLine.VerifyBundle(folder.File("notes.txt"), [], output, error));
        Assert.Equal(2, LedgerCommandLine.VerifyBundle(path, ["not-a-key"], output, error));
        TestContext.Current.TestOutputHelper?.WriteLine(error.ToString());
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    private static string Decimal(ulong value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
