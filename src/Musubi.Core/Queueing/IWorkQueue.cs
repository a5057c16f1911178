namespace Musubi.Core.Queueing;

/// <summary>A message to put on the queue. Equal non-null deduplication keys on one topic are stored once while pending.</summary>
public readonly record struct OutgoingMessage(ReadOnlyMemory<byte> Payload, string? DeduplicationKey = null);

/// <summary>A leased message: it is the caller's until acknowledged or until the lease runs out, then delivered again.</summary>
public sealed record QueueMessage(string Id, string Topic, ReadOnlyMemory<byte> Payload, int Attempt, object? Handle = null);

/// <summary>
/// The durable work queue between pipeline stages (ingestion → detection, feed rows → notification). At-least-once:
/// a message is delivered until acknowledged, so consumers must be idempotent. <see cref="EnqueueAsync"/> returns only
/// once the messages are durable, so an accepted message survives a crash of this process.
/// Implementations: the database (SQLite by default, PostgreSQL) and NATS JetStream for several worker processes.
/// </summary>
public interface IWorkQueue
{
    Task EnqueueAsync(string topic, IReadOnlyList<OutgoingMessage> messages, CancellationToken ct);

    /// <summary>
    /// Leases up to <paramref name="max"/> messages, waiting up to <paramref name="wait"/> for the first one. Leased
    /// messages not acknowledged within <paramref name="lease"/> are delivered again (with a higher attempt count).
    /// </summary>
    Task<IReadOnlyList<QueueMessage>> LeaseAsync(string topic, int max, TimeSpan lease, TimeSpan wait, CancellationToken ct);

    Task AckAsync(QueueMessage message, CancellationToken ct);

    /// <summary>Messages waiting or leased on a topic: producers use it to push back (429, stop reading) under overload.</summary>
    Task<long> BacklogAsync(string topic, CancellationToken ct);
}

public static class QueueTopics
{
    /// <summary>Topics are lower-case words separated by dots ("events.raw"), usable as NATS subjects.</summary>
    public static bool IsValid(string topic) =>
        topic.Length is > 0 and <= 100
        && topic.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-')
        && !topic.StartsWith('.') && !topic.EndsWith('.') && !topic.Contains("..", StringComparison.Ordinal);

    public static void Validate(string topic)
    {
        if (!IsValid(topic))
        {
            throw new ArgumentException($"invalid queue topic '{topic}': use lower-case words separated by dots", nameof(topic));
        }
    }
}
