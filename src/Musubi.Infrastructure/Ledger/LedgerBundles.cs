using System.Buffers.Binary;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Musubi.Ledger;

namespace Musubi.Infrastructure.Ledger;

/// <summary>
/// An entry bundle (as C2SP tlog-tiles' entry bundles): up to <see cref="LedgerBundleCodec.MaxEntries"/> consecutive
/// leaves appended by one <see cref="ILedger.AppendAsync"/>, stored as one row so that a batch of 10,000 entries is
/// about 40 row inserts and one commit. A bundle never crosses a multiple of 256 (a level-0 tile), so the bundle that
/// holds leaf <c>i</c> starts in <c>[i - i % 256, i]</c>. Retention rewrites <see cref="Entries"/> without the expired
/// payloads; <see cref="LeafHashes"/> never changes.
/// </summary>
public sealed class LedgerBundleEntity
{
    /// <summary>The leaf index of the first entry (the primary key).</summary>
    public long FirstIndex { get; set; }

    public int Count { get; set; }

    /// <summary>The earliest and latest entry time, UTC ticks (for retention and exports by time).</summary>
    public long FirstAtTicks { get; set; }

    public long LastAtTicks { get; set; }

    /// <summary>How many entries still have their payload (0: retention has nothing left to do here).</summary>
    public int PayloadsKept { get; set; }

    /// <summary>The leaf hashes, 32 bytes each, in index order.</summary>
    public required byte[] LeafHashes { get; set; }

    /// <summary>The entries, encoded by <see cref="LedgerBundleCodec"/>.</summary>
    public required byte[] Entries { get; set; }
}

internal sealed class LedgerBundleConfiguration : IEntityTypeConfiguration<LedgerBundleEntity>
{
    public void Configure(EntityTypeBuilder<LedgerBundleEntity> e)
    {
        e.ToTable("ledger_bundles");
        e.HasKey(x => x.FirstIndex);
        e.Property(x => x.FirstIndex).ValueGeneratedNever();
        e.HasIndex(x => x.FirstAtTicks);
        e.HasIndex(x => x.LastAtTicks);
    }
}

/// <summary>
/// The byte layout of <see cref="LedgerBundleEntity.Entries"/>: per entry, in index order, a flags byte (1 = has an
/// organisation, 2 = payload removed), the category (one length byte, ASCII), the organisation (16 bytes, if any), the
/// time (8 bytes, UTC ticks, little-endian), the payload's length (4 bytes; for a removed payload, the length it had); then either the payload, or (removed) the
/// removal time (8 bytes) and reason (2 length bytes, UTF-8). Leaf hashes are kept apart, so the tree and find-hash read
/// them without decoding entries.
/// </summary>
public static class LedgerBundleCodec
{
    /// <summary>Entries per bundle at most: one level-0 tile.</summary>
    public const int MaxEntries = 256;

    /// <summary>A bundle is closed once its encoded entries reach this size (payloads may be up to 1 MB each).</summary>
    public const int TargetBytes = 1 << 20;

    private const byte HasOrganisation = 1;
    private const byte Removed = 2;

    /// <summary>Splits appended entries (consecutive indices, assigned) into bundles.</summary>
    public static List<LedgerBundleEntity> Bundle(IReadOnlyList<LedgerEntryEntity> entries)
    {
        var bundles = new List<LedgerBundleEntity>(entries.Count / MaxEntries + 2);
        var start = 0;
        while (start < entries.Count)
        {
            var first = entries[start].Index;
            var end = start;
            var bytes = 0L;
            do
            {
                bytes += EncodedSize(entries[end]);
                end++;
            }
            while (end < entries.Count && (entries[end].Index % MaxEntries) != 0 && bytes < TargetBytes);

            bundles.Add(Encode(first, entries, start, end - start));
            start = end;
        }

        return bundles;
    }

