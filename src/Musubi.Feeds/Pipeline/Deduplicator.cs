using Musubi.Feeds.Events;

namespace Musubi.Feeds.Pipeline;

public sealed record DeduplicationOptions
{
    public DedupFields Key { get; init; } = DedupFields.Default;

    /// <summary>A repeat within this time of the first sighting is dropped.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// At most this many keys are remembered (about 40 bytes each); when full, the oldest is forgotten early, so
    /// memory stays bounded whatever arrives (a forgotten key may let one repeat through: <see cref="Deduplicator.Evicted"/>).
    /// </summary>
    public int Capacity { get; init; } = 10_000_000;
}

/// <summary>
/// Drops an event whose key was seen within the window (by arrival time on the injected clock, as a Redis TTL
/// would). Keys expire in arrival order from a queue, so expiry costs O(1) per event; a key costs about 32 bytes
/// (set entry and queue entry) and their number is bounded.
/// Not thread-safe: one per pipeline.
/// </summary>
public sealed class Deduplicator
{
    private readonly DeduplicationOptions _options;
    private readonly TimeProvider _time;
    private readonly HashSet<ulong> _keys;
    private readonly Queue<(ulong Key, long Expiry)> _order;

    public Deduplicator(DeduplicationOptions options, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Capacity, 1);
        _options = options;
        _time = time;
        _keys = new HashSet<ulong>(Math.Min(options.Capacity, 1 << 20));
        _order = new Queue<(ulong, long)>(Math.Min(options.Capacity, 1 << 20));
    }

    public int Count => _keys.Count;

    public long Duplicates { get; private set; }

    /// <summary>Keys forgotten before their window ended because the capacity was reached.</summary>
    public long Evicted { get; private set; }

    /// <returns>True for the first sighting in the window (keep the event), false for a repeat.</returns>
    public bool IsNew(in FeedEvent e)
    {
        long now = _time.GetUtcNow().UtcTicks;
        Expire(now);
        ulong key = DeduplicationKey.Of(e, _options.Key);
        if (_keys.Contains(key))
        {
            Duplicates++;
            return false;
        }

        // Every remembered key has exactly one entry in the queue (expired keys were removed above), so the
        // queue's front is the oldest key.
        while (_keys.Count >= _options.Capacity && _order.TryDequeue(out var oldest))
        {
            _keys.Remove(oldest.Key);
            Evicted++;
        }

        _keys.Add(key);
        _order.Enqueue((key, now + _options.Window.Ticks));
        return true;
    }

    private void Expire(long now)
    {
        while (_order.TryPeek(out var oldest) && oldest.Expiry <= now)
        {
            _order.Dequeue();
            _keys.Remove(oldest.Key);
        }
    }
}
