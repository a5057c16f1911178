using Musubi.Ledger.Storage;

namespace Musubi.Ledger.Tests;

public sealed class TiledHashSourceTests
{
    [Fact]
    public void A_tree_of_70000_leaves_cuts_into_the_tiles_the_tlog_tiles_spec_lists()
    {
        var (_, log) = MerkleTreeTests.Trees(70_000);
        var tiles = TiledHashSource.CutTiles(log);

        // "273 full level 0 tiles, one partial level 0 tile of width 112, one full level 1 tile, one partial level 1
        // tile of width 17, and one partial level 2 tile of width 1."
        Assert.Equal(273, tiles.Keys.Count(k => k.StartsWith("tile/0/", StringComparison.Ordinal) && !k.Contains(".p/", StringComparison.Ordinal)));
        Assert.Contains("tile/0/273.p/112", tiles.Keys);
        Assert.Contains("tile/1/000", tiles.Keys);
        Assert.Contains("tile/1/001.p/17", tiles.Keys);
        Assert.Contains("tile/2/000.p/1", tiles.Keys);
        Assert.Equal(273 + 1 + 1 + 1 + 1, tiles.Count);
        Assert.Equal(256 * 32, tiles["tile/0/272"].Length);
    }

    [Fact]
    public void A_tree_of_256_leaves_has_one_full_tile_and_a_partial_tile_of_width_1_above_it()
    {
        var (_, log) = MerkleTreeTests.Trees(256);
        Assert.Equal(["tile/0/000", "tile/1/000.p/1"], TiledHashSource.CutTiles(log).Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(1234067UL, 256, "tile/0/x001/x234/067")]
    [InlineData(0UL, 256, "tile/0/000")]
    [InlineData(5UL, 17, "tile/0/005.p/17")]
    [InlineData(1000UL, 1, "tile/0/x001/000.p/1")]
    public void Tile_paths_use_three_digit_groups(ulong index, int width, string expected) =>
        Assert.Equal(expected, TiledHashSource.Path(0, index, width));

    [Fact]
    public void Proofs_from_tiles_are_the_proofs_of_the_tree()
    {
        var (naive, log) = MerkleTreeTests.Trees(70_000);
        var published = TiledHashSource.CutTiles(log);
        var reads = 0;
        var source = new TiledHashSource(new DictionaryTiles(published, () => reads++), 70_000);
        var random = new Random(5);
        for (var i = 0; i < 200; i++)
        {
            var size = (ulong)random.Next(1, 70_001);
            var leaf = (ulong)random.NextInt64(0, (long)size);
            Assert.Equal(MerkleTree.InclusionProof(log, leaf, size), MerkleTree.InclusionProof(source, leaf, size));
            Assert.Equal(MerkleTree.ConsistencyProof(log, leaf, size), MerkleTree.ConsistencyProof(source, leaf, size));
            Assert.Equal(MerkleTree.RootHash(log, size), MerkleTree.RootHash(source, size));
        }

        Assert.Equal(naive.Mth(0, 70_000), MerkleTree.RootHash(source, 70_000));
        TestContext.Current.TestOutputHelper?.WriteLine($"{reads} tile reads for 200 × (inclusion proof, consistency proof, root)");
    }

    private sealed class DictionaryTiles(Dictionary<string, byte[]> tiles, Action onRead) : ITileReader
    {
        public byte[] ReadTile(int level, ulong index, int width)
        {
            onRead();
            return tiles[TiledHashSource.Path(level, index, width)];
        }
    }
}
