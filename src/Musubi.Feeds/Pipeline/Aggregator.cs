using Musubi.Feeds.Events;

namespace Musubi.Feeds.Pipeline;

/// <summary>One report's worth: a recipient's events for one notification interval.</summary>
public sealed class NotificationBatch(Recipient recipient, DateTimeOffset from, DateTimeOffset to, EventList events)
{
    public Recipient Recipient { get; } = recipient;

    public DateTimeOffset From { get; } = from;

    public DateTimeOffset To { get; } = to;

    public EventList Events { get; } = events;
}

/// <summary>
/// A growable list of events in chunks that double from 16 to 16,384 events (about 2.5 MB), so a recipient with
/// one event costs little, and millions of events never need one huge array nor a copy when the list grows.
/// </summary>
public sealed class EventList
{
    public const int MaxChunk = 16_384;
    private const int FirstChunk = 16;
    private readonly List<FeedEvent[]> _chunks = [];
    private int _used;

    public long Count { get; private set; }

    public void Add(in FeedEvent e)
    {
        if (_chunks.Count == 0 || _used == _chunks[^1].Length)
        {
            _chunks.Add(new FeedEvent[_chunks.Count == 0 ? FirstChunk : Math.Min(_chunks[^1].Length * 2, MaxChunk)]);
            _used = 0;
        }

        _chunks[^1][_used++] = e;
        Count++;
    }

    public IEnumerable<FeedEvent> All()
    {
        long left = Count;
        foreach (FeedEvent[] chunk in _chunks)
        {
            for (int i = 0; i < chunk.Length && left > 0; i++, left--)
            {
                yield return chunk[i];
            }
        }
    }
}

/// <summary>
/// Collects each recipient's events into windows aligned to the recipient's interval (an hourly recipient's window
/// is 10:00-11:00, a daily one's 00:00-24:00 UTC) and hands out a batch once its window has ended. Not thread-safe.
/// </summary>
public sealed class Aggregator(IReadOnlyList<Recipient> recipients, TimeProvider time)
{
    private readonly (long Start, EventList? Events)[] _open = new (long, EventList?)[recipients.Count];

    /// <summary>Events held in open windows.</summary>
    public long InFlight { get; private set; }

    public void Add(int recipient, in FeedEvent e)
    {
        long interval = recipients[recipient].Interval.Ticks;
        long now = time.GetUtcNow().UtcTicks;
        long start = now - (now % interval);
        ref var open = ref _open[recipient];
        if (open.Events is null || open.Start != start)
        {
            if (open.Events is not null)
            {
                _closed.Add(Close(recipient, open.Start, open.Events));
            }

            open = (start, new EventList());
        }

        open.Events!.Add(e);
        InFlight++;
    }

    private readonly List<NotificationBatch> _closed = [];

    /// <summary>The batches whose window has ended, oldest first.</summary>
    public IReadOnlyList<NotificationBatch> TakeDue()
    {
        long now = time.GetUtcNow().UtcTicks;
        for (int r = 0; r < _open.Length; r++)
        {
            ref var open = ref _open[r];
            if (open.Events is not null && open.Start + recipients[r].Interval.Ticks <= now)
            {
                _closed.Add(Close(r, open.Start, open.Events));
                open = default;
            }
        }

        return Drain();
    }

    /// <summary>Every batch, open windows included (shutdown).</summary>
    public IReadOnlyList<NotificationBatch> TakeAll()
    {
        for (int r = 0; r < _open.Length; r++)
        {
            if (_open[r].Events is { } events)
            {
                _closed.Add(Close(r, _open[r].Start, events));
                _open[r] = default;
            }
        }

        return Drain();
    }

    private NotificationBatch[] Drain()
    {
        NotificationBatch[] due = [.. _closed.OrderBy(b => b.From)];
        _closed.Clear();
        foreach (NotificationBatch b in due)
        {
            InFlight -= b.Events.Count;
        }

        return due;
    }

    private NotificationBatch Close(int recipient, long start, EventList events) =>
        new(recipients[recipient], new DateTimeOffset(start, TimeSpan.Zero), new DateTimeOffset(start + recipients[recipient].Interval.Ticks, TimeSpan.Zero), events);
}
