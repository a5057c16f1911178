namespace Musubi.Detection.Indicators;

/// <summary>
/// Open-addressing map from a 64-bit key to an int, for IPv4 networks (key: prefix length in the high word, network
/// in the low word). Linear probing over parallel arrays; <see cref="Empty"/> marks a free slot.
/// </summary>
internal sealed class AddressTable
{
    private const ulong Empty = ulong.MaxValue;

    private ulong[] keys;
    private int[] values;
    private int count;

    public AddressTable()
    {
        keys = new ulong[64];
        values = new int[64];
        Array.Fill(keys, Empty);
    }

    public int Count => count;

    public long ApproximateBytes => (keys.Length * 8L) + (values.Length * 4L);

    public int Find(ulong key)
    {
        var mask = keys.Length - 1;
        var i = (int)Mix(key) & mask;
        while (true)
        {
            var k = keys[i];
            if (k == key)
            {
                return values[i];
            }

            if (k == Empty)
            {
                return -1;
            }

            i = (i + 1) & mask;
        }
    }

    /// <summary>Stores <paramref name="value"/> for <paramref name="key"/>; returns the value it replaces, or -1.</summary>
    public int Exchange(ulong key, int value)
    {
        var mask = keys.Length - 1;
        var i = (int)Mix(key) & mask;
        while (keys[i] != Empty)
        {
            if (keys[i] == key)
            {
                var previous = values[i];
                values[i] = value;
                return previous;
            }

            i = (i + 1) & mask;
        }

        if ((count + 1) * 2 > keys.Length)
        {
            Grow();
        }

        Place(key, value);
        count++;
        return -1;
    }

    public void ForEachKey(Action<ulong> action)
    {
        foreach (var key in keys)
        {
            if (key != Empty)
            {
                action(key);
            }
        }
    }

    private static ulong Mix(ulong key)
    {
        key ^= key >> 33;
        key *= 0xFF51AFD7ED558CCDUL;
        key ^= key >> 33;
        return key;
    }

    private void Place(ulong key, int value)
    {
        var mask = keys.Length - 1;
        var i = (int)Mix(key) & mask;
        while (keys[i] != Empty)
        {
            i = (i + 1) & mask;
        }

        keys[i] = key;
        values[i] = value;
    }

    private void Grow()
    {
        var oldKeys = keys;
        var oldValues = values;
        keys = new ulong[oldKeys.Length * 2];
        values = new int[oldKeys.Length * 2];
        Array.Fill(keys, Empty);
        for (var i = 0; i < oldKeys.Length; i++)
        {
            if (oldKeys[i] != Empty)
            {
                Place(oldKeys[i], oldValues[i]);
            }
        }
    }
}
