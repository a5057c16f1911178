namespace Musubi.Ledger.Storage;

/// <summary>One tile written by <see cref="TileAppender"/>: its level, index and hashes (32 bytes each, up to 256).</summary>
public sealed record TileWrite(int Level, ulong Index, byte[] Hashes)
{
    /// <summary>Hashes in the tile.</summary>
    public int Width => Hashes.Length / MerkleHash.Size;
}

/// <summary>
/// Grows a tree stored as C2SP tlog-tiles: given the tree size before and the new leaf hashes, the tiles that change
/// (the partial tile at the edge of each level, made longer, and any new ones). A tile that fills up contributes its
/// root to the level above. Every tile is rewritten whole, so a store keeps one row per tile and replaces the edge
/// tile's row as it grows; a reader of an older, smaller tree takes the first hashes of the row.
/// </summary>
public static class TileAppender
{
    /// <param name="oldSize">Leaves already in the tiles.</param>
    /// <param name="leafHashes">The new leaves' hashes, concatenated.</param>
    /// <param name="readEdgeTile">Reads tile (level, index) of the old tree, <c>width</c> hashes wide.</param>
    public static List<TileWrite> Append(ulong oldSize, ReadOnlySpan<byte> leafHashes, Func<int, ulong, int, byte[]> readEdgeTile)
    {
        if (leafHashes.Length % MerkleHash.Size != 0)
        {
            throw new ArgumentException("Leaf hashes come in 32-byte units.", nameof(leafHashes));
        }

        const int tileBytes = TiledHashSource.TileWidth * MerkleHash.Size;
        var writes = new List<TileWrite>();
        var toAppend = leafHashes.ToArray();
        for (var level = 0; toAppend.Length > 0; level++)
        {
            var before = level * TiledHashSource.TileHeight >= 64 ? 0 : oldSize >> (level * TiledHashSource.TileHeight);
            var tileIndex = before / TiledHashSource.TileWidth;
            var width = (int)(before % TiledHashSource.TileWidth);
            var edge = width > 0 ? readEdgeTile(level, tileIndex, width) : [];
            if (edge.Length != width * MerkleHash.Size)
            {
                throw new InvalidDataException($"Tile {TiledHashSource.Path(level, tileIndex, width)} has {edge.Length} bytes, not {width * MerkleHash.Size}.");
            }

            var buffer = new byte[edge.Length + toAppend.Length];
            edge.CopyTo(buffer, 0);
            toAppend.CopyTo(buffer, edge.Length);
            var parents = new List<byte>();
            for (var offset = 0; offset < buffer.Length; offset += tileBytes)
            {
                var length = Math.Min(tileBytes, buffer.Length - offset);
                var tile = buffer.AsSpan(offset, length).ToArray();
                writes.Add(new TileWrite(level, tileIndex + (ulong)(offset / tileBytes), tile));
                if (length == tileBytes)
                {
                    parents.AddRange(MerkleTree.ComputeRoot(tile));
                }
            }

            toAppend = [.. parents];
        }

        return writes;
    }
}
