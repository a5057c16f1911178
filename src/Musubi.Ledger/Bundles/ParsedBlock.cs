using System.Buffers;
using System.Collections.Concurrent;
using System.Numerics;

namespace Musubi.Ledger.Bundles;

/// <summary>
/// The entry lines of one block of a range bundle, parsed and with their payloads hashed: the part of verification
/// that needs no order, so blocks can be done on several cores while one thread places the results in the tree.
/// </summary>
internal sealed class ParsedBlock
{
    // Blocks are recycled: a bundle of a million entries would otherwise allocate ~100 MB of them.
    private static readonly ConcurrentBag<ParsedBlock> Recycled = [];

    private ParsedBlock(int capacity)
    {
        Index = new ulong[capacity];
        Line = new int[capacity];
        State = new EntryState[capacity];
        Errors = new string?[capacity];
        Stated = new byte[capacity * MerkleHash.Size];
        Content = new byte[capacity * MerkleHash.Size];
    }

    public enum EntryState : byte
    {
        /// <summary>Payload hashed into <see cref="Content"/>.</summary>
        Payload,

        /// <summary>Payload removed; only the stated leaf hash.</summary>
        Removed,

        /// <summary>The line is not an entry; <see cref="Errors"/> says why.</summary>
        Malformed,
    }

    /// <summary>Entries (non-blank lines) in the block.</summary>
    public int Count { get; private set; }

    /// <summary>Lines in the block, blank ones included.</summary>
    public int Lines { get; private set; }

    public ulong[] Index { get; }

    /// <summary>1-based line number within the block.</summary>
    public int[] Line { get; }

    public EntryState[] State { get; }

    public string?[] Errors { get; }

    /// <summary>Whether a malformed line still had a readable index.</summary>
    public bool[]? HasIndex { get; private set; }

    public byte[] Stated { get; }

    public byte[] Content { get; }

    /// <summary>Hands the block back for reuse once its results have been consumed.</summary>
    public void Recycle()
    {
        if (Recycled.Count < 16)
        {
            Recycled.Add(this);
        }
    }

    /// <summary>Parses and hashes every line of <paramref name="block"/>, then returns the block to the pool.</summary>
    public static ParsedBlock Parse(byte[] block, int length)
    {
        try
        {
            var data = block.AsSpan(0, length);
            var parsed = Rent(data.Count((byte)'\n') + 1);
            var payload = new byte[4096];
            var lineNumber = 0;
            while (!data.IsEmpty)
            {
                var newline = data.IndexOf((byte)'\n');
                var line = newline < 0 ? data : data[..newline];
                data = newline < 0 ? [] : data[(newline + 1)..];
                lineNumber++;
                if (line.IndexOfAnyExcept((byte)' ', (byte)'\r', (byte)'\t') < 0)
                {
                    continue;
                }

                var i = parsed.Count++;
                parsed.Line[i] = lineNumber;
                var stated = parsed.Stated.AsSpan(i * MerkleHash.Size, MerkleHash.Size);
                var entry = EntryLines.Parse(line, stated, ref payload);
                parsed.Index[i] = entry.Index;
                if (entry.Error is not null)
                {
                    parsed.State[i] = EntryState.Malformed;
                    parsed.Errors[i] = entry.Error;
                    parsed.HasIndex ??= new bool[parsed.Index.Length];
                    parsed.HasIndex[i] = entry.HasIndex;
                }
                else if (entry.HasPayload)
                {
                    parsed.State[i] = EntryState.Payload;
                    MerkleHash.Leaf(entry.Payload, parsed.Content.AsSpan(i * MerkleHash.Size, MerkleHash.Size));
                }
                else
                {
                    parsed.State[i] = EntryState.Removed;
                }
            }

            parsed.Lines = lineNumber;
            return parsed;
        }
        finally
        {
            if (block.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(block);
            }
        }
    }

    private static ParsedBlock Rent(int lines)
    {
        var parsed = Recycled.TryTake(out var recycled) && recycled.Index.Length >= lines
            ? recycled
            : new ParsedBlock((int)Math.Min(BitOperations.RoundUpToPowerOf2((uint)Math.Max(lines, 1024)), int.MaxValue));
        parsed.Count = 0;
        parsed.Lines = 0;
        return parsed;
    }
}
