using System.Text;

namespace Musubi.Feeds.Events;

/// <summary>
/// Process-wide interning of the short, highly repeated values of an event (feed names, classifications, malware
/// names, protocols, extra field names): an event stores an int instead of a string. Id 0 is "absent". Safe for
/// concurrent use; lookups of a known value do not allocate.
/// </summary>
public static class FeedSymbols
{
    /// <summary>Distinct values ever interned; beyond this, values are refused (a malformed feed cannot grow it without bound).</summary>
    public const int MaxSymbols = 1 << 20;

    /// <summary>Longest value interned; longer ones are kept as plain strings by the callers that allow it.</summary>
    public const int MaxLength = 256;

    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, int> Ids = new(StringComparer.Ordinal) { [""] = 0 };
    private static readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> IdsBySpan = Ids.GetAlternateLookup<ReadOnlySpan<char>>();
    private static string[] values = new string[1024];
    private static int count = 1;

    static FeedSymbols() => values[0] = "";

    public static int Count => Volatile.Read(ref count);

    public static string Get(int id) => id <= 0 ? "" : Volatile.Read(ref values)[id];

    public static int Intern(string value) => Intern(value.AsSpan());

    public static int Intern(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return 0;
        }

        lock (Gate)
        {
            if (IdsBySpan.TryGetValue(value, out int id))
            {
                return id;
            }

            if (count >= MaxSymbols || value.Length > MaxLength)
            {
                return -1;
            }

            string text = value.ToString();
            if (count == values.Length)
            {
                Array.Resize(ref values, values.Length * 2);
            }

            values[count] = text;
            Ids[text] = count;
            return count++;
        }
    }

    /// <returns>The id, or -1 when the value is too long, not valid UTF-8, or the table is full.</returns>
    public static int Intern(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return 0;
        }

        if (utf8.Length > MaxLength * 3)
        {
            return -1;
        }

        Span<char> chars = stackalloc char[utf8.Length];
        if (!Encoding.UTF8.TryGetChars(utf8, chars, out int written))
        {
            return -1;
        }

        return Intern(chars[..written]);
    }
}
