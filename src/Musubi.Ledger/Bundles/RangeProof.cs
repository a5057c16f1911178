using System.Numerics;

namespace Musubi.Ledger.Bundles;

/// <summary>
/// What is needed, besides the leaves <c>[first, end)</c>, to recompute the root of a tree of <c>n</c> leaves: the
/// hashes of the largest nodes of the tree that lie entirely outside the range. Left of the range they are the
/// complete subtrees that make up <c>[0, first)</c> (its frontier, <c>PopCount(first)</c> hashes, largest first);
/// right of it, the nodes met in a left-to-right walk of the tree that lie entirely at or after <c>end</c>. The
/// verifier continues the left frontier with the range's leaves and folds the result with the right nodes: about
/// <c>2·log2(n)</c> hashes cover any range, and with the whole tree (first = 0, end = n) there are none.
/// </summary>
internal static class RangeProof
{
    /// <summary>The right-hand nodes for the range ending at <paramref name="end"/> in a tree of <paramref name="treeSize"/>, in walk order.</summary>
    public static List<(ulong Start, ulong End)> RightNodes(ulong end, ulong treeSize)
    {
        var nodes = new List<(ulong, ulong)>();
        if (end < treeSize)
        {
            Walk(0, treeSize, end, nodes);
        }

        return nodes;
    }

    /// <summary>The left-hand nodes for a range starting at <paramref name="first"/>: the frontier of <c>[0, first)</c>.</summary>
    public static List<(ulong Start, ulong End)> LeftNodes(ulong first)
    {
        var nodes = new List<(ulong, ulong)>();
        ulong start = 0;
        for (var level = 63; level >= 0; level--)
        {
            if ((first & (1UL << level)) != 0)
            {
                nodes.Add((start, start + (1UL << level)));
                start += 1UL << level;
            }
        }

        return nodes;
    }

    /// <summary>
    /// The root of the tree of <paramref name="treeSize"/> leaves from the frontier of <c>[0, end)</c> (after the
    /// range's leaves were pushed) and the right-hand nodes. False when the number of right nodes is wrong.
    /// </summary>
    public static bool TryComputeRoot(ulong end, ulong treeSize, ReadOnlySpan<byte> frontier, ReadOnlySpan<byte> right, Span<byte> root)
    {
        if (frontier.Length != BitOperations.PopCount(end) * MerkleHash.Size
            || right.Length != RightNodes(end, treeSize).Count * MerkleHash.Size)
        {
            return false;
        }

        if (treeSize == 0)
        {
            MerkleHash.EmptyTreeRoot.CopyTo(root);
            return true;
        }

        var blocks = LeftNodes(end);
        var frontierAt = 0;
        var rightAt = 0;
        Fold(0, treeSize, end, blocks, frontier, right, ref frontierAt, ref rightAt, root);
        return true;
    }

    private static void Walk(ulong lo, ulong hi, ulong end, List<(ulong, ulong)> nodes)
    {
        if (hi <= end)
        {
            return;
        }

        if (lo >= end)
        {
            nodes.Add((lo, hi));
            return;
        }

        var k = MerkleTree.SplitPoint(hi - lo);
        Walk(lo, lo + k, end, nodes);
        Walk(lo + k, hi, end, nodes);
    }

    // A node inside [0, end) is one of the frontier's blocks, or (on the tree's right edge, when end is the tree
    // size) a run of them ending at `end`, whose hash is their right fold. The walk meets the blocks in order.
    private static void Fold(
        ulong lo,
        ulong hi,
        ulong end,
        List<(ulong Start, ulong End)> blocks,
        ReadOnlySpan<byte> frontier,
        ReadOnlySpan<byte> right,
        ref int frontierAt,
        ref int rightAt,
        Span<byte> destination)
    {
        if (hi <= end)
        {
            var last = frontierAt;
            while (blocks[last].End < hi)
            {
                last++;
            }

            frontier.Slice(last * MerkleHash.Size, MerkleHash.Size).CopyTo(destination);
            for (var i = last - 1; i >= frontierAt; i--)
            {
                MerkleHash.Node(frontier.Slice(i * MerkleHash.Size, MerkleHash.Size), destination, destination);
            }

            frontierAt = last + 1;
            return;
        }

        if (lo >= end)
        {
            right.Slice(rightAt++ * MerkleHash.Size, MerkleHash.Size).CopyTo(destination);
            return;
        }

        var k = MerkleTree.SplitPoint(hi - lo);
        Span<byte> left = stackalloc byte[MerkleHash.Size];
        Fold(lo, lo + k, end, blocks, frontier, right, ref frontierAt, ref rightAt, left);
        Fold(lo + k, hi, end, blocks, frontier, right, ref frontierAt, ref rightAt, destination);
        MerkleHash.Node(left, destination, destination);
    }
}
