using System.Numerics;

namespace Musubi.Ledger;

/// <summary>
/// Roots and proofs of an RFC 9162 Merkle tree, computed from the hashes of its complete subtrees
/// (<see cref="IMerkleHashSource"/>). Every method reads <c>O(log n)</c> hashes, all in one
/// <see cref="IMerkleHashSource.ReadHashes"/> call, and never a leaf it does not need.
/// </summary>
/// <remarks>
/// Proofs are returned flat: the concatenation of their 32-byte hashes, in the order RFC 9162 defines (from the leaf
/// or old root upwards). <see cref="MerkleVerifier"/> takes the same form.
/// </remarks>
public static class MerkleTree
{
    /// <summary>The root of the tree whose leaf hashes are <paramref name="leafHashes"/> (concatenated, 32 bytes each).</summary>
    public static byte[] ComputeRoot(ReadOnlySpan<byte> leafHashes)
    {
        if (leafHashes.Length % MerkleHash.Size != 0)
        {
            throw new ArgumentException("Leaf hashes come in 32-byte units.", nameof(leafHashes));
        }

        var builder = new MerkleRootBuilder();
        for (var offset = 0; offset < leafHashes.Length; offset += MerkleHash.Size)
        {
            builder.Push(leafHashes.Slice(offset, MerkleHash.Size));
        }

        return builder.GetRoot();
    }

    /// <summary>The root of the first <paramref name="treeSize"/> leaves of <paramref name="source"/>.</summary>
    public static byte[] RootHash(IMerkleHashSource source, ulong treeSize)
    {
        CheckSize(source, treeSize);
        return SubtreeHash(source, 0, treeSize);
    }

    /// <summary>
    /// <c>MTH(D[start:end])</c> for a subtree in the sense of the Merkle Tree Certificates draft
    /// (draft-ietf-plants-merkle-tree-certs §"Definition of a Subtree"): <c>start</c> is a multiple of
    /// <c>BIT_CEIL(end − start)</c>. Every node of an RFC 9162 tree, complete or on the right edge, is one.
    /// </summary>
    public static byte[] SubtreeHash(IMerkleHashSource source, ulong start, ulong end)
    {
        CheckSubtree(start, end);
        CheckSize(source, end);
        return Fetch(source, [new Range(start, end)]);
    }

    /// <summary>The inclusion proof <c>PATH(index, D[0:treeSize])</c> of RFC 9162 §2.1.3.1.</summary>
    public static byte[] InclusionProof(IMerkleHashSource source, ulong index, ulong treeSize)
    {
        CheckSize(source, treeSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, treeSize);
        return Fetch(source, PathRanges(index, 0, treeSize));
    }

    /// <summary>
    /// The consistency proof <c>PROOF(oldSize, D[0:newSize])</c> of RFC 9162 §2.1.4.1. Sizes equal, or an old size of
    /// 0, give the empty proof (nothing to prove: see <see cref="MerkleVerifier.VerifyConsistency"/>).
    /// </summary>
    public static byte[] ConsistencyProof(IMerkleHashSource source, ulong oldSize, ulong newSize)
    {
        CheckSize(source, newSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(oldSize, newSize);
        return oldSize == 0 || oldSize == newSize ? [] : Fetch(source, ConsistencyRanges(0, oldSize, newSize, sameRootKnown: true));
    }

    /// <summary>The inclusion proof of leaf <paramref name="index"/> in the subtree <c>[start, end)</c> (MTC draft §"Subtree Inclusion Proofs").</summary>
    public static byte[] SubtreeInclusionProof(IMerkleHashSource source, ulong index, ulong start, ulong end)
    {
        CheckSubtree(start, end);
        CheckSize(source, end);
        if (index < start || index >= end)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Leaf {index} is outside the subtree [{start}, {end}).");
        }

        return Fetch(source, PathRanges(index, start, end));
    }

