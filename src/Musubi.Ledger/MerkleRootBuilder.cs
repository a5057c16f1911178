using System.Numerics;

namespace Musubi.Ledger;

/// <summary>
/// Computes a Merkle tree root while leaves stream past, with the stack of RFC 9162 §2.1.2: after <c>n</c> leaves it
/// holds one hash per set bit of <c>n</c>, the roots of the complete subtrees that make up the tree so far, largest
/// (leftmost) first. Memory is constant (at most 64 hashes); each leaf costs one leaf push and, on average, one node
/// hash.
/// </summary>
/// <remarks>
/// The stack is also called the tree's <em>frontier</em>: a log that keeps it can append without reading old
/// hashes, and <see cref="Push(ReadOnlySpan{byte}, Span{byte})"/> reports every complete subtree a leaf closes, which is
/// exactly what an append-only store of subtree hashes must write.
/// </remarks>
public sealed class MerkleRootBuilder
{
    private const int MaxDepth = 64;
    private readonly byte[] stack = new byte[MaxDepth * MerkleHash.Size];
    private int depth;

    /// <summary>Leaves pushed so far (the tree size).</summary>
    public ulong Count { get; private set; }

    /// <summary>
    /// A builder that continues a tree of <paramref name="size"/> leaves from its frontier: the hashes of the complete
    /// subtrees of its binary decomposition, largest first (<c>PopCount(size)</c> hashes, concatenated).
    /// </summary>
    public static MerkleRootBuilder FromFrontier(ulong size, ReadOnlySpan<byte> frontier)
    {
        var builder = new MerkleRootBuilder();
        builder.Reset(size, frontier);
        return builder;
    }

    /// <summary>Puts the builder back to a tree of <paramref name="size"/> leaves with the given frontier.</summary>
    internal void Reset(ulong size, ReadOnlySpan<byte> frontier)
    {
        var count = BitOperations.PopCount(size);
        if (frontier.Length != count * MerkleHash.Size)
        {
            throw new ArgumentException(
                $"A tree of {size} leaves has a frontier of {count} hashes ({count * MerkleHash.Size} bytes), not {frontier.Length} bytes.",
                nameof(frontier));
        }

        frontier.CopyTo(stack);
        depth = count;
        Count = size;
    }

    /// <summary>The current frontier: <c>PopCount(Count)</c> concatenated hashes, largest subtree first.</summary>
    public ReadOnlySpan<byte> Frontier => stack.AsSpan(0, depth * MerkleHash.Size);

    /// <summary>Adds the entry <paramref name="data"/> as the next leaf.</summary>
    public void PushLeaf(ReadOnlySpan<byte> data)
    {
        Span<byte> leaf = stackalloc byte[MerkleHash.Size];
        MerkleHash.Leaf(data, leaf);
        Push(leaf, []);
    }

    /// <summary>Adds a leaf hash (already <c>SHA-256(0x00 ‖ data)</c>) as the next leaf.</summary>
    public void Push(ReadOnlySpan<byte> leafHash) => Push(leafHash, []);

    /// <summary>
    /// Adds a leaf hash and writes the hashes of the complete subtrees it closes to <paramref name="completed"/>,
    /// lowest level first (level 1, then 2, …): the node at level <c>l</c> covers the <c>2^l</c> leaves ending at this
    /// one. Returns how many were written (the number of trailing one bits of the leaf's index). Pass an empty span
    /// to discard them; otherwise it needs room for 63 hashes.
    /// </summary>
    public int Push(ReadOnlySpan<byte> leafHash, Span<byte> completed)
    {
        MerkleHash.CheckHash(leafHash, nameof(leafHash));
        if (Count == ulong.MaxValue)
        {
            throw new InvalidOperationException("The tree is full.");
        }

        var merges = BitOperations.TrailingZeroCount(~Count);
        var keep = !completed.IsEmpty;
        if (keep && completed.Length < merges * MerkleHash.Size)
        {
            throw new ArgumentException($"This leaf closes {merges} subtrees; the span has room for fewer.", nameof(completed));
        }

        leafHash.CopyTo(stack.AsSpan(depth * MerkleHash.Size, MerkleHash.Size));
        depth++;
        for (var i = 0; i < merges; i++)
        {
            var right = stack.AsSpan((depth - 1) * MerkleHash.Size, MerkleHash.Size);
            var left = stack.AsSpan((depth - 2) * MerkleHash.Size, MerkleHash.Size);
            MerkleHash.Node(left, right, left);
            depth--;
            if (keep)
            {
                left.CopyTo(completed.Slice(i * MerkleHash.Size, MerkleHash.Size));
            }
        }

        Count++;
        return keep ? merges : 0;
    }

    /// <summary>Writes the root of the tree so far; the builder can go on taking leaves afterwards.</summary>
    public void GetRoot(Span<byte> destination)
    {
        if (depth == 0)
        {
            MerkleHash.EmptyTreeRoot.CopyTo(destination);
            return;
        }

        Span<byte> root = stackalloc byte[MerkleHash.Size];
        stack.AsSpan((depth - 1) * MerkleHash.Size, MerkleHash.Size).CopyTo(root);
        for (var i = depth - 2; i >= 0; i--)
        {
            MerkleHash.Node(stack.AsSpan(i * MerkleHash.Size, MerkleHash.Size), root, root);
        }

        root.CopyTo(destination);
    }

    /// <summary>The root of the tree so far.</summary>
    public byte[] GetRoot()
    {
        var root = new byte[MerkleHash.Size];
        GetRoot(root);
        return root;
    }
}
