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
/// <remarks>
/// Keyed by recipient index: every event is appended to one shared store in arrival order (chunks of 16,384 events,
/// each with a parallel array of links), and each recipient's open window is a linked list through that store (first,
/// last, count in arrays indexed by recipient). Adding an event is a sequential copy and three array writes; no
/// recipient gets an object of its own until its window closes, when its events are copied out into the batch's
/// <see cref="EventList"/> and a chunk all of whose events have left is released.
/// </remarks>
public sealed class Aggregator
{
    private const int ChunkShift = 14;
    private const int ChunkSize = 1 << ChunkShift;
    private const int ChunkMask = ChunkSize - 1;

    private readonly IReadOnlyList<Recipient> _recipients;
    private readonly TimeProvider _time;
    private readonly long[] _interval;
    private readonly long[] _start;
    private readonly long[] _first;
    private readonly long[] _last;
    private readonly int[] _count;
    private readonly List<NotificationBatch> _closed = [];
    private FeedEvent[]?[] _events = new FeedEvent[]?[16];
    private long[]?[] _links = new long[]?[16];
    private int[] _live = new int[16];
    private long _written;

    public Aggregator(IReadOnlyList<Recipient> recipients, TimeProvider time)
    {
        _recipients = recipients;
        _time = time;
        int n = recipients.Count;
        _interval = new long[n];
        _start = new long[n];
        _first = new long[n];
        _last = new long[n];
        _count = new int[n];
        for (int r = 0; r < n; r++)
        {
            _interval[r] = recipients[r].Interval.Ticks;
            _first[r] = -1;
        }
    }

    /// <summary>Events held in open windows.</summary>
    public long InFlight { get; private set; }

    public void Add(int recipient, in FeedEvent e)
    {
        long interval = _interval[recipient];
        long now = _time.GetUtcNow().UtcTicks;
        long start = now - (now % interval);
        if (_first[recipient] >= 0 && _start[recipient] != start)
        {
            _closed.Add(Close(recipient));
        }

        long index = Append(e);
        if (_first[recipient] < 0)
        {
            _first[recipient] = index;
            _start[recipient] = start;
        }
        else
        {
            _links[_last[recipient] >> ChunkShift]![_last[recipient] & ChunkMask] = index;
        }

        _last[recipient] = index;
        _count[recipient]++;
        InFlight++;
    }

    private long Append(in FeedEvent e)
    {
        long index = _written++;
        int chunk = (int)(index >> ChunkShift);
        if (chunk == _events.Length)
        {
            Array.Resize(ref _events, _events.Length * 2);
            Array.Resize(ref _links, _links.Length * 2);
            Array.Resize(ref _live, _live.Length * 2);
        }

        FeedEvent[] events = _events[chunk] ??= new FeedEvent[ChunkSize];
        long[] links = _links[chunk] ??= new long[ChunkSize];
        int at = (int)(index & ChunkMask);
        events[at] = e;
        links[at] = -1;
        _live[chunk]++;
        return index;
    }

    /// <summary>The batches whose window has ended, oldest first.</summary>
    public IReadOnlyList<NotificationBatch> TakeDue()
    {
        long now = _time.GetUtcNow().UtcTicks;
        for (int r = 0; r < _first.Length; r++)
        {
            if (_first[r] >= 0 && _start[r] + _interval[r] <= now)
            {
                _closed.Add(Close(r));
            }
        }

        return Drain();
    }

    /// <summary>Every batch, open windows included (shutdown).</summary>
    public IReadOnlyList<NotificationBatch> TakeAll()
    {
        for (int r = 0; r < _first.Length; r++)
        {
            if (_first[r] >= 0)
            {
                _closed.Add(Close(r));
            }
        }

        return Drain();
    }

    private NotificationBatch[] Drain()
    {
        NotificationBatch[] due = [.. _closed.OrderBy(b => b.From)];
        _closed.Clear();
        return due;
    }

    /// <summary>Copies the recipient's open window out of the store (arrival order) and releases emptied chunks.</summary>
    private NotificationBatch Close(int recipient)
    {
        var list = new EventList();
        long current = _first[recipient];
        long writing = (_written - 1) >> ChunkShift;
        while (current >= 0)
        {
            int chunk = (int)(current >> ChunkShift);
            int at = (int)(current & ChunkMask);
            list.Add(_events[chunk]![at]);
            long next = _links[chunk]![at];
            _events[chunk]![at] = default; // drop references (strings, extras) at once
            if (--_live[chunk] == 0 && chunk != writing)
            {
                _events[chunk] = null;
                _links[chunk] = null;
            }

            current = next;
        }

        long start = _start[recipient];
        InFlight -= _count[recipient];
        _first[recipient] = -1;
        _last[recipient] = -1;
        _count[recipient] = 0;
        return new NotificationBatch(_recipients[recipient], new DateTimeOffset(start, TimeSpan.Zero),
            new DateTimeOffset(start + _interval[recipient], TimeSpan.Zero), list);
    }
}
