using Musubi.Ledger.Storage;

namespace Musubi.Ledger.Tests;

public sealed class FileMerkleLogTests
{
    private static readonly int[] BatchSizes = [1, 2, 5, 1, 8, 13, 64, 3, 100, 7];

    [Fact]
    public void Batches_appended_to_the_file_give_the_same_roots_and_proofs_as_the_definition()
    {
        using var folder = new TempFolder();
        var naive = NaiveMerkle.WithEntries(BatchSizes.Sum());
        using var log = FileMerkleLog.Open(folder.File("ledger.log"));
        var next = 0;
        foreach (var size in BatchSizes)
        {
            var first = log.AppendBatch(Entries(next, size));
            Assert.Equal((ulong)next, first);
            next += size;
            Assert.Equal((ulong)next, log.TreeSize);
            Assert.Equal(naive.Mth(0, next), log.Root());
            Assert.Equal(naive.Mth(0, next), MerkleTree.RootHash(log, (ulong)next));
        }

        for (var n = 1; n <= next; n += 17)
        {
            for (var i = 0; i < n; i += 5)
            {
                Assert.Equal(naive.Path(i, n), MerkleTree.InclusionProof(log, (ulong)i, (ulong)n));
            }

            Assert.Equal(naive.Proof(n / 2 + 1, n).Length > 0 && n / 2 + 1 < n ? naive.Proof(n / 2 + 1, n) : [], MerkleTree.ConsistencyProof(log, (ulong)(n / 2 + 1), (ulong)n));
        }

        Assert.Null(log.VerifyIntegrity());
    }

    [Fact]
    public void A_reopened_log_has_every_batch_and_goes_on_appending()
    {
        using var folder = new TempFolder();
        var path = folder.File("ledger.log");
        var naive = NaiveMerkle.WithEntries(60);
        using (var log = FileMerkleLog.Open(path))
        {
            log.AppendBatch(Entries(0, 20));
            log.AppendBatch(Entries(20, 13));
        }

        using (var log = FileMerkleLog.Open(path))
        {
            Assert.Equal(33UL, log.TreeSize);
            Assert.Equal(2, log.BatchCount);
            Assert.Equal(0, log.TruncatedBytes);
            Assert.Equal(naive.Mth(0, 33), log.Root());
            log.AppendBatch(Entries(33, 27));
            Assert.Equal(naive.Mth(0, 60), log.Root());
            Assert.Equal(naive.Path(40, 60), MerkleTree.InclusionProof(log, 40, 60));
        }
    }

    [Fact]
    public void Leaf_hashes_read_back_in_order_across_batches()
    {
        using var folder = new TempFolder();
        var naive = NaiveMerkle.WithEntries(300);
        using var log = FileMerkleLog.Open(folder.File("ledger.log"));
        log.AppendBatch(Entries(0, 100));
        log.AppendBatch(Entries(100, 7));
        log.AppendBatch(Entries(107, 193));

        var leaves = new byte[250 * MerkleHash.Size];
        ((IMerkleHashSource)log).ReadLeafHashes(30, leaves);
        for (var i = 0; i < 250; i++)
        {
            Assert.Equal(naive.LeafHash(30 + i), leaves.AsSpan(i * 32, 32).ToArray());
        }
    }