    /// <summary>Encodes <paramref name="count"/> entries from <paramref name="offset"/> as one bundle starting at <paramref name="first"/>.</summary>
    public static LedgerBundleEntity Encode(long first, IReadOnlyList<LedgerEntryEntity> entries, int offset, int count)
    {
        var size = 0L;
        for (var i = offset; i < offset + count; i++)
        {
            size += EncodedSize(entries[i]);
        }

        var data = new byte[size];
        var leaves = new byte[count * MerkleHash.Size];
        var pos = 0;
        long firstAt = long.MaxValue, lastAt = long.MinValue;
        var kept = 0;
        for (var i = 0; i < count; i++)
        {
            var e = entries[offset + i];
            if (e.Index != first + i || e.LeafHash.Length != MerkleHash.Size)
            {
                throw new InvalidOperationException($"Ledger entry {e.Index} cannot be bundled at {first + i}.");
            }

            e.LeafHash.CopyTo(leaves, i * MerkleHash.Size);
            var removed = e.Payload is null;
            data[pos++] = (byte)((e.OrganisationId is null ? 0 : HasOrganisation) | (removed ? Removed : 0));
            var category = Encoding.ASCII.GetBytes(e.Category);
            data[pos++] = checked((byte)category.Length);
            category.CopyTo(data, pos);
            pos += category.Length;
            if (e.OrganisationId is { } org)
            {
                org.TryWriteBytes(data.AsSpan(pos, 16));
                pos += 16;
            }

            var at = e.At.UtcTicks;
            firstAt = Math.Min(firstAt, at);
            lastAt = Math.Max(lastAt, at);
            BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(pos), at);
            pos += 8;
            // A kept payload's length is its own; a removed one keeps the length it had.
            BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(pos), removed ? e.PayloadLength : e.Payload!.Length);
            pos += 4;
            if (!removed)
            {
                e.Payload!.CopyTo(data, pos);
                pos += e.Payload!.Length;
                kept++;
            }
            else
            {
                BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(pos), (e.PayloadRemovedAt ?? default).UtcTicks);
                pos += 8;
                var reason = Encoding.UTF8.GetBytes(e.PayloadRemovedReason ?? "");
                BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(pos), checked((ushort)reason.Length));
                pos += 2;
                reason.CopyTo(data, pos);
                pos += reason.Length;
            }
        }

        return new LedgerBundleEntity
        {
            FirstIndex = first, Count = count, FirstAtTicks = firstAt, LastAtTicks = lastAt, PayloadsKept = kept, LeafHashes = leaves, Entries = data,
        };
    }

    /// <summary>The bundle's entries (detached <see cref="LedgerEntryEntity"/> objects, Id 0); throws <see cref="InvalidDataException"/> naming the bundle when its bytes do not parse.</summary>
    public static List<LedgerEntryEntity> Decode(LedgerBundleEntity bundle)
    {
        if (bundle.Count is < 1 or > MaxEntries || bundle.LeafHashes.Length != bundle.Count * MerkleHash.Size)
        {
            throw Malformed(bundle, $"{bundle.Count} entries with {bundle.LeafHashes.Length} bytes of leaf hashes");
        }

        var list = new List<LedgerEntryEntity>(bundle.Count);
        var data = bundle.Entries;
        var pos = 0;
        try
        {
            for (var i = 0; i < bundle.Count; i++)
            {
                var flags = data[pos++];
                if ((flags & ~(HasOrganisation | Removed)) != 0)
                {
                    throw Malformed(bundle, $"entry {bundle.FirstIndex + i} has unknown flags {flags}");
                }

                var categoryLength = data[pos++];
                var category = Encoding.ASCII.GetString(data.AsSpan(pos, categoryLength));
                pos += categoryLength;
                Guid? org = null;
                if ((flags & HasOrganisation) != 0)
                {
                    org = new Guid(data.AsSpan(pos, 16));
                    pos += 16;
                }

                var at = new DateTimeOffset(ReadTicks(data, ref pos, bundle), TimeSpan.Zero);
                var length = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(pos, 4));
                pos += 4;
                if (length < 0 || length > LedgerService.MaxPayloadBytes)
                {
                    throw Malformed(bundle, $"entry {bundle.FirstIndex + i} has a payload length of {length}");
                }

                var entry = new LedgerEntryEntity
                {
                    Index = bundle.FirstIndex + i, Category = category, OrganisationId = org, At = at, PayloadLength = length,
                    LeafHash = bundle.LeafHashes.AsSpan(i * MerkleHash.Size, MerkleHash.Size).ToArray(),
                };
                if ((flags & Removed) == 0)
                {
                    entry.Payload = data.AsSpan(pos, length).ToArray();
                    pos += length;
                }
                else
                {
                    entry.PayloadRemovedAt = new DateTimeOffset(ReadTicks(data, ref pos, bundle), TimeSpan.Zero);
                    var reasonLength = BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(pos, 2));
                    pos += 2;
                    entry.PayloadRemovedReason = Encoding.UTF8.GetString(data.AsSpan(pos, reasonLength));
                    pos += reasonLength;
                }

                list.Add(entry);
            }
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException or ArgumentException)
        {
            throw Malformed(bundle, $"its entries end early (entry {bundle.FirstIndex + list.Count})");
        }

        if (pos != data.Length)
        {
            throw Malformed(bundle, $"{data.Length - pos} bytes follow its last entry");
        }

        return list;
    }

    private static long ReadTicks(byte[] data, ref int pos, LedgerBundleEntity bundle)
    {
        var ticks = BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(pos, 8));
        pos += 8;
        return ticks is >= 0 and <= 3155378975999999999 ? ticks : throw Malformed(bundle, "a time is out of range");
    }

    private static long EncodedSize(LedgerEntryEntity e) =>
        2 + e.Category.Length + (e.OrganisationId is null ? 0 : 16) + 8 + 4
        + (e.Payload is { } p ? p.Length : 10 + Encoding.UTF8.GetByteCount(e.PayloadRemovedReason ?? ""));

    private static InvalidDataException Malformed(LedgerBundleEntity b, string what) =>
        new($"Ledger bundle {b.FirstIndex} (entries {b.FirstIndex} to {b.FirstIndex + Math.Max(b.Count, 1) - 1}) is malformed: {what}.");
}
