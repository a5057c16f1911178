namespace Musubi.Ledger.Storage;

/// <summary>
/// An append-only Merkle log held in memory: every complete subtree hash, one growable array per level. For tests,
/// caches and small logs; <see cref="FileMerkleLog"/> is the durable one. Not thread-safe for concurrent appends.
/// </summary>
public sealed class MemoryMerkleLog : IMerkleHashSource
{
    private readonly List<byte[]> levels = [];
    private readonly List<int> levelLengths = [];
    private readonly MerkleRootBuilder frontier = new();
    private readonly byte[] completed = new byte[64 * MerkleHash.Size];

    /// <inheritdoc/>
    public ulong TreeSize => frontier.Count;

    /// <summary>Appends one entry (hashed as a leaf) and returns its index.</summary>
    public ulong Append(ReadOnlySpan<byte> entry)
    {
        Span<byte> leaf = stackalloc byte[MerkleHash.Size];
        MerkleHash.Leaf(entry, leaf);
        return AppendLeafHash(leaf);
    }

    /// <summary>Appends a leaf hash and returns its index.</summary>
    public ulong AppendLeafHash(ReadOnlySpan<byte> leafHash)
    {
        var index = frontier.Count;
        var closed = frontier.Push(leafHash, completed);
        Add(0, leafHash);
        for (var i = 0; i < closed; i++)
        {
            Add(i + 1, completed.AsSpan(i * MerkleHash.Size, MerkleHash.Size));
        }

        return index;
    }

    /// <summary>The root of the whole log.</summary>
    public byte[] Root() => frontier.GetRoot();

    /// <inheritdoc/>
    public void ReadHash(MerkleNode node, Span<byte> destination)
    {
        if (node.Level < 0 || node.Level >= levels.Count || node.Index >= (ulong)levelLengths[node.Level] / MerkleHash.Size)
        {
            throw new ArgumentOutOfRangeException(nameof(node), node, $"No complete subtree {node} in a log of {TreeSize} leaves.");
        }

        levels[node.Level].AsSpan((int)node.Index * MerkleHash.Size, MerkleHash.Size).CopyTo(destination);
    }

    private void Add(int level, ReadOnlySpan<byte> hash)
    {
        if (level == levels.Count)
        {
            levels.Add(new byte[MerkleHash.Size * 16]);
            levelLengths.Add(0);
        }

        var length = levelLengths[level];
        if (length + MerkleHash.Size > levels[level].Length)
        {
            var grown = new byte[levels[level].Length * 2];
            levels[level].AsSpan(0, length).CopyTo(grown);
            levels[level] = grown;
        }

        hash.CopyTo(levels[level].AsSpan(length));
        levelLengths[level] = length + MerkleHash.Size;
    }
}
