using Musubi.Ledger.Storage;

namespace Musubi.Ledger.Tests;

public sealed class MerkleTreeTests
{
    [Fact]
    public void Leaf_and_node_hashes_use_the_rfc_9162_prefixes()
    {
        var data = "hello"u8.ToArray();
        Assert.Equal(System.Security.Cryptography.SHA256.HashData([0x00, .. data]), MerkleHash.Leaf(data));

        var left = MerkleHash.Leaf("a"u8);
        var right = MerkleHash.Leaf("b"u8);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData([0x01, .. left, .. right]), MerkleHash.Node(left, right));
        Assert.Equal(System.Security.Cryptography.SHA256.HashData([]), MerkleHash.EmptyTreeRoot.ToArray());
    }

    [Fact]
    public void Leaf_hash_of_large_data_is_the_same_as_framing_it_by_hand()
    {
        var data = new byte[100_000];
        new Random(7).NextBytes(data);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData([0x00, .. data]), MerkleHash.Leaf(data));
    }

    [Fact]
    public void The_direct_openssl_path_and_the_portable_path_hash_alike()
    {
        TestContext.Current.TestOutputHelper?.WriteLine($"direct OpenSSL SHA-256 in use: {Sha256.IsNative}");
        var random = new Random(3);
        Span<byte> viaDefault = stackalloc byte[32];
        Span<byte> viaManaged = stackalloc byte[32];
        foreach (var length in (int[])[0, 1, 31, 32, 55, 56, 63, 64, 65, 1000, 1023, 1024, 5000, 70_000])
        {
            var data = new byte[length];
            random.NextBytes(data);
            var split = length / 3;
            Sha256.Hash(0x01, data.AsSpan(0, split), data.AsSpan(split), viaDefault);
            Sha256.HashManaged(0x01, data.AsSpan(0, split), data.AsSpan(split), viaManaged);
            Assert.True(viaDefault.SequenceEqual(viaManaged), $"length {length}");
            Assert.Equal(System.Security.Cryptography.SHA256.HashData([0x01, .. data]), viaDefault.ToArray());
        }
    }

    [Fact]
    public void Node_hash_may_be_written_over_one_of_its_inputs()
    {
        var left = MerkleHash.Leaf("a"u8);
        var right = MerkleHash.Leaf("b"u8);
        var expected = MerkleHash.Node(left, right);

        var inPlace = (byte[])right.Clone();
        MerkleHash.Node(left, inPlace, inPlace);
        Assert.Equal(expected, inPlace);
    }

    [Fact]
    public void Roots_match_the_recursive_definition_for_every_size_from_0_to_300()
    {
        var naive = NaiveMerkle.WithEntries(300);
        var log = new MemoryMerkleLog();
        var streaming = new MerkleRootBuilder();
        for (var n = 0; n <= 300; n++)
        {
            var expected = naive.Mth(0, n);
            Assert.Equal(expected, streaming.GetRoot());
            Assert.Equal(expected, MerkleTree.ComputeRoot([.. Enumerable.Range(0, n).SelectMany(naive.LeafHash)]));
            if (n < 300)
            {
                streaming.PushLeaf(NaiveMerkle.Entry(n));
                log.Append(NaiveMerkle.Entry(n));
            }
        }

        for (var n = 0; n <= 300; n++)
        {
            Assert.Equal(naive.Mth(0, n), MerkleTree.RootHash(log, (ulong)n));
        }
    }

    [Fact]
    public void A_builder_continued_from_a_frontier_reaches_the_same_root()
    {
        var naive = NaiveMerkle.WithEntries(100);
        for (var split = 0; split <= 100; split += 7)
        {
            var first = new MerkleRootBuilder();
            for (var i = 0; i < split; i++)
            {
                first.Push(naive.LeafHash(i));
            }

            var second = MerkleRootBuilder.FromFrontier((ulong)split, first.Frontier);
            for (var i = split; i < 100; i++)
            {
                second.Push(naive.LeafHash(i));
            }

            Assert.Equal(naive.Mth(0, 100), second.GetRoot());
        }
    }

    [Fact]
    public void Inclusion_proofs_match_the_definition_and_verify_for_every_leaf_of_every_tree_up_to_130()
    {
        var (naive, log) = Trees(130);
        var checkedProofs = 0;
        for (var n = 1; n <= 130; n++)
        {
            var root = naive.Mth(0, n);
            for (var i = 0; i < n; i++)
            {
                var proof = MerkleTree.InclusionProof(log, (ulong)i, (ulong)n);
                Assert.Equal(naive.Path(i, n), proof);
                var result = MerkleVerifier.VerifyInclusion((ulong)i, (ulong)n, naive.LeafHash(i), proof, root);
                Assert.True(result.IsValid, $"leaf {i} of {n}: {result}");
                checkedProofs++;
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{checkedProofs} inclusion proofs generated and verified");
    }

    [Fact]
    public void Consistency_proofs_match_the_definition_and_verify_for_every_pair_of_sizes_up_to_130()
    {
        var (naive, log) = Trees(130);
        var checkedProofs = 0;
        for (var n = 1; n <= 130; n++)
        {
            for (var m = 1; m <= n; m++)
            {
                var proof = MerkleTree.ConsistencyProof(log, (ulong)m, (ulong)n);
                Assert.Equal(m == n ? [] : naive.Proof(m, n), proof);
                var result = MerkleVerifier.VerifyConsistency((ulong)m, (ulong)n, naive.Mth(0, m), naive.Mth(0, n), proof);
                Assert.True(result.IsValid, $"{m} → {n}: {result}");
                checkedProofs++;
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{checkedProofs} consistency proofs generated and verified");
    }

    [Fact]
    public void The_seven_leaf_example_of_rfc_9162_gives_the_proofs_the_rfc_lists()
    {
        var (naive, log) = Trees(7);
        byte[] Leaf(int i) => naive.LeafHash(i);
        byte[] Mth(int lo, int hi) => naive.Mth(lo, hi);
        byte[] Proof(params byte[][] hashes) => [.. hashes.SelectMany(h => h)];
        var (a, b, c, d, e, f, j) = (Leaf(0), Leaf(1), Leaf(2), Leaf(3), Leaf(4), Leaf(5), Leaf(6));
        var (g, h, i, k, l) = (Mth(0, 2), Mth(2, 4), Mth(4, 6), Mth(0, 4), Mth(4, 7));

        Assert.Equal(Proof(b, h, l), MerkleTree.InclusionProof(log, 0, 7));
        Assert.Equal(Proof(c, g, l), MerkleTree.InclusionProof(log, 3, 7));
        Assert.Equal(Proof(f, j, k), MerkleTree.InclusionProof(log, 4, 7));
        Assert.Equal(Proof(i, k), MerkleTree.InclusionProof(log, 6, 7));
        Assert.Equal(Proof(c, d, g, l), MerkleTree.ConsistencyProof(log, 3, 7));
        Assert.Equal(Proof(l), MerkleTree.ConsistencyProof(log, 4, 7));
        Assert.Equal(Proof(i, j, k), MerkleTree.ConsistencyProof(log, 6, 7));
        _ = (a, e);
    }

    [Fact]
    public void Subtree_proofs_verify_for_every_subtree_of_every_tree_up_to_40()
    {
        var (naive, log) = Trees(40);
        var checkedProofs = 0;
        for (ulong n = 1; n <= 40; n++)
        {
            var root = naive.Mth(0, (int)n);
            for (ulong start = 0; start <= n; start++)
            {
                for (var end = start; end <= n; end++)
                {
                    if (!MerkleTree.IsValidSubtree(start, end))
                    {
                        continue;
                    }

                    var subtreeHash = naive.Mth((int)start, (int)end);
                    Assert.Equal(subtreeHash, MerkleTree.SubtreeHash(log, start, end));
                    var consistency = MerkleTree.SubtreeConsistencyProof(log, start, end, n);
                    var result = MerkleVerifier.VerifySubtreeConsistency(start, end, n, subtreeHash, root, consistency);
                    Assert.True(result.IsValid, $"[{start}, {end}) in {n}: {result}");
                    for (var index = start; index < end; index++)
                    {
                        var inclusion = MerkleTree.SubtreeInclusionProof(log, index, start, end);
                        var included = MerkleVerifier.VerifySubtreeInclusion(index, start, end, naive.LeafHash((int)index), inclusion, subtreeHash);
                        Assert.True(included.IsValid, $"leaf {index} of [{start}, {end}): {included}");
                    }

                    checkedProofs++;
                }
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{checkedProofs} subtree consistency proofs generated and verified");
    }

    [Fact]
    public void The_subtree_example_of_the_mtc_draft_gives_the_proof_the_draft_lists()
    {
        var (naive, log) = Trees(14);
        byte[] expected = [.. naive.LeafHash(12), .. naive.LeafHash(13), .. naive.Mth(8, 12), .. naive.Mth(0, 8)];
        Assert.Equal(expected, MerkleTree.SubtreeConsistencyProof(log, 8, 13, 14));
        Assert.Equal([.. naive.Mth(0, 4), .. naive.Mth(8, 14)], MerkleTree.SubtreeConsistencyProof(log, 4, 8, 14));
    }

    [Fact]
    public void Only_aligned_intervals_are_subtrees()
    {
        Assert.True(MerkleTree.IsValidSubtree(0, 13));
        Assert.True(MerkleTree.IsValidSubtree(8, 13));
        Assert.True(MerkleTree.IsValidSubtree(5, 5));
        Assert.True(MerkleTree.IsValidSubtree(7, 8));
        Assert.False(MerkleTree.IsValidSubtree(3, 5));
        Assert.False(MerkleTree.IsValidSubtree(4, 9));
        Assert.False(MerkleTree.IsValidSubtree(2, 1));
        Assert.False(MerkleTree.IsValidSubtree(1, (1UL << 63) + 2));
        Assert.True(MerkleTree.IsValidSubtree(0, ulong.MaxValue));
    }

    [Fact]
    public void Proofs_for_sizes_the_source_does_not_hold_are_refused()
    {
        var (_, log) = Trees(10);
        Assert.Throws<ArgumentOutOfRangeException>(() => MerkleTree.InclusionProof(log, 3, 11));
        Assert.Throws<ArgumentOutOfRangeException>(() => MerkleTree.InclusionProof(log, 10, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => MerkleTree.ConsistencyProof(log, 5, 11));
        Assert.Throws<ArgumentOutOfRangeException>(() => MerkleTree.ConsistencyProof(log, 6, 5));
    }

    internal static (NaiveMerkle Naive, MemoryMerkleLog Log) Trees(int n)
    {
        var naive = NaiveMerkle.WithEntries(n);
        var log = new MemoryMerkleLog();
        for (var i = 0; i < n; i++)
        {
            log.Append(NaiveMerkle.Entry(i));
        }

        return (naive, log);
    }
}
