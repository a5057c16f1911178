using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Musubi.Ledger.Checkpoints;

namespace Musubi.Ledger.Bundles;

/// <summary>Options for writing a bundle.</summary>
public sealed record BundleWriteOptions
{
    /// <summary>Older signed checkpoints of the same log to include, each with a consistency proof to the bundle's checkpoint.</summary>
    public IReadOnlyList<string> History { get; init; } = [];

    /// <summary>Free text for the reader (case number, request, who exported it).</summary>
    public string? Description { get; init; }

    /// <summary>When the bundle was made; informational.</summary>
    public DateTimeOffset? CreatedAt { get; init; }
}

/// <summary>
/// Writes offline export bundles (docs/LEDGER-FORMAT.md): JSON Lines, a header with the signed checkpoint and the
/// log's public key, then one line per entry. A <em>range</em> bundle holds consecutive entries and the few hashes
/// needed to recompute the checkpoint's root from them; a <em>sparse</em> bundle holds chosen entries, each with its
/// inclusion proof. <see cref="BundleVerifier"/> checks either without any other input.
/// </summary>
public static class LedgerBundle
{
    private const int ChunkLeaves = 4096;

    /// <summary>
    /// Writes the consecutive entries <c>[first, first + count)</c>. <paramref name="entries"/> must yield exactly
    /// those, in order; a payload that does not hash to the log's leaf is an error (the store and the log disagree).
    /// </summary>
    public static void WriteRange(
        Stream output, IMerkleHashSource hashes, string signedCheckpoint, NoteVerifier key, ulong first, ulong count,
        IEnumerable<BundleEntry> entries, BundleWriteOptions? options = null)
    {
        var checkpoint = OpenCheckpoint(hashes, signedCheckpoint, key);
        if (first > checkpoint.TreeSize || count > checkpoint.TreeSize - first)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"Entries [{first}, {first + count}) are not all within the checkpoint's {checkpoint.TreeSize}.");
        }

        var end = first + count;
        List<(ulong, ulong)> nodes = [.. RangeProof.LeftNodes(first), .. RangeProof.RightNodes(end, checkpoint.TreeSize)];
        var header = Header(BundleHeader.RangeMode, checkpoint, signedCheckpoint, key, first, count, hashes, options);
        header.RangeProof = [.. nodes.Select(n => Convert.ToHexStringLower(MerkleTree.SubtreeHash(hashes, n.Item1, n.Item2)))];

        var writer = new LineWriter(output);
        writer.WriteHeader(header);
        var leaves = new byte[ChunkLeaves * MerkleHash.Size];
        ulong chunkStart = 0;
        var chunkCount = 0;
        var next = first;
        foreach (var entry in entries)
        {
            if (entry.Index != next || next >= end)
            {
                throw new ArgumentException($"Expected entry {(next < end ? next.ToString(CultureInfo.InvariantCulture) : "none")}, got entry {entry.Index}.", nameof(entries));
            }

            if (next >= chunkStart + (ulong)chunkCount)
            {
                chunkStart = next;
                chunkCount = (int)Math.Min(ChunkLeaves, end - next);
                hashes.ReadLeafHashes(chunkStart, leaves.AsSpan(0, chunkCount * MerkleHash.Size));
            }

            var leaf = leaves.AsSpan((int)(next - chunkStart) * MerkleHash.Size, MerkleHash.Size);
            writer.WriteEntry(entry, leaf, []);
            next++;
        }

        if (next != end)
        {
            throw new ArgumentException($"The entries stopped at {next}; the bundle was to hold [{first}, {end}).", nameof(entries));
        }

        writer.Flush();
    }

    /// <summary>Writes chosen entries (any indices below the checkpoint's size, increasing), each with its inclusion proof.</summary>
    public static void WriteSparse(
        Stream output, IMerkleHashSource hashes, string signedCheckpoint, NoteVerifier key, IReadOnlyList<BundleEntry> entries, BundleWriteOptions? options = null)
    {
        var checkpoint = OpenCheckpoint(hashes, signedCheckpoint, key);
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i].Index >= checkpoint.TreeSize || (i > 0 && entries[i].Index <= entries[i - 1].Index))
            {
                throw new ArgumentException("Sparse entries have increasing indices below the checkpoint's tree size.", nameof(entries));
            }
        }

        var header = Header(BundleHeader.SparseMode, checkpoint, signedCheckpoint, key, entries.Count > 0 ? entries[0].Index : 0, (ulong)entries.Count, hashes, options);
        header.Indices = [.. entries.Select(e => e.Index)];
        var writer = new LineWriter(output);
        writer.WriteHeader(header);
        Span<byte> leaf = stackalloc byte[MerkleHash.Size];
        foreach (var entry in entries)
        {
            hashes.ReadHash(new MerkleNode(0, entry.Index), leaf);
            writer.WriteEntry(entry, leaf, MerkleTree.InclusionProof(hashes, entry.Index, checkpoint.TreeSize), withProof: true);
        }

        writer.Flush();
    }

    private static Checkpoint OpenCheckpoint(IMerkleHashSource hashes, string signedCheckpoint, NoteVerifier key)
    {
        var opened = Checkpoint.Open(signedCheckpoint, key);
        if (opened.Checkpoint is not { } checkpoint)
        {
            throw new ArgumentException($"The checkpoint does not verify with {key.KeyName}: {opened.Reason}", nameof(signedCheckpoint));
        }

        if (checkpoint.TreeSize > hashes.TreeSize || !MerkleTree.RootHash(hashes, checkpoint.TreeSize).AsSpan().SequenceEqual(checkpoint.RootHash))
        {
            throw new ArgumentException("The checkpoint is not a checkpoint of this log (its root differs from the log's at that size).", nameof(signedCheckpoint));
        }

        return checkpoint;
    }

    private static BundleHeader Header(
        string mode, Checkpoint checkpoint, string signedCheckpoint, NoteVerifier key, ulong first, ulong count, IMerkleHashSource hashes, BundleWriteOptions? options)
    {
        var header = new BundleHeader
        {
            Format = BundleHeader.FormatName,
            Version = BundleHeader.CurrentVersion,
            Mode = mode,
            Origin = checkpoint.Origin,
            TreeSize = checkpoint.TreeSize,
            First = first,
            Count = count,
            VerifierKey = key.ToString(),
            Checkpoint = signedCheckpoint,
            CreatedAt = options?.CreatedAt?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            Description = options?.Description,
        };

        foreach (var older in options?.History ?? [])
        {
            var opened = Checkpoint.Open(older, key);
            if (opened.Checkpoint is not { } old || old.TreeSize > checkpoint.TreeSize)
            {
                throw new ArgumentException($"A history checkpoint does not verify or is newer than the bundle's: {opened.Reason}", nameof(options));
            }

            var proof = MerkleTree.ConsistencyProof(hashes, old.TreeSize, checkpoint.TreeSize);
            header.History.Add(new BundleHistoryEntry
            {
                Checkpoint = older,
                ConsistencyProof = [.. ProofFormat.ToHexList(proof).Split(',', StringSplitOptions.RemoveEmptyEntries)],
            });
        }

        return header;
    }

    private sealed class LineWriter(Stream output)
    {
        private readonly ArrayBufferWriter<byte> buffer = new(1 << 20);

        public void WriteHeader(BundleHeader header)
        {
            using (var json = new Utf8JsonWriter(buffer))
            {
                JsonSerializer.Serialize(json, header, BundleHeader.Json);
            }

            buffer.Write("\n"u8);
        }

        public void WriteEntry(BundleEntry entry, ReadOnlySpan<byte> leaf, ReadOnlySpan<byte> proof, bool withProof = false)
        {
            if (entry.Payload is { } payload)
            {
                Span<byte> computed = stackalloc byte[MerkleHash.Size];
                MerkleHash.Leaf(payload.Span, computed);
                if (!computed.SequenceEqual(leaf))
                {
                    throw new InvalidDataException($"Entry {entry.Index}'s payload does not hash to the log's leaf {Convert.ToHexStringLower(leaf)}.");
                }

                EntryLines.Write(buffer, entry.Index, leaf, payload.Span, null, proof, withProof);
            }
            else
            {
                EntryLines.Write(buffer, entry.Index, leaf, [], entry.RemovedReason ?? "removed", proof, withProof);
            }

            if (buffer.WrittenCount > (1 << 20) - (64 << 10))
            {
                Flush();
            }
        }

        public void Flush()
        {
            output.Write(buffer.WrittenSpan);
            buffer.ResetWrittenCount();
            output.Flush();
        }
    }
}
