namespace Musubi.Ledger.Storage;

/// <summary>The in-memory index of the batches, published to readers as immutable snapshots.</summary>
public sealed partial class FileMerkleLog
{
    private readonly record struct Batch(ulong FirstLeaf, ulong FirstPosition, long HashesOffset);

    // What readers see: the batches durably written so far. Appends fill slots past Count and publish a new State, so
    // a reader holding an old one never sees a half-made batch.
    private sealed class State(Batch[] batches, int count, ulong treeSize)
    {
        public Batch[] Batches { get; } = batches;

        public int Count { get; } = count;

        public ulong TreeSize { get; } = treeSize;

        public static State From(List<Batch> batches, ulong treeSize)
        {
            var array = new Batch[Math.Max(16, batches.Count * 2)];
            batches.CopyTo(array);
            return new State(array, batches.Count, treeSize);
        }

        public State With(Batch batch, ulong treeSize)
        {
            var array = Batches;
            if (Count == array.Length)
            {
                array = new Batch[array.Length * 2];
                Batches.AsSpan(0, Count).CopyTo(array);
            }

            array[Count] = batch;
            return new State(array, Count + 1, treeSize);
        }

        public Batch Find(ulong leaf)
        {
            int lo = 0, hi = Count - 1;
            while (lo < hi)
            {
                var mid = (lo + hi + 1) >>> 1;
                if (Batches[mid].FirstLeaf <= leaf)
                {
                    lo = mid;
                }
                else
                {
                    hi = mid - 1;
                }
            }

            return Batches[lo];
        }

        public ulong EndOfBatch(Batch batch, ulong treeSize)
        {
            var index = Array.BinarySearch(Batches, 0, Count, batch, BatchComparer.Instance);
            return index + 1 < Count ? Batches[index + 1].FirstLeaf : treeSize;
        }
    }

    private sealed class BatchComparer : IComparer<Batch>
    {
        public static BatchComparer Instance { get; } = new();

        public int Compare(Batch x, Batch y) => x.FirstLeaf.CompareTo(y.FirstLeaf);
    }
}