    [Fact]
    public void A_crash_that_cuts_the_last_batch_anywhere_loses_only_that_unacknowledged_batch()
    {
        using var folder = new TempFolder();
        var path = folder.File("ledger.log");
        var naive = NaiveMerkle.WithEntries(60);
        long acknowledgedLength;
        long fullLength;
        using (var log = FileMerkleLog.Open(path))
        {
            log.AppendBatch(Entries(0, 21));
            log.AppendBatch(Entries(21, 10));
            acknowledgedLength = new FileInfo(path).Length;
            log.AppendBatch(Entries(31, 29));
            fullLength = new FileInfo(path).Length;
        }

        var original = File.ReadAllBytes(path);
        var cuts = 0;
        for (var cut = acknowledgedLength; cut < fullLength; cut += cut - acknowledgedLength < 80 ? 1 : 29)
        {
            File.WriteAllBytes(path, original.AsSpan(0, (int)cut).ToArray());
            using (var log = FileMerkleLog.Open(path))
            {
                Assert.Equal(31UL, log.TreeSize);
                Assert.Equal(naive.Mth(0, 31), log.Root());
                Assert.Equal(cut - acknowledgedLength, log.TruncatedBytes);
                Assert.Null(log.VerifyIntegrity());

                // The log goes on from where the acknowledged batches end.
                log.AppendBatch(Entries(31, 29));
                Assert.Equal(naive.Mth(0, 60), log.Root());
            }

            cuts++;
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{cuts} cut points inside the last record, none lost an acknowledged batch");
    }

    [Fact]
    public void Garbage_after_the_last_complete_batch_is_cut_off_and_no_batch_is_lost()
    {
        using var folder = new TempFolder();
        var path = folder.File("ledger.log");
        var naive = NaiveMerkle.WithEntries(40);
        using (var log = FileMerkleLog.Open(path))
        {
            log.AppendBatch(Entries(0, 25));
            log.AppendBatch(Entries(25, 15));
        }

        var garbage = new byte[5000];
        new Random(42).NextBytes(garbage);
        using (var stream = new FileStream(path, FileMode.Append))
        {
            stream.Write(garbage);
        }

        using var reopened = FileMerkleLog.Open(path);
        Assert.Equal(40UL, reopened.TreeSize);
        Assert.Equal(naive.Mth(0, 40), reopened.Root());
        Assert.Equal(garbage.Length, reopened.TruncatedBytes);
    }

    [Fact]
    public void A_last_batch_of_full_length_but_zeros_inside_is_treated_as_torn()
    {
        using var folder = new TempFolder();
        var path = folder.File("ledger.log");
        var naive = NaiveMerkle.WithEntries(30);
        long acknowledgedLength;
        using (var log = FileMerkleLog.Open(path))
        {
            log.AppendBatch(Entries(0, 20));
            acknowledgedLength = new FileInfo(path).Length;
            log.AppendBatch(Entries(20, 10));
        }

        // A file system may extend the file before the data reaches the disk: the tail reads as zeros.
        var bytes = File.ReadAllBytes(path);
        bytes.AsSpan((int)acknowledgedLength + FileMerkleLog.RecordHeaderSize + 64).Clear();
        File.WriteAllBytes(path, bytes);

        using var reopened = FileMerkleLog.Open(path);
        Assert.Equal(20UL, reopened.TreeSize);
        Assert.Equal(naive.Mth(0, 20), reopened.Root());
    }

    [Fact]
    public void Damage_before_the_last_batch_stops_the_open_instead_of_cutting_acknowledged_batches()
    {
        using var folder = new TempFolder();
        var path = folder.File("ledger.log");
        using (var log = FileMerkleLog.Open(path))
        {
            log.AppendBatch(Entries(0, 4));
            log.AppendBatch(Entries(4, 4));
            log.AppendBatch(Entries(8, 4));
        }

        var bytes = File.ReadAllBytes(path);
        bytes[FileMerkleLog.FileHeaderSize + 10] ^= 0xff; // the first record's sequence number
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<InvalidDataException>(() => FileMerkleLog.Open(path));
        TestContext.Current.TestOutputHelper?.WriteLine(error.Message);
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void Changing_any_stored_byte_is_detected()
    {
        using var folder = new TempFolder();
        var path = folder.File("ledger.log");
        var naive = NaiveMerkle.WithEntries(12);
        using (var log = FileMerkleLog.Open(path))
        {
            log.AppendBatch(Entries(0, 5));
            log.AppendBatch(Entries(5, 3));
            log.AppendBatch(Entries(8, 4));
        }

        var original = File.ReadAllBytes(path);
        var detectedBy = new Dictionary<string, int>();
        for (var i = 0; i < original.Length; i++)
        {
            var changed = (byte[])original.Clone();
            changed[i] ^= 0x01;
            File.WriteAllBytes(path, changed);
            string how;
            try
            {
                using var log = FileMerkleLog.Open(path);
                if (log.TreeSize != 12 || !log.Root().SequenceEqual(naive.Mth(0, 12)))
                {
                    how = "open: tree size or root changed";
                }
                else if (log.VerifyIntegrity() is not null)
                {
                    how = "VerifyIntegrity";
                }
                else
                {
                    how = "undetected";
                }
            }
            catch (InvalidDataException)
            {
                how = "open refused the file";
            }

            Assert.True(how != "undetected", $"changing byte {i} of {original.Length} went unnoticed");
            detectedBy[how] = detectedBy.GetValueOrDefault(how) + 1;
        }

        foreach (var (how, count) in detectedBy)
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"{count} bytes: {how}");
        }
    }

    [Fact]
    public void A_file_that_is_not_a_ledger_is_refused_and_left_alone()
    {
        using var folder = new TempFolder();
        var path = folder.File("notes.txt");
        File.WriteAllText(path, "not a ledger at all, but quite long enough to hold a header");
        Assert.Throws<InvalidDataException>(() => FileMerkleLog.Open(path));
        Assert.Equal("not a ledger at all, but quite long enough to hold a header", File.ReadAllText(path));
    }

    [Fact]
    public void A_second_writer_cannot_open_the_same_log()
    {
        using var folder = new TempFolder();
        var path = folder.File("ledger.log");
        using var log = FileMerkleLog.Open(path);
        Assert.ThrowsAny<IOException>(() => FileMerkleLog.Open(path));
    }

    [Fact]
    public async Task Reads_during_appends_see_only_whole_batches()
    {
        using var folder = new TempFolder();
        var naive = NaiveMerkle.WithEntries(2000);
        using var log = FileMerkleLog.Open(folder.File("ledger.log"));
        log.AppendBatch(Entries(0, 10));
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            var reads = 0;
            while (!stop.IsCancellationRequested)
            {
                var size = log.TreeSize;
                var root = MerkleTree.RootHash(log, size);
                Assert.Equal(naive.Mth(0, (int)size), root);
                reads++;
            }

            return reads;
        });

        for (var next = 10; next < 2000; next += 10)
        {
            log.AppendBatch(Entries(next, 10));
        }

        stop.Cancel();
        var reads = await reader;
        TestContext.Current.TestOutputHelper?.WriteLine($"{reads} consistent roots read during 199 appends");
    }

    private static ReadOnlyMemory<byte>[] Entries(int first, int count) =>
        [.. Enumerable.Range(first, count).Select(i => (ReadOnlyMemory<byte>)NaiveMerkle.Entry(i))];
}
