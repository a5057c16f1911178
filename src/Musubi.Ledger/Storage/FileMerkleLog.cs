using System.Buffers;
using System.Numerics;
using Microsoft.Win32.SafeHandles;

namespace Musubi.Ledger.Storage;

/// <summary>
/// A durable append-only Merkle log in one file: every leaf hash and every complete-subtree hash, written in batches,
/// each made durable by one <c>fsync</c> before <see cref="AppendBatch"/> returns. Any node (and so any proof) is a
/// direct read; the file format is in docs/LEDGER-FORMAT.md.
/// </summary>
/// <remarks>
/// <para><b>Layout.</b> A 32-byte file header, then one record per batch: a 64-byte header (sequence number, first
/// leaf, leaf count, hash count, SHA-256 checksum of the record) and the batch's hashes in post-order: each leaf hash
/// followed by the hashes of the complete subtrees it closes. Across the file, leaf <c>j</c> is hash number
/// <c>2j − popcount(j)</c> and the node (level l, index i) is hash number <c>P((i+1)·2^l − 1) + l</c>, so the
/// position of any hash is arithmetic plus one lookup of its batch.</para>
/// <para><b>Crashes.</b> A batch is acknowledged only after its record is written and flushed, and the next record
/// is not started before, so a crash can only leave the last record torn. On open, every record header is checked
/// and the last record's checksum verified; a torn or garbage tail after the last good record is cut off. A bad
/// record that has a good-looking record after it is not a crash but damage, and opening fails instead of cutting
/// acknowledged batches away.</para>
/// <para>One process at a time (the file is opened exclusively); within it, reads are thread-safe and may run during
/// appends.</para>
/// </remarks>
public sealed partial class FileMerkleLog : IMerkleHashSource, IDisposable
{
    /// <summary>The most leaves one batch may hold.</summary>
    public const int MaxBatchLeaves = 1 << 20;

    internal const int FileHeaderSize = 32;
    internal const int RecordHeaderSize = 64;
    internal static ReadOnlySpan<byte> FileMagic => "MUSUBI-LEDGER\n\0\0"u8;
    internal static ReadOnlySpan<byte> RecordMagic => "MSBLBAT1"u8;
    private const int FormatVersion = 1;
    private const int HashSize = MerkleHash.Size;

    private readonly SafeFileHandle handle;
    private readonly object appendGate = new();
    private readonly MerkleRootBuilder frontier;
    private volatile State state;
    private long endOfFile;
    private bool disposed;

    private FileMerkleLog(string path, SafeFileHandle handle, MerkleRootBuilder frontier, State state, long endOfFile, long truncatedBytes)
    {
        Path = path;
        this.handle = handle;
        this.frontier = frontier;
        this.state = state;
        this.endOfFile = endOfFile;
        TruncatedBytes = truncatedBytes;
    }

    /// <summary>The log file.</summary>
    public string Path { get; }

    /// <summary>
    /// Bytes of torn or garbage tail cut off when the log was opened (0 after a clean shutdown). When it is not 0, the
    /// owner should check that the log still reaches its latest signed checkpoint: a crash only ever cuts a batch that
    /// was never acknowledged, but damage to the last record looks the same.
    /// </summary>
    public long TruncatedBytes { get; }

    /// <summary>Leaves durably in the log.</summary>
    public ulong TreeSize => state.TreeSize;

    /// <summary>Batches durably in the log.</summary>
    public int BatchCount => state.Count;

