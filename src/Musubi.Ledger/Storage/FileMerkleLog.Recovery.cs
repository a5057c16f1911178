using System.Buffers.Binary;
using System.Numerics;
using Microsoft.Win32.SafeHandles;

namespace Musubi.Ledger.Storage;

/// <summary>Opening a log: checking its records and cutting off a crash's torn tail (see the class remarks).</summary>
public sealed partial class FileMerkleLog
{
    private static FileMerkleLog Recover(string path, SafeFileHandle handle)
    {
        var length = RandomAccess.GetLength(handle);
        Span<byte> fileHeader = stackalloc byte[FileHeaderSize];
        if (length < FileHeaderSize || RandomAccess.Read(handle, fileHeader, 0) != FileHeaderSize || !IsFileHeader(fileHeader))
        {
            throw new InvalidDataException($"{path} is not a Musubi ledger file (no ledger header).");
        }

        var batches = new List<Batch>();
        Span<byte> header = stackalloc byte[RecordHeaderSize];
        long offset = FileHeaderSize;
        ulong size = 0;
        long lastRecordOffset = -1;
        while (offset + RecordHeaderSize <= length)
        {
            RandomAccess.Read(handle, header, offset);
            if (!TryReadRecordHeader(header, (ulong)batches.Count, size, out var leafCount, out var hashCount)
                || offset + RecordHeaderSize + ((long)hashCount * HashSize) > length)
            {
                break;
            }

            batches.Add(new Batch(size, PostOrderPosition(size), offset + RecordHeaderSize));
            lastRecordOffset = offset;
            size += (ulong)leafCount;
            offset += RecordHeaderSize + ((long)hashCount * HashSize);
        }

        // Only the last record can have been caught by a crash: check its bytes against its checksum.
        if (lastRecordOffset >= 0 && !RecordChecksumMatches(handle, lastRecordOffset, offset - lastRecordOffset))
        {
            var torn = batches[^1];
            batches.RemoveAt(batches.Count - 1);
            size = torn.FirstLeaf;
            offset = lastRecordOffset;
        }

        var truncated = length - offset;
        if (truncated > 0)
        {
            if (LaterRecordExists(handle, offset, length, (ulong)batches.Count, size))
            {
                var where = batches.Count == 0 ? "before the first batch" : $"after batch {batches.Count - 1}, which ends before leaf {size}";
                throw new InvalidDataException(
                    $"{path} is damaged at byte {offset} ({where}): a valid batch follows the damage, so this is not a crash's " +
                    "torn tail. Restore the file from a copy; nothing was cut off.");
            }

            RandomAccess.SetLength(handle, offset);
            RandomAccess.FlushToDisk(handle);
        }

        var state = State.From(batches, size);
        var frontier = ReadFrontier(handle, state);
        return new FileMerkleLog(path, handle, frontier, state, offset, truncated);
    }

    private static MerkleRootBuilder ReadFrontier(SafeFileHandle handle, State state)
    {
        var size = state.TreeSize;
        var hashes = new byte[BitOperations.PopCount(size) * HashSize];
        ulong start = 0;
        var i = 0;
        for (var level = 63; level >= 0; level--)
        {
            if ((size & (1UL << level)) == 0)
            {
                continue;
            }

            var lastLeaf = start + (1UL << level) - 1;
            var batch = state.Find(lastLeaf);
            var position = PostOrderPosition(lastLeaf) + (ulong)level;
            var offset = batch.HashesOffset + (long)((position - batch.FirstPosition) * HashSize);
            if (RandomAccess.Read(handle, hashes.AsSpan(i * HashSize, HashSize), offset) != HashSize)
            {
                throw new InvalidDataException("The ledger file ended inside a record it had already checked.");
            }

            start += 1UL << level;
            i++;
        }

        return MerkleRootBuilder.FromFrontier(size, hashes);
    }

    // Damage, not a crash, when a plausible later record (right magic, a later sequence number and first leaf) sits
    // anywhere after the bad spot. Records start at 32-byte boundaries, so only those are examined.
    private static bool LaterRecordExists(SafeFileHandle handle, long from, long length, ulong sequence, ulong size)
    {
        var buffer = new byte[1 << 16];
        for (var chunkStart = from; chunkStart < length; chunkStart += buffer.Length - RecordHeaderSize)
        {
            var read = RandomAccess.Read(handle, buffer, chunkStart);
            for (var at = 0; at + RecordHeaderSize <= read; at += HashSize)
            {
                var candidate = buffer.AsSpan(at, RecordHeaderSize);
                if (candidate.StartsWith(RecordMagic)
                    && BinaryPrimitives.ReadUInt64BigEndian(candidate[8..]) > sequence
                    && BinaryPrimitives.ReadUInt64BigEndian(candidate[16..]) > size)
                {
                    return true;
                }
            }

            if (read < buffer.Length)
            {
                break;
            }
        }

        return false;
    }
}
