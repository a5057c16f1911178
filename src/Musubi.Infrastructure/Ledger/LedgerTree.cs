using Microsoft.EntityFrameworkCore;
using Musubi.Infrastructure.Data;
using Musubi.Ledger;
using Musubi.Ledger.Storage;

namespace Musubi.Infrastructure.Ledger;

/// <summary>
/// The Merkle tree of the ledger, stored as C2SP tlog-tiles in <c>ledger_tiles</c> and derived from the leaf hashes
/// in <c>ledger_entries</c> and <c>ledger_bundles</c> (<see cref="LedgerStore"/>). <see cref="CatchUpAsync"/> brings the tiles up to the last acknowledged entry; it runs
/// before every checkpoint and after a crash, and is idempotent (the tiles' size is stored with them, in one
/// transaction).
/// </summary>
public sealed class LedgerTree(MusubiDbContext db)
{
    /// <summary>Leaves integrated per transaction.</summary>
    public const int ChunkLeaves = 65_536;

    /// <summary>Integrates every acknowledged entry into the tiles; returns the tree size.</summary>
    public async Task<long> CatchUpAsync(CancellationToken ct)
    {
        while (true)
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await LedgerSql.LockAsync(db, ct);
            var state = await db.LedgerState.AsNoTracking().SingleAsync(s => s.Id == LedgerStateEntity.SingletonId, ct);
            if (state.TreeSize >= state.NextIndex)
            {
                await tx.CommitAsync(ct);
                return state.TreeSize;
            }

            var end = Math.Min(state.NextIndex, state.TreeSize + ChunkLeaves);
            var leaves = await LedgerStore.LeafHashesAsync(db, state.TreeSize, end, ct);
            var hashes = new byte[leaves.Count * MerkleHash.Size];
            for (var i = 0; i < leaves.Count; i++)
            {
                if (leaves[i].Index != state.TreeSize + i || leaves[i].LeafHash.Length != MerkleHash.Size)
                {
                    throw new InvalidDataException($"Ledger entry {state.TreeSize + i} is missing or malformed; the tree cannot grow past it.");
                }

                leaves[i].LeafHash.CopyTo(hashes, i * MerkleHash.Size);
            }

            if (leaves.Count != end - state.TreeSize)
            {
                throw new InvalidDataException($"Ledger entry {state.TreeSize + leaves.Count} is missing; the tree cannot grow past it.");
            }

            var edges = new Dictionary<(int, long), LedgerTileEntity>();
            var writes = TileAppender.Append((ulong)state.TreeSize, hashes, (level, index, width) =>
            {
                var row = db.LedgerTiles.SingleOrDefault(t => t.Level == level && t.Index == (long)index)
                    ?? throw new InvalidDataException($"Tile {TiledHashSource.Path(level, index, width)} is missing.");
                edges[(level, (long)index)] = row;
                return row.Hashes.Length >= width * MerkleHash.Size ? row.Hashes.AsSpan(0, width * MerkleHash.Size).ToArray()
                    : throw new InvalidDataException($"Tile {TiledHashSource.Path(level, index, width)} is shorter than the tree.");
            });
            foreach (var w in writes)
            {
                if (edges.TryGetValue((w.Level, (long)w.Index), out var row))
                {
                    row.Hashes = w.Hashes;
                }
                else
                {
                    db.LedgerTiles.Add(new LedgerTileEntity { Level = w.Level, Index = (long)w.Index, Hashes = w.Hashes });
                }
            }

            var tracked = await db.LedgerState.SingleAsync(s => s.Id == LedgerStateEntity.SingletonId, ct);
            tracked.TreeSize = end;
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>The tree as far as the tiles reach, for roots and proofs at any size up to it.</summary>
    public async Task<IMerkleHashSource> OpenAsync(CancellationToken ct)
    {
        var size = await db.LedgerState.AsNoTracking().Where(s => s.Id == LedgerStateEntity.SingletonId).Select(s => s.TreeSize).SingleAsync(ct);
        return new DbHashSource(db, (ulong)size);
    }

    /// <summary>
    /// Tiles read from the database, full ones cached for the life of this source (a full tile never changes). Leaf
    /// hashes in bulk come straight from level-0 tiles.
    /// </summary>
    private sealed class DbHashSource(MusubiDbContext db, ulong treeSize) : IMerkleHashSource, ITileReader
    {
        private readonly Dictionary<(int, ulong), byte[]> cache = [];
        private TiledHashSource? tiled;

        public ulong TreeSize => treeSize;

        private TiledHashSource Tiled => tiled ??= new TiledHashSource(this, treeSize);

        public void ReadHash(MerkleNode node, Span<byte> destination) => Tiled.ReadHashes([node], destination);

        public void ReadHashes(ReadOnlySpan<MerkleNode> nodes, Span<byte> destination) => Tiled.ReadHashes(nodes, destination);

        public void ReadLeafHashes(ulong start, Span<byte> destination)
        {
            var count = (ulong)(destination.Length / MerkleHash.Size);
            if (start + count > treeSize)
            {
                throw new ArgumentOutOfRangeException(nameof(start), $"Leaves [{start}, {start + count}) reach past the tree's {treeSize}.");
            }

            for (var leaf = start; leaf < start + count;)
            {
                var tileIndex = leaf / TiledHashSource.TileWidth;
                var tile = ReadTile(0, tileIndex, TiledHashSource.Width(0, tileIndex, treeSize));
                var offset = (int)(leaf % TiledHashSource.TileWidth);
                var n = (int)Math.Min((ulong)(tile.Length / MerkleHash.Size - offset), start + count - leaf);
                tile.AsSpan(offset * MerkleHash.Size, n * MerkleHash.Size).CopyTo(destination[(int)((leaf - start) * MerkleHash.Size)..]);
                leaf += (ulong)n;
            }
        }

        public byte[] ReadTile(int level, ulong index, int width)
        {
            if (cache.TryGetValue((level, index), out var cached) && cached.Length >= width * MerkleHash.Size)
            {
                return cached.Length == width * MerkleHash.Size ? cached : cached.AsSpan(0, width * MerkleHash.Size).ToArray();
            }

            var row = db.LedgerTiles.AsNoTracking().Where(t => t.Level == level && t.Index == (long)index).Select(t => t.Hashes).SingleOrDefault()
                ?? throw new InvalidDataException($"Tile {TiledHashSource.Path(level, index, width)} is missing from the ledger.");
            if (row.Length < width * MerkleHash.Size)
            {
                throw new InvalidDataException($"Tile {TiledHashSource.Path(level, index, width)} is shorter than the tree.");
            }

            if (cache.Count > 4096)
            {
                cache.Clear();
            }

            cache[(level, index)] = row;
            return row.Length == width * MerkleHash.Size ? row : row.AsSpan(0, width * MerkleHash.Size).ToArray();
        }
    }
}
