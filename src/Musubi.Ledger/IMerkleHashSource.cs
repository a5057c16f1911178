namespace Musubi.Ledger;

/// <summary>
/// A complete subtree of the tree: the <c>2^Level</c> leaves starting at leaf <c>Index &lt;&lt; Level</c>. Level 0
/// nodes are the leaves themselves. In C2SP tlog-tiles terms, the node (l, i) with <c>l = 8·L</c> is hash
/// <c>i mod 256</c> of tile <c>L/⌊i/256⌋</c>.
/// </summary>
public readonly record struct MerkleNode(int Level, ulong Index)
{
    /// <summary>The first leaf the node covers.</summary>
    public ulong Start => Index << Level;

    /// <summary>One past the last leaf the node covers.</summary>
    public ulong End => (Index + 1) << Level;

    public override string ToString() => $"({Level}, {Index})";
}

/// <summary>
/// Where proofs and roots come from: the hashes of the complete subtrees of an append-only tree. A complete subtree's
/// hash never changes once its last leaf is in, so any store that keeps them (all levels in a file, tiles of 256
/// hashes every 8 levels as in C2SP tlog-tiles, rows in a database) can answer; the tree math reads
/// <c>O(log n)</c> of them per proof and never needs an incomplete node.
/// </summary>
public interface IMerkleHashSource
{
    /// <summary>Leaves in the tree (its size); nodes entirely below it can be read.</summary>
    ulong TreeSize { get; }

    /// <summary>Writes the hash of the complete subtree <paramref name="node"/> (32 bytes) to <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The node reaches past <see cref="TreeSize"/>.</exception>
    void ReadHash(MerkleNode node, Span<byte> destination);

    /// <summary>
    /// Writes the hashes of <paramref name="nodes"/>, in order, to <paramref name="destination"/> (32 bytes each).
    /// Every proof asks for its nodes in one call, so a store that can fetch in bulk (one tile per 256 hashes, one
    /// query) should override this.
    /// </summary>
    void ReadHashes(ReadOnlySpan<MerkleNode> nodes, Span<byte> destination)
    {
        for (var i = 0; i < nodes.Length; i++)
        {
            ReadHash(nodes[i], destination.Slice(i * MerkleHash.Size, MerkleHash.Size));
        }
    }

    /// <summary>
    /// Copies consecutive leaf hashes, from leaf <paramref name="start"/>, into <paramref name="destination"/> (as many
    /// as it holds, 32 bytes each). Exports read every leaf, so a store that keeps them together should override this.
    /// </summary>
    void ReadLeafHashes(ulong start, Span<byte> destination)
    {
        for (var i = 0; i < destination.Length / MerkleHash.Size; i++)
        {
            ReadHash(new MerkleNode(0, start + (ulong)i), destination.Slice(i * MerkleHash.Size, MerkleHash.Size));
        }
    }
}
