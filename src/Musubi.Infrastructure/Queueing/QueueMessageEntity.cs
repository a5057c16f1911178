namespace Musubi.Infrastructure.Queueing;

/// <summary>A pending message of the database queue. Times are UTC ticks so the lease query is plain SQL on both providers.</summary>
public sealed class QueueMessageEntity
{
    public long Id { get; set; }
    public required string Topic { get; set; }
    public required byte[] Payload { get; set; }
    public string? DeduplicationKey { get; set; }
    public long EnqueuedAtTicks { get; set; }
    public long VisibleAtTicks { get; set; }
    public int Attempts { get; set; }
}

/// <summary>The shape the lease query returns.</summary>
public sealed class LeasedRow
{
    public long Id { get; set; }
    public required byte[] Payload { get; set; }
    public int Attempts { get; set; }
}
