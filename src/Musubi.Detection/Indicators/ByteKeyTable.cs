using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Musubi.Detection.Indicators;

/// <summary>
/// An open-addressing hash set of byte strings, each mapped to an int. Keys live back to back in one array; a slot
/// packs the key's 32-bit hash and its entry number into one long, so a probe costs one cache line and a key is only
/// compared when the hashes agree. Filled once while a snapshot is built, read-only afterwards.
/// </summary>
internal sealed class ByteKeyTable
{
    private static readonly ulong Seed = (ulong)Random.Shared.NextInt64() | 1;

    private byte[] keys = new byte[1024];
    private int keyBytes;
    private int[] keyEnds = new int[64];
    private int[] values = new int[64];
    private long[] slots = new long[128];
    private int count;

    public int Count => count;

    public long ApproximateBytes => keys.Length + ((long)keyEnds.Length * 4) + ((long)values.Length * 4) + ((long)slots.Length * 8);

    public ReadOnlySpan<byte> Key(int entry) => keys.AsSpan(entry == 0 ? 0 : keyEnds[entry - 1], keyEnds[entry] - (entry == 0 ? 0 : keyEnds[entry - 1]));

    public int Value(int entry) => values[entry];

    public void SetValue(int entry, int value) => values[entry] = value;

    /// <summary>The entry of <paramref name="key"/>, added with <paramref name="value"/> when absent.</summary>
    public int GetOrAdd(ReadOnlySpan<byte> key, int value, out bool added)
    {
        var hash = Hash(key);
        var existing = Find(key, hash);
        if (existing >= 0)
        {
            added = false;
            return existing;
        }

        if ((count + 1) * 2 > slots.Length)
        {
            Grow();
        }

        if (keyBytes + key.Length > keys.Length)
        {
            Array.Resize(ref keys, Math.Max(keys.Length * 2, keyBytes + key.Length));
        }

        if (count == keyEnds.Length)
        {
            Array.Resize(ref keyEnds, count * 2);
            Array.Resize(ref values, count * 2);
        }

        key.CopyTo(keys.AsSpan(keyBytes));
        keyBytes += key.Length;
        keyEnds[count] = keyBytes;
        values[count] = value;
        Place(hash, count);
        added = true;
        return count++;
    }

    /// <summary>Drops the spare capacity left by growing.</summary>
    public void Trim()
    {
        Array.Resize(ref keys, keyBytes);
        Array.Resize(ref keyEnds, count);
        Array.Resize(ref values, count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(ReadOnlySpan<byte> key) => Find(key, Hash(key));

    public int Find(ReadOnlySpan<byte> key, uint hash)
    {
        var mask = slots.Length - 1;
        var i = (int)hash & mask;
        ref var slot0 = ref MemoryMarshal.GetArrayDataReference(slots);
        while (true)
        {
            var slot = Unsafe.Add(ref slot0, i);
            if (slot == 0)
            {
                return -1;
            }

            if ((uint)((ulong)slot >> 32) == hash)
            {
                var entry = (int)(uint)slot - 1;
                var start = entry == 0 ? 0 : keyEnds[entry - 1];
                if (keys.AsSpan(start, keyEnds[entry] - start).SequenceEqual(key))
                {
                    return entry;
                }
            }

            i = (i + 1) & mask;
        }
    }

    /// <summary>A seeded multiply-rotate hash over 8-byte words; the seed changes per process.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Hash(ReadOnlySpan<byte> key)
    {
        var h = Seed ^ ((ulong)key.Length * 0x9E3779B97F4A7C15UL);
        ref var b = ref MemoryMarshal.GetReference(key);
        var i = 0;
        for (; i + 8 <= key.Length; i += 8)
        {
            h = BitOperations.RotateLeft((h ^ Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b, i))) * 0xFF51AFD7ED558CCDUL, 29);
        }

        if (i < key.Length)
        {
            ulong last = 0;
            for (var shift = 0; i < key.Length; i++, shift += 8)
            {
                last |= (ulong)Unsafe.Add(ref b, i) << shift;
            }

            h = BitOperations.RotateLeft((h ^ last) * 0xFF51AFD7ED558CCDUL, 29);
        }

        h ^= h >> 32;
        h *= 0xC4CEB9FE1A85EC53UL;
        h ^= h >> 29;
        return (uint)h;
    }

    private void Place(uint hash, int entry)
    {
        var mask = slots.Length - 1;
        var i = (int)hash & mask;
        while (slots[i] != 0)
        {
            i = (i + 1) & mask;
        }

        slots[i] = (long)(((ulong)hash << 32) | (uint)(entry + 1));
    }

    private void Grow()
    {
        var old = slots;
        slots = new long[old.Length * 2];
        foreach (var slot in old)
        {
            if (slot != 0)
            {
                Place((uint)((ulong)slot >> 32), (int)(uint)slot - 1);
            }
        }
    }
}