    /// <summary>
    /// Opens the log at <paramref name="path"/>, creating it when missing, and recovers from a crash by cutting off a
    /// torn last batch. Throws <see cref="InvalidDataException"/> when the file is not a ledger or is damaged before
    /// its tail.
    /// </summary>
    public static FileMerkleLog Open(string path)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        var created = !File.Exists(fullPath);
        var handle = File.OpenHandle(fullPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        try
        {
            if (created || RandomAccess.GetLength(handle) == 0)
            {
                WriteFileHeader(handle);
                if (created)
                {
                    DirectorySync.Flush(System.IO.Path.GetDirectoryName(fullPath)!);
                }
            }

            return Recover(fullPath, handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Hashes <paramref name="entries"/> as leaves and appends them as one durable batch; returns the first new leaf's index.</summary>
    public ulong AppendBatch(IReadOnlyList<ReadOnlyMemory<byte>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var leafHashes = ArrayPool<byte>.Shared.Rent(Math.Max(1, entries.Count) * HashSize);
        try
        {
            for (var i = 0; i < entries.Count; i++)
            {
                MerkleHash.Leaf(entries[i].Span, leafHashes.AsSpan(i * HashSize, HashSize));
            }

            return AppendLeafHashes(leafHashes.AsSpan(0, entries.Count * HashSize));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(leafHashes);
        }
    }

    /// <summary>
    /// Appends leaf hashes (32 bytes each, already <c>SHA-256(0x00 ‖ entry)</c>) as one durable batch and returns the
    /// first new leaf's index. When it returns, the batch survives a crash.
    /// </summary>
    public ulong AppendLeafHashes(ReadOnlySpan<byte> leafHashes)
    {
        if (leafHashes.Length == 0 || leafHashes.Length % HashSize != 0)
        {
            throw new ArgumentException("A batch is one or more 32-byte leaf hashes.", nameof(leafHashes));
        }

        var leafCount = leafHashes.Length / HashSize;
        if (leafCount > MaxBatchLeaves)
        {
            throw new ArgumentException($"A batch holds at most {MaxBatchLeaves} leaves.", nameof(leafHashes));
        }

        lock (appendGate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            var current = state;
            var first = current.TreeSize;
            var hashCount = checked((int)(PostOrderPosition(first + (ulong)leafCount) - PostOrderPosition(first)));
            var recordLength = RecordHeaderSize + (hashCount * HashSize);
            var record = ArrayPool<byte>.Shared.Rent(recordLength);
            var saved = frontier.Frontier.ToArray();
            try
            {
                var written = 0;
                var body = record.AsSpan(RecordHeaderSize, hashCount * HashSize);
                for (var i = 0; i < leafCount; i++)
                {
                    var leaf = leafHashes.Slice(i * HashSize, HashSize);
                    leaf.CopyTo(body[(written * HashSize)..]);
                    written++;
                    written += frontier.Push(leaf, body[(written * HashSize)..]);
                }

                WriteRecordHeader(record.AsSpan(0, RecordHeaderSize), (ulong)current.Count, first, leafCount, hashCount, body);
                RandomAccess.Write(handle, record.AsSpan(0, recordLength), endOfFile);
                RandomAccess.FlushToDisk(handle);
            }
            catch
            {
                // Nothing was acknowledged: forget the batch here too. A partly written record is a torn tail that the
                // next append overwrites and the next open cuts off.
                RestoreFrontier(first, saved);
                throw;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(record);
            }

            var batch = new Batch(first, PostOrderPosition(first), endOfFile + RecordHeaderSize);
            endOfFile += recordLength;
            state = current.With(batch, first + (ulong)leafCount);
            return first;
        }
    }

    /// <summary>The root of the whole log.</summary>
    public byte[] Root()
    {
        lock (appendGate)
        {
            return frontier.GetRoot();
        }
    }

    /// <inheritdoc/>
    public void ReadHash(MerkleNode node, Span<byte> destination)
    {
        var snapshot = state;
        if (node.Level is < 0 or > 63 || node.Index >= (snapshot.TreeSize >> node.Level))
        {
            throw new ArgumentOutOfRangeException(nameof(node), node, $"No complete subtree {node} in a log of {snapshot.TreeSize} leaves.");
        }

        var lastLeaf = node.End - 1;
        var batch = snapshot.Find(lastLeaf);
        var position = PostOrderPosition(lastLeaf) + (ulong)node.Level;
        var offset = batch.HashesOffset + (long)((position - batch.FirstPosition) * HashSize);
        ReadExactly(offset, destination[..HashSize]);
    }

    /// <inheritdoc/>
    public void ReadLeafHashes(ulong start, Span<byte> destination)
    {
        var count = destination.Length / HashSize;
        var snapshot = state;
        if (start + (ulong)count > snapshot.TreeSize)
        {
            throw new ArgumentOutOfRangeException(nameof(destination), $"Leaves [{start}, {start + (ulong)count}) reach past the log's {snapshot.TreeSize}.");
        }

        // Leaves sit between node hashes; read each stretch of post-order hashes once and pick the leaves out.
        const int ChunkLeaves = 4096;
        var buffer = ArrayPool<byte>.Shared.Rent(((2 * ChunkLeaves) + 64) * HashSize);
        try
        {
            var done = 0;
            while (done < count)
            {
                var leaf = start + (ulong)done;
                var batch = snapshot.Find(leaf);
                var batchEnd = snapshot.EndOfBatch(batch, snapshot.TreeSize);
                var take = (int)Math.Min((ulong)Math.Min(ChunkLeaves, count - done), batchEnd - leaf);
                var firstPosition = PostOrderPosition(leaf);
                var span = (int)(PostOrderPosition(leaf + (ulong)take - 1) - firstPosition + 1);
                var chunk = buffer.AsSpan(0, span * HashSize);
                ReadExactly(batch.HashesOffset + (long)((firstPosition - batch.FirstPosition) * HashSize), chunk);
                for (var i = 0; i < take; i++)
                {
                    var at = (int)(PostOrderPosition(leaf + (ulong)i) - firstPosition);
                    chunk.Slice(at * HashSize, HashSize).CopyTo(destination.Slice((done + i) * HashSize, HashSize));
                }

                done += take;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Reads the whole file and checks every record's checksum, every leaf's place and every subtree hash against
    /// one recomputed from the leaves. Returns null when all hold, or a description of the first thing that does not.
    /// </summary>
    public string? VerifyIntegrity()
    {
        var snapshot = state;
        var builder = new MerkleRootBuilder();
        var completed = new byte[64 * HashSize];
        for (var b = 0; b < snapshot.Count; b++)
        {
            var batch = snapshot.Batches[b];
            var end = snapshot.EndOfBatch(batch, snapshot.TreeSize);
            var hashCount = (int)(PostOrderPosition(end) - batch.FirstPosition);
            var record = new byte[RecordHeaderSize + (hashCount * HashSize)];
            ReadExactly(batch.HashesOffset - RecordHeaderSize, record);
            if (!ChecksumMatches(record))
            {
                return $"batch {b} (leaves {batch.FirstLeaf} to {end - 1}): its checksum does not match its bytes";
            }

            var body = record.AsSpan(RecordHeaderSize);
            var at = 0;
            for (var leaf = batch.FirstLeaf; leaf < end; leaf++)
            {
                var closed = builder.Push(body.Slice(at * HashSize, HashSize), completed);
                at++;
                for (var level = 1; level <= closed; level++, at++)
                {
                    if (!body.Slice(at * HashSize, HashSize).SequenceEqual(completed.AsSpan((level - 1) * HashSize, HashSize)))
                    {
                        return $"batch {b}: the stored hash of the subtree at level {level} ending at leaf {leaf} is not the hash of its children";
                    }
                }
            }
        }

        return null;
    }

    public void Dispose()
    {
        lock (appendGate)
        {
            if (!disposed)
            {
                disposed = true;
                handle.Dispose();
            }
        }
    }

    /// <summary>The number of hashes written before leaf <paramref name="leaf"/>: <c>2j − popcount(j)</c>.</summary>
    internal static ulong PostOrderPosition(ulong leaf) => (2 * leaf) - (ulong)BitOperations.PopCount(leaf);

    private void RestoreFrontier(ulong size, byte[] savedFrontier)
    {
        frontier.Reset(size, savedFrontier);
        try
        {
            RandomAccess.SetLength(handle, endOfFile);
        }
        catch (IOException)
        {
            // The torn bytes stay; the next append writes over them and the next open cuts off what is left.
        }
    }

    private void ReadExactly(long offset, Span<byte> destination)
    {
        var total = 0;
        while (total < destination.Length)
        {
            var read = RandomAccess.Read(handle, destination[total..], offset + total);
            if (read == 0)
            {
                throw new InvalidDataException($"{Path} ended at byte {offset + total}, inside data it acknowledged.");
            }

            total += read;
        }
    }
}
