using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Musubi.Ledger.Storage;

/// <summary>The bytes of the file header and of a batch record (docs/LEDGER-FORMAT.md, "The log file").</summary>
public sealed partial class FileMerkleLog
{
    private static void WriteFileHeader(SafeFileHandle handle)
    {
        Span<byte> header = stackalloc byte[FileHeaderSize];
        header.Clear();
        FileMagic.CopyTo(header);
        BinaryPrimitives.WriteUInt32BigEndian(header[16..], FormatVersion);
        BinaryPrimitives.WriteUInt32BigEndian(header[20..], HashSize);
        RandomAccess.Write(handle, header, 0);
        RandomAccess.FlushToDisk(handle);
    }

    private static bool IsFileHeader(ReadOnlySpan<byte> header) =>
        header.StartsWith(FileMagic)
        && BinaryPrimitives.ReadUInt32BigEndian(header[16..]) == FormatVersion
        && BinaryPrimitives.ReadUInt32BigEndian(header[20..]) == HashSize
        && !header[24..].ContainsAnyExcept((byte)0);

    // Record header: magic (8) | sequence (8) | first leaf (8) | leaf count (4) | hash count (4) | SHA-256 of the
    // first 32 header bytes and the hashes (32). Big-endian, like everything else in the format.
    private static void WriteRecordHeader(Span<byte> header, ulong sequence, ulong firstLeaf, int leafCount, int hashCount, ReadOnlySpan<byte> body)
    {
        RecordMagic.CopyTo(header);
        BinaryPrimitives.WriteUInt64BigEndian(header[8..], sequence);
        BinaryPrimitives.WriteUInt64BigEndian(header[16..], firstLeaf);
        BinaryPrimitives.WriteUInt32BigEndian(header[24..], (uint)leafCount);
        BinaryPrimitives.WriteUInt32BigEndian(header[28..], (uint)hashCount);
        Checksum(header[..32], body, header[32..]);
    }

    private static bool TryReadRecordHeader(ReadOnlySpan<byte> header, ulong sequence, ulong size, out int leafCount, out int hashCount)
    {
        leafCount = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(header[24..]), int.MaxValue);
        hashCount = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(header[28..]), int.MaxValue);
        return header.StartsWith(RecordMagic)
            && BinaryPrimitives.ReadUInt64BigEndian(header[8..]) == sequence
            && BinaryPrimitives.ReadUInt64BigEndian(header[16..]) == size
            && leafCount is > 0 and <= MaxBatchLeaves
            && (ulong)hashCount == PostOrderPosition(size + (ulong)leafCount) - PostOrderPosition(size);
    }

    private static bool RecordChecksumMatches(SafeFileHandle handle, long offset, long length)
    {
        var record = new byte[length];
        return RandomAccess.Read(handle, record, offset) == length && ChecksumMatches(record);
    }

    private static bool ChecksumMatches(ReadOnlySpan<byte> record)
    {
        Span<byte> expected = stackalloc byte[HashSize];
        Checksum(record[..32], record[RecordHeaderSize..], expected);
        return expected.SequenceEqual(record.Slice(32, HashSize));
    }

    private static void Checksum(ReadOnlySpan<byte> headerFields, ReadOnlySpan<byte> body, Span<byte> destination)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(headerFields);
        hash.AppendData(body);
        hash.GetHashAndReset(destination);
    }
}