    /// <summary>
    /// The proof <c>SUBTREE_PROOF(start, end, D[0:treeSize])</c> that the subtree <c>[start, end)</c> is part of the tree
    /// (MTC draft §"Generating a Subtree Consistency Proof"). With <c>start = 0</c> it is the RFC 9162 consistency proof.
    /// </summary>
    public static byte[] SubtreeConsistencyProof(IMerkleHashSource source, ulong start, ulong end, ulong treeSize)
    {
        CheckSubtree(start, end);
        CheckSize(source, treeSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(end, treeSize);
        return start == end ? [] : Fetch(source, ConsistencyRanges(start, end, treeSize, sameRootKnown: true));
    }

    /// <summary>True when <c>[start, end)</c> is a subtree: <c>start ≤ end</c> and <c>start</c> a multiple of <c>BIT_CEIL(end − start)</c>.</summary>
    public static bool IsValidSubtree(ulong start, ulong end)
    {
        if (start > end)
        {
            return false;
        }

        var size = end - start;
        if (start == 0 || size <= 1)
        {
            return true;
        }

        // BIT_CEIL of anything above 2^63 is 2^64, of which only 0 is a multiple.
        return size <= 1UL << 63 && start % BitOperations.RoundUpToPowerOf2(size) == 0;
    }

    /// <summary>The largest power of two smaller than <paramref name="n"/> (RFC 9162's <c>k</c>); <paramref name="n"/> ≥ 2.</summary>
    internal static ulong SplitPoint(ulong n) => 1UL << (63 - BitOperations.LeadingZeroCount(n - 1));

    /// <summary>
    /// The complete nodes that make up the subtree <c>[start, end)</c>, largest first: one per set bit of its size.
    /// Its hash is their right fold, <c>H(c0, H(c1, … H(c_{k−2}, c_{k−1})))</c>.
    /// </summary>
    internal static void Decompose(ulong start, ulong end, List<MerkleNode> nodes)
    {
        var position = start;
        var size = end - start;
        for (var level = 63; level >= 0; level--)
        {
            if ((size & (1UL << level)) != 0)
            {
                nodes.Add(new MerkleNode(level, position >> level));
                position += 1UL << level;
            }
        }
    }

    // PATH(m, D[lo:hi]) of RFC 9162 §2.1.3.1: the siblings from the root down, returned from the leaf up.
    private static List<Range> PathRanges(ulong index, ulong lo, ulong hi)
    {
        var ranges = new List<Range>();
        while (hi - lo > 1)
        {
            var k = SplitPoint(hi - lo);
            if (index < lo + k)
            {
                ranges.Add(new Range(lo + k, hi));
                hi = lo + k;
            }
            else
            {
                ranges.Add(new Range(lo, lo + k));
                lo += k;
            }
        }

        ranges.Reverse();
        return ranges;
    }

    // SUBTREE_SUBPROOF of the MTC draft, which for start = 0 is SUBPROOF of RFC 9162 §2.1.4.1 (m = end). Walks from the
    // root down, adding the sibling it does not enter; returns the list from the bottom up.
    private static List<Range> ConsistencyRanges(ulong start, ulong end, ulong treeSize, bool sameRootKnown)
    {
        var ranges = new List<Range>();
        ulong lo = 0, hi = treeSize;
        while (!(start == lo && end == hi))
        {
            var k = SplitPoint(hi - lo);
            if (end <= lo + k)
            {
                ranges.Add(new Range(lo + k, hi));
                hi = lo + k;
            }
            else if (lo + k <= start)
            {
                ranges.Add(new Range(lo, lo + k));
                lo += k;
            }
            else
            {
                // start = lo < lo + k < end: the old tree's left part is the complete node [lo, lo + k), which the
                // proof carries; what remains to prove is [lo + k, end), whose hash the verifier does not know.
                ranges.Add(new Range(lo, lo + k));
                lo += k;
                start = lo;
                sameRootKnown = false;
            }
        }

        if (!sameRootKnown)
        {
            ranges.Add(new Range(lo, hi));
        }

        ranges.Reverse();
        return ranges;
    }

    private static byte[] Fetch(IMerkleHashSource source, List<Range> ranges)
    {
        var nodes = new List<MerkleNode>(ranges.Count + 8);
        var firstNode = new int[ranges.Count + 1];
        for (var i = 0; i < ranges.Count; i++)
        {
            firstNode[i] = nodes.Count;
            if (ranges[i].Start != ranges[i].End)
            {
                Decompose(ranges[i].Start, ranges[i].End, nodes);
            }
        }

        firstNode[ranges.Count] = nodes.Count;
        var hashes = new byte[nodes.Count * MerkleHash.Size];
        source.ReadHashes(nodes.ToArray(), hashes);

        var result = new byte[ranges.Count * MerkleHash.Size];
        for (var i = 0; i < ranges.Count; i++)
        {
            var target = result.AsSpan(i * MerkleHash.Size, MerkleHash.Size);
            var first = firstNode[i];
            var last = firstNode[i + 1] - 1;
            if (last < first)
            {
                MerkleHash.EmptyTreeRoot.CopyTo(target);
                continue;
            }

            hashes.AsSpan(last * MerkleHash.Size, MerkleHash.Size).CopyTo(target);
            for (var j = last - 1; j >= first; j--)
            {
                MerkleHash.Node(hashes.AsSpan(j * MerkleHash.Size, MerkleHash.Size), target, target);
            }
        }

        return result;
    }

    private static void CheckSize(IMerkleHashSource source, ulong treeSize)
    {
        if (treeSize > source.TreeSize)
        {
            throw new ArgumentOutOfRangeException(nameof(treeSize), treeSize, $"The source holds only {source.TreeSize} leaves.");
        }
    }

    private static void CheckSubtree(ulong start, ulong end)
    {
        if (!IsValidSubtree(start, end))
        {
            throw new ArgumentException($"[{start}, {end}) is not a subtree: start must be a multiple of BIT_CEIL(end − start).");
        }
    }

    private readonly record struct Range(ulong Start, ulong End);
}
