using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Musubi.Detection.Indicators;

/// <summary>
/// Open-addressing map from an IPv4 network key (prefix length &lt;&lt; 32 | network: 38 bits) to an entry number
/// (below 2^26). Key and value are packed into one 64-bit slot, so a probe is one memory read — one cache miss for an
/// address that is not in the table, not two as with parallel key and value arrays. Linear probing;
/// <see cref="Empty"/> marks a free slot.
/// </summary>
internal sealed class AddressTable
{
    /// <summary>The largest entry number a slot can hold.</summary>
    public const int MaxValue = (1 << ValueBits) - 1;

    private const int ValueBits = 26;
    private const ulong ValueMask = (1UL << ValueBits) - 1;
    private const ulong Empty = ulong.MaxValue;

    private ulong[] slots;
    private int count;

    public AddressTable()
    {
        slots = new ulong[64];
        Array.Fill(slots, Empty);
    }

    public int Count => count;

    public long ApproximateBytes => slots.Length * 8L;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(ulong key)
    {
        var mask = slots.Length - 1;
        var i = (int)Mix(key) & mask;
        ref var slot0 = ref MemoryMarshal.GetArrayDataReference(slots);
        while (true)
        {
            var slot = Unsafe.Add(ref slot0, i);
            if (slot == Empty)
            {
                return -1;
            }

            if (slot >> ValueBits == key)
            {
                return (int)(slot & ValueMask);
            }

            i = (i + 1) & mask;
        }
    }

    /// <summary>Stores <paramref name="value"/> for <paramref name="key"/>; returns the value it replaces, or -1.</summary>
    public int Exchange(ulong key, int value)
    {
        if ((uint)value > MaxValue || key >> (64 - ValueBits) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), "The IPv4 table holds at most 2^26 entries of 38-bit keys.");
        }

        var mask = slots.Length - 1;
        var i = (int)Mix(key) & mask;
        while (slots[i] != Empty)
        {
            if (slots[i] >> ValueBits == key)
            {
                var previous = (int)(slots[i] & ValueMask);
                slots[i] = (key << ValueBits) | (uint)value;
                return previous;
            }

            i = (i + 1) & mask;
        }

        if ((count + 1) * 2 > slots.Length)
        {
            Grow();
        }

        Place((key << ValueBits) | (uint)value);
        count++;
        return -1;
    }

    public void ForEachKey(Action<ulong> action)
    {
        foreach (var slot in slots)
        {
            if (slot != Empty)
            {
                action(slot >> ValueBits);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong key)
    {
        key ^= key >> 33;
        key *= 0xFF51AFD7ED558CCDUL;
        key ^= key >> 33;
        return key;
    }

    private void Place(ulong slot)
    {
        var mask = slots.Length - 1;
        var i = (int)Mix(slot >> ValueBits) & mask;
        while (slots[i] != Empty)
        {
            i = (i + 1) & mask;
        }

        slots[i] = slot;
    }

    private void Grow()
    {
        var old = slots;
        slots = new ulong[old.Length * 2];
        Array.Fill(slots, Empty);
        foreach (var slot in old)
        {
            if (slot != Empty)
            {
                Place(slot);
            }
        }
    }
}
