using System.Text;

namespace Musubi.Detection.Indicators;

/// <summary>Strings kept as UTF-8, back to back in one array: a million indicator ids cost their bytes, not a million objects.</summary>
internal sealed class ByteArena
{
    private byte[] data = new byte[4096];
    private int length;
    private int[] ends = new int[256];
    private int count;

    public int Count => count;

    public long ApproximateBytes => data.Length + (ends.Length * 4L);

    public int Add(string text)
    {
        var bytes = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (length + bytes > data.Length)
        {
            Array.Resize(ref data, Math.Max(data.Length * 2, length + bytes));
        }

        length += Encoding.UTF8.GetBytes(text, data.AsSpan(length));
        return Close();
    }

    public int Add(ReadOnlySpan<byte> utf8)
    {
        if (length + utf8.Length > data.Length)
        {
            Array.Resize(ref data, Math.Max(data.Length * 2, length + utf8.Length));
        }

        utf8.CopyTo(data.AsSpan(length));
        length += utf8.Length;
        return Close();
    }

    public ReadOnlySpan<byte> Get(int index)
    {
        var start = index == 0 ? 0 : ends[index - 1];
        return data.AsSpan(start, ends[index] - start);
    }

    public string GetString(int index) => Encoding.UTF8.GetString(Get(index));

    public void Trim()
    {
        Array.Resize(ref data, length);
        Array.Resize(ref ends, count);
    }

    private int Close()
    {
        if (count == ends.Length)
        {
            Array.Resize(ref ends, count * 2);
        }

        ends[count] = length;
        return count++;
    }
}
