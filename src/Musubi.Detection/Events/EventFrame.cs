using System.Runtime.CompilerServices;

namespace Musubi.Detection.Events;

/// <summary>
/// Interns the field names the compiled rules use (case-insensitively, as Sigma field names are matched here), so
/// that an event's values are found by index instead of by name.
/// </summary>
internal sealed class FieldTable
{
    private readonly Dictionary<string, int> ids = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, int> exact = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> lookup;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> exactLookup;
    private readonly List<string> names = [];

    public FieldTable()
    {
        lookup = ids.GetAlternateLookup<ReadOnlySpan<char>>();
        exactLookup = exact.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => names.Count;

    public string NameOf(int id) => names[id];

    public int Intern(string name)
    {
        if (!ids.TryGetValue(name, out var id))
        {
            id = names.Count;
            ids.Add(name, id);
            exact.Add(name, id);
            names.Add(name);
        }

        return id;
    }

    /// <summary>Events mostly spell names as the rules do: the ordinal lookup is tried first, being the cheaper.</summary>
    public int Find(ReadOnlySpan<char> name) =>
        exactLookup.TryGetValue(name, out var id) || lookup.TryGetValue(name, out id) ? id : -1;
}

/// <summary>
/// One event's values, indexed by field id: filled from a JSON walk or an <see cref="ISigmaEvent"/>, read by the
/// compiled rules. Reused from event to event (a generation stamp clears it in O(1)); lower-cased text is made on
/// first use. Not thread-safe: one per matcher.
/// </summary>
internal sealed class EventFrame : IEventFieldSink
{
    /// <summary>The field handle of values whose name no rule uses (kept only for keyword searches).</summary>
    public const int UnnamedField = int.MaxValue;

    private readonly FieldTable fields;
    private readonly bool keepAllValues;
    private int[] first;
    private int[] stamps;
    private int generation;
    private Entry[] entries = new Entry[128];
    private char[] text = new char[8192];
    private char[] lower = new char[8192];
    private int textUsed;

    public EventFrame(FieldTable fields, bool keepAllValues)
    {
        this.fields = fields;
        this.keepAllValues = keepAllValues;
        first = new int[fields.Count];
        stamps = new int[fields.Count];
    }

    public int Count { get; private set; }

    /// <summary>Changes whenever <see cref="Resolve"/> could answer differently for a name (a field was interned).</summary>
    public int ResolverVersion => fields.Count;

    public void Clear()
    {
        if (first.Length < fields.Count)
        {
            first = new int[fields.Count];
            stamps = new int[fields.Count];
        }

        generation++;
        Count = 0;
        textUsed = 0;
    }

    public int Resolve(ReadOnlySpan<char> name)
    {
        var id = fields.Find(name);
        return id >= 0 ? id : keepAllValues ? UnnamedField : -1;
    }

    public void Add(int handle, EventValueKind kind, ReadOnlySpan<char> value)
    {
        if (Count == entries.Length)
        {
            Array.Resize(ref entries, entries.Length * 2);
        }

        if (textUsed + value.Length + 1 > text.Length)
        {
            var size = Math.Max(text.Length * 2, textUsed + value.Length + 1);
            Array.Resize(ref text, size);
            Array.Resize(ref lower, size);
        }

        value.CopyTo(text.AsSpan(textUsed));
        ref var entry = ref entries[Count];
        entry.Field = handle;
        entry.Kind = kind;
        entry.Start = textUsed;
        entry.Length = value.Length;
        entry.Lowered = false;
        entry.Next = -1;
        textUsed += value.Length;

        // A NUL after each value: a search over all values at once (keywords) cannot match across two of them.
        text[textUsed++] = '\0';
        if (handle != UnnamedField)
        {
            if (stamps[handle] == generation)
            {
                entry.Next = first[handle];
            }

            stamps[handle] = generation;
            first[handle] = Count;
        }

        Count++;
    }

    /// <summary>The first entry of a field, or -1 when the event lacks it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int First(int field) => stamps[field] == generation ? first[field] : -1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Next(int entry) => entries[entry].Next;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public EventValueKind Kind(int entry) => entries[entry].Kind;

    public int FieldOf(int entry) => entries[entry].Field;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<char> Text(int entry)
    {
        ref readonly var e = ref entries[entry];
        return text.AsSpan(e.Start, e.Length);
    }

    /// <summary>The value lower-cased with the invariant culture, one code unit for one (so offsets agree).</summary>
    public ReadOnlySpan<char> Lower(int entry)
    {
        ref var e = ref entries[entry];
        if (!e.Lowered)
        {
            MemoryExtensions.ToLowerInvariant(text.AsSpan(e.Start, e.Length), lower.AsSpan(e.Start, e.Length));
            e.Lowered = true;
        }

        return lower.AsSpan(e.Start, e.Length);
    }

    /// <summary>Every value's text, one after another, each followed by a NUL character.</summary>
    public ReadOnlySpan<char> AllText => text.AsSpan(0, textUsed);

    /// <summary>The first value of a named field as a string, for correlation keys and reports.</summary>
    public string? FirstText(int field)
    {
        var entry = field < first.Length ? First(field) : -1;
        return entry < 0 || Kind(entry) == EventValueKind.Null ? null : Text(entry).ToString();
    }

    private struct Entry
    {
        public int Field;
        public int Start;
        public int Length;
        public int Next;
        public EventValueKind Kind;
        public bool Lowered;
    }
}
