using System.Text;
using Musubi.Ledger.Bundles;
using Musubi.Ledger.Checkpoints;
using Musubi.Ledger.Storage;

namespace Musubi.Ledger.Tests;

public sealed class BundleTests : IDisposable
{
    private const string Origin = "musubi.example/ledger";
    private readonly NoteSigner signer = NoteSigner.Generate(Origin);
    private readonly MemoryMerkleLog log = new();
    private readonly Dictionary<ulong, string> history = [];

    public BundleTests()
    {
        for (var i = 0; i < 100; i++)
        {
            log.Append(Payload((ulong)i));
            if (i + 1 is 10 or 40 or 64 or 90)
            {
                history[(ulong)(i + 1)] = Sign((ulong)(i + 1));
            }
        }
    }

    public void Dispose() => signer.Dispose();

    [Fact]
    public void A_bundle_of_the_whole_log_verifies()
    {
        var report = Verify(Range(0, 100));
        Assert.True(report.IsValid, report.ToString());
        Assert.Equal(100, report.EntryLines);
        Assert.Equal(100, report.PayloadsChecked);
        TestContext.Current.TestOutputHelper?.WriteLine(report.ToString());
    }

    [Fact]
    public void Every_range_of_a_37_leaf_log_verifies_from_its_range_proof()
    {
        var small = new MemoryMerkleLog();
        for (var i = 0; i < 37; i++)
        {
            small.Append(Payload((ulong)i));
        }

        var checkpoint = new Checkpoint(Origin, 37, small.Root()).Sign(signer);
        var bundles = 0;
        for (ulong first = 0; first <= 37; first++)
        {
            for (ulong count = 0; first + count <= 37; count++)
            {
                using var stream = new MemoryStream();
                LedgerBundle.WriteRange(stream, small, checkpoint, signer.Verifier, first, count, Entries(first, count));
                stream.Position = 0;
                var report = BundleVerifier.Verify(stream);
                Assert.True(report.IsValid, $"[{first}, {first + count}): {report}");
                bundles++;
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{bundles} range bundles verified");
    }

    [Fact]
    public void Entries_whose_payload_was_removed_still_verify_by_their_leaf_hash()
    {
        var entries = Entries(0, 100).Select(e => e.Index % 7 == 3 ? e with { Payload = null, RemovedReason = "retention: 90 days" } : e);
        var report = Verify(Write(s => LedgerBundle.WriteRange(s, log, Sign(100), signer.Verifier, 0, 100, entries)));
        Assert.True(report.IsValid, report.ToString());
        Assert.Equal(14, report.PayloadsRemoved);
        Assert.Equal(86, report.PayloadsChecked);
    }

    [Fact]
    public void An_altered_payload_is_reported_at_its_index_and_nowhere_else()
    {
        var lines = Range(0, 100);
        lines[1 + 42] = lines[1 + 42].Replace(Base64(42), Base64Of("entry 42 (edited)"), StringComparison.Ordinal);

        var report = Verify(lines);
        var problem = Assert.Single(report.Problems);
        Assert.Equal(BundleProblemKind.PayloadAltered, problem.Kind);
        Assert.Equal(42UL, problem.Index);
        Assert.Equal(44L, problem.Line);
        TestContext.Current.TestOutputHelper?.WriteLine(report.ToString());
    }

    [Fact]
    public void An_altered_leaf_hash_is_reported_at_its_index_and_the_payload_is_vouched_for()
    {
        var lines = Range(0, 100);
        var leaf = Convert.ToHexStringLower(MerkleHash.Leaf(Payload(17)));
        lines[1 + 17] = lines[1 + 17].Replace(leaf, Convert.ToHexStringLower(MerkleHash.Leaf("other"u8)), StringComparison.Ordinal);

        var report = Verify(lines);
        var problem = Assert.Single(report.Problems);
        Assert.Equal(BundleProblemKind.LeafHashAltered, problem.Kind);
        Assert.Equal(17UL, problem.Index);
    }

    [Fact]
    public void An_entry_rewritten_with_a_matching_leaf_hash_breaks_the_root_and_older_checkpoints_narrow_it_down()
    {
        var lines = Range(0, 100);
        var forged = Encoding.UTF8.GetBytes("entry 55 (forged)");
        lines[1 + 55] = $"{{\"index\":55,\"leafHash\":\"{Convert.ToHexStringLower(MerkleHash.Leaf(forged))}\",\"payload\":\"{Convert.ToBase64String(forged)}\"}}";

        var report = Verify(lines);
        var problem = Assert.Single(report.Problems);
        Assert.Equal(BundleProblemKind.RootMismatch, problem.Kind);
        Assert.Contains("among entries 40 to 63", problem.Message, StringComparison.Ordinal);
        TestContext.Current.TestOutputHelper?.WriteLine(report.ToString());
    }

    [Fact]
    public void A_deleted_entry_is_reported_as_missing_by_its_index()
    {
        var lines = Range(0, 100);
        lines.RemoveAt(1 + 30);

        var report = Verify(lines);
        Assert.False(report.IsValid);
        var missing = Assert.Single(report.Problems, p => p.Kind == BundleProblemKind.Missing);
        Assert.Equal(30UL, missing.Index);
        Assert.DoesNotContain(report.Problems, p => p.Kind is BundleProblemKind.PayloadAltered or BundleProblemKind.OutOfOrder);
        TestContext.Current.TestOutputHelper?.WriteLine(report.ToString());
    }

    [Fact]
    public void Deleted_last_entries_are_reported_as_a_missing_run()
    {
        var lines = Range(0, 100);
        lines.RemoveRange(1 + 95, 5);

        var missing = Assert.Single(Verify(lines).Problems, p => p.Kind == BundleProblemKind.Missing);
        Assert.Equal(95UL, missing.Index);
        Assert.Contains("entries 95 to 99 (5 entries)", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Swapped_entries_are_reported_as_out_of_order_and_their_content_still_verifies()
    {
        var lines = Range(0, 100);
        (lines[1 + 20], lines[1 + 21]) = (lines[1 + 21], lines[1 + 20]);

        var report = Verify(lines);
        var problem = Assert.Single(report.Problems);
        Assert.Equal(BundleProblemKind.OutOfOrder, problem.Kind);
        Assert.Equal(20UL, problem.Index);
        Assert.Contains("after entry 21", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_entry_moved_far_away_is_reported_by_its_index()
    {
        var lines = Range(0, 100);
        var moved = lines[1 + 3];
        lines.RemoveAt(1 + 3);
        lines.Insert(1 + 80, moved);

        var problem = Assert.Single(Verify(lines).Problems);
        Assert.Equal(BundleProblemKind.OutOfOrder, problem.Kind);
        Assert.Equal(3UL, problem.Index);
    }

    [Fact]
    public void A_duplicated_entry_is_reported_and_ignored()
    {
        var lines = Range(0, 100);
        lines.Insert(1 + 50, lines[1 + 12]);

        var problem = Assert.Single(Verify(lines).Problems);
        Assert.Equal(BundleProblemKind.Duplicate, problem.Kind);
        Assert.Equal(12UL, problem.Index);
        Assert.Equal(52L, problem.Line);
    }

    [Fact]
    public void A_bundle_checked_against_a_trusted_key_that_did_not_sign_it_is_invalid()
    {
        using var other = NoteSigner.Generate(Origin);
        var report = Verify(Range(0, 100), new BundleVerifierOptions { TrustedKeys = [other.Verifier] });
        Assert.False(report.IsValid);
        Assert.Contains(report.Problems, p => p.Kind == BundleProblemKind.CheckpointNotTrusted);
    }

    [Fact]
    public void A_bundle_re_signed_by_a_forger_verifies_only_against_its_own_key_and_the_report_says_so()
    {
        using var forger = NoteSigner.Generate(Origin);
        var report = Verify(Write(s => LedgerBundle.WriteRange(s, log, new Checkpoint(Origin, 100, log.Root()).Sign(forger), forger.Verifier, 0, 100, Entries(0, 100))));
        Assert.True(report.IsValid);
        Assert.Contains(report.Notes, n => n.Contains("compare it with the key the log publishes", StringComparison.Ordinal));
        Assert.Equal(forger.Verifier.ToString(), report.SignerKey);

        var pinned = Verify(Write(s => LedgerBundle.WriteRange(s, log, new Checkpoint(Origin, 100, log.Root()).Sign(forger), forger.Verifier, 0, 100, Entries(0, 100))), new BundleVerifierOptions { TrustedKeys = [signer.Verifier] });
        Assert.False(pinned.IsValid);
    }

    [Fact]
    public void A_header_that_disagrees_with_the_signed_checkpoint_is_reported()
    {
        var lines = Range(0, 100);
        lines[0] = lines[0].Replace("\"treeSize\":100", "\"treeSize\":99", StringComparison.Ordinal).Replace("\"count\":100", "\"count\":99", StringComparison.Ordinal);
        lines.RemoveAt(100);

        var report = Verify(lines);
        Assert.Contains(report.Problems, p => p.Kind == BundleProblemKind.CheckpointMismatch);
    }

    [Fact]
    public void A_line_that_is_not_an_entry_is_reported_by_line_number()
    {
        var lines = Range(0, 100);
        lines[1 + 7] = "{\"index\":7,\"leafHash\":\"zz\"}";

        var report = Verify(lines);
        var malformed = Assert.Single(report.Problems, p => p.Kind == BundleProblemKind.Malformed);
        Assert.Equal(9L, malformed.Line);
        Assert.Contains(report.Problems, p => p.Kind == BundleProblemKind.Missing && p.Index == 7);
    }

    [Fact]
    public void Older_checkpoints_in_the_bundle_are_checked_for_consistency()
    {
        var report = Verify(Range(0, 100));
        Assert.Equal(4, report.Notes.Count(n => n.Contains("is consistent with this one", StringComparison.Ordinal)));

        // A forked log: size 40 signed over different entries.
        var fork = new MemoryMerkleLog();
        for (var i = 0; i < 40; i++)
        {
            fork.Append(Encoding.UTF8.GetBytes($"forked {i}"));
        }

        var lines = Range(0, 100);
        lines[0] = lines[0].Replace(Json(history[40]), Json(new Checkpoint(Origin, 40, fork.Root()).Sign(signer)), StringComparison.Ordinal);
        var forked = Verify(lines);
        Assert.Contains(forked.Problems, p => p.Kind == BundleProblemKind.HistoryInconsistent && p.Message.Contains("size 40", StringComparison.Ordinal));
    }

    [Fact]
    public void A_partial_range_bundle_reports_an_altered_payload_too()
    {
        var lines = ToLines(Write(s => LedgerBundle.WriteRange(s, log, Sign(100), signer.Verifier, 33, 20, Entries(33, 20))));
        Assert.True(Verify(lines).IsValid);
        lines[1 + 5] = lines[1 + 5].Replace(Base64(38), Base64Of("entry 38 (edited)"), StringComparison.Ordinal);
        var problem = Assert.Single(Verify(lines).Problems);
        Assert.Equal((BundleProblemKind.PayloadAltered, 38UL), (problem.Kind, problem.Index!.Value));
    }

    [Fact]
    public void A_sparse_bundle_proves_each_entry_and_reports_each_alteration_by_index()
    {
        ulong[] chosen = [2, 17, 18, 63, 64, 99];
        var entries = chosen.Select(i => new BundleEntry(i, Payload(i))).ToList();
        var lines = ToLines(Write(s => LedgerBundle.WriteSparse(s, log, Sign(100), signer.Verifier, entries)));
        Assert.True(Verify(lines).IsValid, Verify(lines).ToString());

        var altered = new List<string>(lines);
        altered[1 + 1] = altered[1 + 1].Replace(Base64(17), Base64Of("entry 17 (edited)"), StringComparison.Ordinal);
        altered.RemoveAt(1 + 4);
        var report = Verify(altered);
        TestContext.Current.TestOutputHelper?.WriteLine(report.ToString());
        Assert.Equal(2, report.Problems.Count);
        Assert.Contains(report.Problems, p => p is { Kind: BundleProblemKind.PayloadAltered, Index: 17 });
        Assert.Contains(report.Problems, p => p is { Kind: BundleProblemKind.Missing, Index: 64 });

        var badProof = new List<string>(lines);
        var firstProofHash = badProof[1 + 3].Split("\"inclusionProof\":[\"")[1][..64];
        badProof[1 + 3] = badProof[1 + 3].Replace(firstProofHash, new string('0', 64), StringComparison.Ordinal);
        var proofProblem = Assert.Single(Verify(badProof).Problems);
        Assert.Equal((BundleProblemKind.ProofInvalid, 63UL), (proofProblem.Kind, proofProblem.Index!.Value));
    }

    [Fact]
    public void A_bundle_of_many_blocks_gives_the_same_report_on_one_thread_and_on_several()
    {
        var big = new MemoryMerkleLog();
        const int Count = 30_000;
        for (var i = 0; i < Count; i++)
        {
            big.Append(Payload((ulong)i));
        }

        var lines = ToLines(Write(s => LedgerBundle.WriteRange(
            s, big, new Checkpoint(Origin, Count, big.Root()).Sign(signer), signer.Verifier, 0, Count, Enumerable.Range(0, Count).Select(i => new BundleEntry((ulong)i, Payload((ulong)i))))));
        Assert.True(Encoding.UTF8.GetByteCount(string.Join('\n', lines)) > 2 << 20, "the bundle should span several read blocks");
        Assert.True(Verify(lines, new BundleVerifierOptions { MaxDegreeOfParallelism = 4 }).IsValid);

        foreach (var at in (int[])[1, 9_999, 10_000, 22_222, 29_999])
        {
            lines[1 + at] = lines[1 + at].Replace(Base64((ulong)at), Base64Of($"altered {at}"), StringComparison.Ordinal);
        }

        (lines[1 + 15_000], lines[1 + 15_001]) = (lines[1 + 15_001], lines[1 + 15_000]);
        lines.RemoveAt(1 + 20_000);
        var sequential = Verify(lines, new BundleVerifierOptions { MaxDegreeOfParallelism = 1 });
        var parallel = Verify(lines, new BundleVerifierOptions { MaxDegreeOfParallelism = 4 });
        Assert.Equal(sequential.Problems.Select(p => p.ToString()), parallel.Problems.Select(p => p.ToString()));

        // With an entry missing the root cannot be recomputed, so whether the payload or the leaf hash of an altered
        // entry is the original cannot be told: they are reported as disagreeing, at their index.
        Assert.Equal(
            [(BundleProblemKind.EntryAltered, 1UL), (BundleProblemKind.EntryAltered, 9_999UL), (BundleProblemKind.EntryAltered, 10_000UL),
             (BundleProblemKind.OutOfOrder, 15_000UL), (BundleProblemKind.Missing, 20_000UL), (BundleProblemKind.EntryAltered, 22_222UL),
             (BundleProblemKind.EntryAltered, 29_999UL)],
            parallel.Problems.Where(p => p.Index is not null).Select(p => (p.Kind, p.Index!.Value)).OrderBy(p => p.Value));
        TestContext.Current.TestOutputHelper?.WriteLine(parallel.ToString());
    }

    private static byte[] Payload(ulong i) => Encoding.UTF8.GetBytes($"{{\"event\":\"audit\",\"n\":{i}}}");

    private static string Base64(ulong i) => Convert.ToBase64String(Payload(i));

    private static string Base64Of(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static string Json(string text) => System.Text.Json.JsonSerializer.Serialize(text)[1..^1];

    private static IEnumerable<BundleEntry> Entries(ulong first, ulong count)
    {
        for (var i = first; i < first + count; i++)
        {
            yield return new BundleEntry(i, Payload(i));
        }
    }

    private string Sign(ulong size) => new Checkpoint(Origin, size, MerkleTree.RootHash(log, size)).Sign(signer);

    private List<string> Range(ulong first, ulong count) =>
        ToLines(Write(s => LedgerBundle.WriteRange(
            s, log, Sign(100), signer.Verifier, first, count, Entries(first, count), new BundleWriteOptions { History = [.. history.Values] })));

    private static byte[] Write(Action<Stream> write)
    {
        using var stream = new MemoryStream();
        write(stream);
        return stream.ToArray();
    }

    private static List<string> ToLines(byte[] bundle) => [.. Encoding.UTF8.GetString(bundle).TrimEnd('\n').Split('\n')];

    private static BundleReport Verify(List<string> lines, BundleVerifierOptions? options = null) =>
        Verify(Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"), options);

    private static BundleReport Verify(byte[] bundle, BundleVerifierOptions? options = null)
    {
        using var stream = new MemoryStream(bundle);
        return BundleVerifier.Verify(stream, options);
    }
}
