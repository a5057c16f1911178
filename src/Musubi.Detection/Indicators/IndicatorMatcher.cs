namespace Musubi.Detection.Indicators;

/// <summary>
/// The live indicator set: readers take <see cref="Current"/> once per event (or batch) and scan with it; a writer
/// builds a new <see cref="IndicatorSnapshot"/> off to the side and <see cref="Replace"/>s it in one atomic store.
/// Ingestion never waits for a rebuild, and a scan never sees half of one set and half of another.
/// </summary>
public sealed class IndicatorMatcher
{
    private IndicatorSnapshot current;
    private long version;

    public IndicatorMatcher(IndicatorSnapshot? initial = null) => current = initial ?? IndicatorSnapshot.Empty;

    /// <summary>The snapshot to scan with now.</summary>
    public IndicatorSnapshot Current => Volatile.Read(ref current);

    /// <summary>How many times the set was replaced.</summary>
    public long Version => Interlocked.Read(ref version);

    /// <summary>Makes <paramref name="snapshot"/> the current set; returns the one it replaces.</summary>
    public IndicatorSnapshot Replace(IndicatorSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var previous = Interlocked.Exchange(ref current, snapshot);
        Interlocked.Increment(ref version);
        return previous;
    }

    /// <summary>Builds a snapshot from <paramref name="records"/> and swaps it in.</summary>
    public IndicatorSnapshot Rebuild(IEnumerable<IndicatorRecord> records, DateTimeOffset now)
    {
        var snapshot = IndicatorSnapshot.Build(records, now);
        Replace(snapshot);
        return snapshot;
    }
}
