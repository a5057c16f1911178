using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Musubi.Detection.Events;

/// <summary>
/// The flattened field handle of every JSON path seen so far, as a tree of path nodes keyed by (parent node, the
/// property name's raw UTF-8 bytes): walking an event then costs one hash probe per property name, with no name
/// decoded, composed or looked up by text — that happens once per distinct path, the first time a value sits there.
/// Raw bytes are the key, so an escaped spelling (<c>"Comm\u0061ndLine"</c>) is its own node with the same decoded
/// name, and resolves alike. Bounded: past <see cref="Limit"/> nodes it starts again (between events only).
/// </summary>
internal sealed class PathCache
{
    /// <summary>The root node (no property yet).</summary>
    public const int Root = 0;

    private const int Limit = 1 << 16;
    private const int Unresolved = int.MinValue;

    private int[] parents = new int[256];
    private int[] depths = new int[256];
    private int[] handles = new int[256];
    private int[] hashes = new int[256];
    private int[] rawStarts = new int[256];
    private int[] rawLengths = new int[256];
    private string[] segments = new string[256];
    private byte[] raw = new byte[4096];
    private int rawUsed;
    private int[] slots = new int[512];
    private Range[] path = new Range[16];
    private char[] names = new char[256];
    private char[] name = new char[256];

    private EventFrame? owner;
    private int ownerVersion;

    public int Count { get; private set; }

    /// <summary>Makes the cache valid for this sink (its resolutions are kept while the sink's field table stays the same).</summary>
    public void Prepare(EventFrame sink)
    {
        if (!ReferenceEquals(owner, sink) || ownerVersion != sink.ResolverVersion || Count > Limit)
        {
            owner = sink;
            ownerVersion = sink.ResolverVersion;
            Reset();
        }
    }

    private void Reset()
    {
        Array.Clear(slots);
        rawUsed = 0;
        Count = 1; // the root
        parents[0] = -1;
        depths[0] = 0;
        handles[0] = -1;
        segments[0] = "";
    }

    /// <summary>The node of the property the reader is on, under <paramref name="parent"/>.</summary>
    public int Child(int parent, ref Utf8JsonReader reader)
    {
        var bytes = reader.ValueSpan;
        var hash = Hash(parent, bytes);
        var mask = slots.Length - 1;
        var slot = hash & mask;
        while (true)
        {
            var node = slots[slot] - 1;
            if (node < 0)
            {
                break;
            }

            if (hashes[node] == hash && parents[node] == parent && raw.AsSpan(rawStarts[node], rawLengths[node]).SequenceEqual(bytes))
            {
                return node;
            }

            slot = (slot + 1) & mask;
        }

        return Add(parent, hash, bytes, ref reader);
    }

    /// <summary>The sink's handle for values at <paramref name="node"/> (negative: not wanted).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Handle(int node)
    {
        var handle = handles[node];
        return handle != Unresolved ? handle : Resolve(node);
    }

    private int Add(int parent, int hash, ReadOnlySpan<byte> bytes, ref Utf8JsonReader reader)
    {
        // Decoded first: a name that does not decode throws here, as it did before there was a cache, and is not kept.
        var segment = reader.GetString()!;
        if (Count == parents.Length)
        {
            var size = Count * 2;
            Array.Resize(ref parents, size);
            Array.Resize(ref depths, size);
            Array.Resize(ref handles, size);
            Array.Resize(ref hashes, size);
            Array.Resize(ref rawStarts, size);
            Array.Resize(ref rawLengths, size);
            Array.Resize(ref segments, size);
        }

        if (rawUsed + bytes.Length > raw.Length)
        {
            Array.Resize(ref raw, Math.Max(raw.Length * 2, rawUsed + bytes.Length));
        }

        var node = Count++;
        parents[node] = parent;
        depths[node] = depths[parent] + 1;
        handles[node] = Unresolved;
        hashes[node] = hash;
        rawStarts[node] = rawUsed;
        rawLengths[node] = bytes.Length;
        segments[node] = segment;
        bytes.CopyTo(raw.AsSpan(rawUsed));
        rawUsed += bytes.Length;
        if (Count * 2 > slots.Length)
        {
            Rehash(slots.Length * 2);
        }
        else
        {
            Insert(node);
        }

        return node;
    }

    private void Insert(int node)
    {
        var mask = slots.Length - 1;
        var slot = hashes[node] & mask;
        while (slots[slot] != 0)
        {
            slot = (slot + 1) & mask;
        }

        slots[slot] = node + 1;
    }

    private void Rehash(int capacity)
    {
        slots = new int[capacity];
        for (var node = 1; node < Count; node++)
        {
            Insert(node);
        }
    }

    private int Resolve(int node)
    {
        var depth = depths[node];
        if (path.Length < depth)
        {
            Array.Resize(ref path, Math.Max(depth, path.Length * 2));
        }

        var length = 0;
        for (var n = node; n != Root; n = parents[n])
        {
            length += segments[n].Length;
        }

        if (names.Length < length)
        {
            Array.Resize(ref names, Math.Max(length, names.Length * 2));
        }

        var end = length;
        for (int n = node, d = depth - 1; n != Root; n = parents[n], d--)
        {
            var segment = segments[n];
            segment.CopyTo(names.AsSpan(end - segment.Length));
            path[d] = new Range(end - segment.Length, end);
            end -= segment.Length;
        }

        if (name.Length < length + depth)
        {
            Array.Resize(ref name, Math.Max(length + depth, name.Length * 2));
        }

        var written = FieldNaming.Compose(path.AsSpan(0, depth), names, name);
        var handle = owner!.Resolve(name.AsSpan(0, written));
        handles[node] = handle;
        return handle;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Hash(int parent, ReadOnlySpan<byte> bytes)
    {
        var h = (ulong)(uint)parent * 0x9E3779B97F4A7C15UL ^ (ulong)bytes.Length;
        while (bytes.Length >= 8)
        {
            h = (BitOperations.RotateLeft(h, 23) ^ MemoryMarshal.Read<ulong>(bytes)) * 0x9E3779B97F4A7C15UL;
            bytes = bytes[8..];
        }

        ulong tail = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            tail |= (ulong)bytes[i] << (8 * i);
        }

        h = (BitOperations.RotateLeft(h, 23) ^ tail) * 0x9E3779B97F4A7C15UL;
        return (int)((h >> 32) & 0x7FFFFFFF);
    }
}
