using System.Globalization;
using System.Text;

namespace Musubi.Ledger.Storage;

/// <summary>Where a tiled log keeps its tiles (files, object storage, database rows).</summary>
public interface ITileReader
{
    /// <summary>
    /// The tile at <paramref name="level"/> and <paramref name="index"/>, <paramref name="width"/> hashes wide (256
    /// for a full tile, fewer for the partial tile at the right edge): <c>32 · width</c> bytes.
    /// </summary>
    byte[] ReadTile(int level, ulong index, int width);
}

/// <summary>
/// A tree served as C2SP tlog-tiles: tiles of height 8, each up to 256 hashes, the hash at index <c>j</c> of tile
/// <c>L/N</c> being the complete subtree <c>(8·L, 256·N + j)</c>. A node at a level between two tile levels is
/// recomputed from at most 128 hashes of one tile. So the tree math runs on tiles unchanged, and each proof reads
/// each tile it needs once.
/// </summary>
public sealed class TiledHashSource(ITileReader tiles, ulong treeSize) : IMerkleHashSource
{
    /// <summary>Hashes per full tile.</summary>
    public const int TileWidth = 256;

    /// <summary>Tree levels per tile.</summary>
    public const int TileHeight = 8;

    /// <inheritdoc/>
    public ulong TreeSize { get; } = treeSize;

    /// <summary>
    /// The width of tile <paramref name="index"/> at <paramref name="level"/> in a tree of <paramref name="treeSize"/>
    /// leaves: 256 when full, else <c>⌊size / 256^level⌋ mod 256</c> for the partial tile at the edge, 0 when it does
    /// not exist yet.
    /// </summary>
    public static int Width(int level, ulong index, ulong treeSize)
    {
        var hashesAtLevel = level * TileHeight >= 64 ? 0 : treeSize >> (level * TileHeight);
        var start = index * TileWidth;
        return hashesAtLevel <= start ? 0 : (int)Math.Min(TileWidth, hashesAtLevel - start);
    }

    /// <summary>
    /// The tile's path under the log's prefix: <c>tile/&lt;L&gt;/&lt;N&gt;[.p/&lt;W&gt;]</c>, with <c>N</c> in
    /// zero-padded 3-digit groups, all but the last starting with <c>x</c> (1234067 is <c>x001/x234/067</c>).
    /// </summary>
    public static string Path(int level, ulong index, int width)
    {
        var groups = new List<string>();
        do
        {
            groups.Insert(0, (index % 1000).ToString("000", CultureInfo.InvariantCulture));
            index /= 1000;
        }
        while (index > 0);

        var path = new StringBuilder("tile/").Append(level.ToString(CultureInfo.InvariantCulture)).Append('/');
        for (var i = 0; i < groups.Count; i++)
        {
            path.Append(i < groups.Count - 1 ? "x" : string.Empty).Append(groups[i]).Append(i < groups.Count - 1 ? "/" : string.Empty);
        }

        return width < TileWidth ? path.Append(".p/").Append(width.ToString(CultureInfo.InvariantCulture)).ToString() : path.ToString();
    }

    /// <inheritdoc/>
    public void ReadHash(MerkleNode node, Span<byte> destination) => ReadHashes([node], destination);

    /// <inheritdoc/>
    public void ReadHashes(ReadOnlySpan<MerkleNode> nodes, Span<byte> destination)
    {
        var cache = new Dictionary<(int, ulong), byte[]>();
        for (var i = 0; i < nodes.Length; i++)
        {
            var node = nodes[i];
            if (node.Level is < 0 or > 63 || node.Index >= (TreeSize >> node.Level))
            {
                throw new ArgumentOutOfRangeException(nameof(nodes), node, $"No complete subtree {node} in a tree of {TreeSize} leaves.");
            }

            // The node covers 2^below hashes of the tile level under it, all in one tile.
            var tileLevel = node.Level / TileHeight;
            var below = node.Level % TileHeight;
            var first = node.Index << below;
            var tileIndex = first / TileWidth;
            if (!cache.TryGetValue((tileLevel, tileIndex), out var tile))
            {
                var width = Width(tileLevel, tileIndex, TreeSize);
                tile = tiles.ReadTile(tileLevel, tileIndex, width);
                if (tile.Length != width * MerkleHash.Size)
                {
                    throw new InvalidDataException($"Tile {Path(tileLevel, tileIndex, width)} has {tile.Length} bytes, not {width * MerkleHash.Size}.");
                }

                cache[(tileLevel, tileIndex)] = tile;
            }

            var hashes = tile.AsSpan((int)(first % TileWidth) * MerkleHash.Size, (1 << below) * MerkleHash.Size);
            var target = destination.Slice(i * MerkleHash.Size, MerkleHash.Size);
            if (below == 0)
            {
                hashes.CopyTo(target);
            }
            else
            {
                // A complete subtree of 2^below hashes: pair them up level by level.
                var builder = new MerkleRootBuilder();
                for (var h = 0; h < 1 << below; h++)
                {
                    builder.Push(hashes.Slice(h * MerkleHash.Size, MerkleHash.Size));
                }

                builder.GetRoot(target);
            }
        }
    }

    /// <summary>
    /// Cuts a tree into its tiles, as a log serving tlog-tiles would publish them: every full tile and the partial
    /// tile at the edge of each level, keyed by <see cref="Path"/>.
    /// </summary>
    public static Dictionary<string, byte[]> CutTiles(IMerkleHashSource source)
    {
        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        for (var level = 0; level * TileHeight < 64 && Width(level, 0, source.TreeSize) > 0; level++)
        {
            for (ulong index = 0; ; index++)
            {
                var width = Width(level, index, source.TreeSize);
                if (width == 0)
                {
                    break;
                }

                var nodes = new MerkleNode[width];
                for (var j = 0; j < width; j++)
                {
                    nodes[j] = new MerkleNode(level * TileHeight, (index * TileWidth) + (ulong)j);
                }

                var tile = new byte[width * MerkleHash.Size];
                source.ReadHashes(nodes, tile);
                result[Path(level, index, width)] = tile;
            }
        }

        return result;
    }
}
