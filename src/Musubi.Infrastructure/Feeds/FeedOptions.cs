namespace Musubi.Infrastructure.Feeds;

/// <summary>Limits and timings of the feed pipeline (<c>Musubi:Feeds</c>).</summary>
public sealed class FeedOptions
{
    public const string Section = "Musubi:Feeds";

    /// <summary>The largest file a collector accepts (uploads answer 413 above it).</summary>
    public long MaxFileBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Events older than this (by time.source) are dropped as stale.</summary>
    public TimeSpan MaxEventAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often the worker closes due windows, delivers reports and runs the folder/http/detections collectors.</summary>
    public TimeSpan TickInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether the worker ticks once as soon as it starts (the default) or only after the first <see cref="TickInterval"/>.
    /// </summary>
    public bool TickAtStart { get; set; } = true;

    /// <summary>
    /// A report still marked "sending" this long after its send began is held for an operator: the process that
    /// sent it stopped (crash, kill) before recording the outcome, so it may or may not have gone out.
    /// </summary>
    public TimeSpan HoldAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Failed sends are retried after RetryDelay × attempts, up to MaxAttempts; then the report is "failed".</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    public int MaxAttempts { get; set; } = 10;

    /// <summary>
    /// How long a leased file message stays hidden before it is delivered again. After a crash, the files being
    /// processed wait this long; a live worker slower than this is harmless (the file is claimed in its transaction).
    /// </summary>
    public TimeSpan QueueLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Rows per report; a window with more becomes several reports (each its own ticket).</summary>
    public int MaxRowsPerReport { get; set; } = 100_000;

    /// <summary>
    /// Test and dry-run aid: when set, and no other <c>IFeedReportSender</c> is registered, reports are "sent" by
    /// appending one JSON line (ticket, recipient, rows) to this file and flushing it to disk. Not a real delivery.
    /// </summary>
    public string? RecordingSenderPath { get; set; }

    /// <summary>
    /// The detections collector takes alerts raised at least this long ago: a detection batch that commits a little
    /// after its alerts' time is still picked up (the checkpoint never passes an instant that may still fill).
    /// </summary>
    public TimeSpan DetectionsSettle { get; set; } = TimeSpan.FromMinutes(1);
}
