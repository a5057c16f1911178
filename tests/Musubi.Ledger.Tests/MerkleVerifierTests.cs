namespace Musubi.Ledger.Tests;

public sealed class MerkleVerifierTests
{
    private static readonly byte[] EmptyRoot = MerkleHash.EmptyTreeRoot.ToArray();

    [Fact]
    public void Any_flipped_bit_in_an_inclusion_proof_its_root_or_its_leaf_makes_it_fail()
    {
        var (naive, log) = MerkleTreeTests.Trees(70);
        var flips = 0;
        foreach (var (index, size) in new[] { (0, 1), (0, 2), (1, 2), (5, 7), (6, 7), (31, 32), (32, 33), (17, 70), (69, 70) })
        {
            var leaf = naive.LeafHash(index);
            var root = naive.Mth(0, size);
            var proof = MerkleTree.InclusionProof(log, (ulong)index, (ulong)size);
            Assert.True(MerkleVerifier.VerifyInclusion((ulong)index, (ulong)size, leaf, proof, root).IsValid);

            foreach (var target in new[] { proof, leaf, root })
            {
                for (var bit = 0; bit < target.Length * 8; bit++)
                {
                    target[bit / 8] ^= (byte)(1 << (bit % 8));
                    var result = MerkleVerifier.VerifyInclusion((ulong)index, (ulong)size, leaf, proof, root);
                    target[bit / 8] ^= (byte)(1 << (bit % 8));
                    Assert.False(result.IsValid, $"leaf {index} of {size}, bit {bit} flipped, still valid");
                    flips++;
                }
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{flips} single-bit changes, all rejected");
    }

    [Fact]
    public void Any_flipped_bit_in_a_consistency_proof_or_either_root_makes_it_fail()
    {
        var (naive, log) = MerkleTreeTests.Trees(70);
        var flips = 0;
        foreach (var (m, n) in new[] { (1, 2), (3, 7), (4, 7), (6, 7), (1, 70), (32, 70), (33, 70), (64, 65), (69, 70) })
        {
            var root1 = naive.Mth(0, m);
            var root2 = naive.Mth(0, n);
            var proof = MerkleTree.ConsistencyProof(log, (ulong)m, (ulong)n);
            Assert.True(MerkleVerifier.VerifyConsistency((ulong)m, (ulong)n, root1, root2, proof).IsValid);

            foreach (var target in new[] { proof, root1, root2 })
            {
                for (var bit = 0; bit < target.Length * 8; bit++)
                {
                    target[bit / 8] ^= (byte)(1 << (bit % 8));
                    var result = MerkleVerifier.VerifyConsistency((ulong)m, (ulong)n, root1, root2, proof);
                    target[bit / 8] ^= (byte)(1 << (bit % 8));
                    Assert.False(result.IsValid, $"{m} → {n}, bit {bit} flipped, still valid");
                    flips++;
                }
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{flips} single-bit changes, all rejected");
    }

    [Fact]
    public void A_proof_for_another_index_or_size_does_not_verify()
    {
        var (naive, log) = MerkleTreeTests.Trees(20);
        var proof = MerkleTree.InclusionProof(log, 5, 20);
        var leaf = naive.LeafHash(5);
        Assert.False(MerkleVerifier.VerifyInclusion(4, 20, leaf, proof, naive.Mth(0, 20)).IsValid);
        Assert.False(MerkleVerifier.VerifyInclusion(5, 19, leaf, proof, naive.Mth(0, 19)).IsValid);
        Assert.False(MerkleVerifier.VerifyInclusion(5, 20, leaf, proof.AsSpan(0, proof.Length - 32), naive.Mth(0, 20)).IsValid);
        Assert.False(MerkleVerifier.VerifyInclusion(5, 20, leaf, [.. proof, .. proof[..32]], naive.Mth(0, 20)).IsValid);
    }

    [Fact]
    public void Old_size_zero_is_consistent_with_any_tree_when_the_proof_is_empty_and_the_old_root_is_the_empty_root()
    {
        var (naive, _) = MerkleTreeTests.Trees(9);
        var result = MerkleVerifier.VerifyConsistency(0, 9, EmptyRoot, naive.Mth(0, 9), []);
        Assert.True(result.IsValid, result.ToString());
        Assert.True(MerkleVerifier.VerifyConsistency(0, 0, EmptyRoot, EmptyRoot, []).IsValid);
    }

    [Fact]
    public void Old_size_zero_with_a_proof_or_another_old_root_or_a_malformed_new_root_is_invalid()
    {
        var (naive, _) = MerkleTreeTests.Trees(9);
        var root9 = naive.Mth(0, 9);

        var withProof = MerkleVerifier.VerifyConsistency(0, 9, EmptyRoot, root9, root9);
        Assert.Equal(VerificationFailure.ProofNotEmpty, withProof.Failure);

        var otherOldRoot = MerkleVerifier.VerifyConsistency(0, 9, naive.Mth(0, 1), root9, []);
        Assert.Equal(VerificationFailure.OldRootMismatch, otherOldRoot.Failure);

        var shortNewRoot = MerkleVerifier.VerifyConsistency(0, 9, EmptyRoot, root9.AsSpan(0, 12), []);
        Assert.Equal(VerificationFailure.MalformedHash, shortNewRoot.Failure);

        var bothEmptyButNewRootNot = MerkleVerifier.VerifyConsistency(0, 0, EmptyRoot, root9, []);
        Assert.Equal(VerificationFailure.RootMismatch, bothEmptyButNewRootNot.Failure);
    }

    [Fact]
    public void Equal_sizes_need_an_empty_proof_and_identical_roots()
    {
        var (naive, _) = MerkleTreeTests.Trees(5);
        var root = naive.Mth(0, 5);
        Assert.True(MerkleVerifier.VerifyConsistency(5, 5, root, root, []).IsValid);
        Assert.Equal(VerificationFailure.ProofNotEmpty, MerkleVerifier.VerifyConsistency(5, 5, root, root, root).Failure);
        Assert.Equal(VerificationFailure.RootMismatch, MerkleVerifier.VerifyConsistency(5, 5, root, naive.Mth(0, 4), []).Failure);
    }

    [Fact]
    public void A_shrinking_tree_is_never_consistent()
    {
        var (naive, _) = MerkleTreeTests.Trees(5);
        Assert.Equal(VerificationFailure.InvalidSizes, MerkleVerifier.VerifyConsistency(5, 4, naive.Mth(0, 5), naive.Mth(0, 4), []).Failure);
    }

    [Fact]
    public void Malformed_hashes_are_reported_as_such()
    {
        var leaf = MerkleHash.Leaf("x"u8);
        Assert.Equal(VerificationFailure.MalformedHash, MerkleVerifier.VerifyInclusion(0, 1, leaf.AsSpan(0, 31), [], leaf).Failure);
        Assert.Equal(VerificationFailure.MalformedHash, MerkleVerifier.VerifyInclusion(0, 1, leaf, [], leaf.AsSpan(0, 31)).Failure);
        Assert.Equal(VerificationFailure.MalformedHash, MerkleVerifier.VerifyInclusion(0, 2, leaf, leaf.AsSpan(0, 31), leaf).Failure);
        Assert.Equal(VerificationFailure.IndexOutOfRange, MerkleVerifier.VerifyInclusion(1, 1, leaf, [], leaf).Failure);
        Assert.Equal(VerificationFailure.IndexOutOfRange, MerkleVerifier.VerifyInclusion(0, 0, leaf, [], leaf).Failure);
    }
}
