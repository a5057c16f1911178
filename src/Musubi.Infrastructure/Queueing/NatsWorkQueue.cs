using System.Collections.Concurrent;
using Musubi.Core.Queueing;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Net;

namespace Musubi.Infrastructure.Queueing;

/// <summary>Configuration section "Musubi:Queue".</summary>
public sealed class QueueOptions
{
    public const string Section = "Musubi:Queue";

    /// <summary>"database" (embedded default: the platform database) or "nats".</summary>
    public string Provider { get; set; } = "database";

    public string NatsUrl { get; set; } = "nats://127.0.0.1:4222";

    /// <summary>JetStream stream holding every topic as subject "{StreamSubjectPrefix}.{topic}".</summary>
    public string StreamName { get; set; } = "MUSUBI";

    public string StreamSubjectPrefix { get; set; } = "musubi";

    /// <summary>How long a leased message stays with its consumer on NATS (the consumer's AckWait).</summary>
    public TimeSpan NatsLease { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Window in which NATS drops a message whose deduplication key it has seen (Nats-Msg-Id).</summary>
    public TimeSpan NatsDuplicateWindow { get; set; } = TimeSpan.FromMinutes(10);

    public bool IsNats => string.Equals(Provider, "nats", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// The scale-out queue on NATS JetStream: one file-backed work-queue stream, one durable pull consumer per topic, so
/// several worker processes on several machines share each topic's messages. A publish returns after JetStream has
/// stored the message; deduplication keys become Nats-Msg-Id headers.
/// </summary>
public sealed class NatsWorkQueue(QueueOptions options) : IWorkQueue, IAsyncDisposable
{
    private readonly NatsClient _client = new(options.NatsUrl);
    private readonly SemaphoreSlim _setup = new(1, 1);
    private readonly ConcurrentDictionary<string, INatsJSConsumer> _consumers = new(StringComparer.Ordinal);
    private INatsJSContext? _js;

    public async Task EnqueueAsync(string topic, IReadOnlyList<OutgoingMessage> messages, CancellationToken ct)
    {
        QueueTopics.Validate(topic);
        var js = await StreamAsync(ct);
        var subject = Subject(topic);
        foreach (var m in messages)
        {
            var ack = await js.PublishAsync(subject, m.Payload.ToArray(),
                opts: new NatsJSPubOpts { MsgId = m.DeduplicationKey }, cancellationToken: ct);
            if (!ack.Duplicate)
            {
                ack.EnsureSuccess();
            }
        }
    }

    public async Task<IReadOnlyList<QueueMessage>> LeaseAsync(string topic, int max, TimeSpan lease, TimeSpan wait, CancellationToken ct)
    {
        QueueTopics.Validate(topic);
        var consumer = await ConsumerAsync(topic, ct);
        var result = new List<QueueMessage>();
        await CollectAsync(consumer.FetchNoWaitAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = max }, cancellationToken: ct), topic, result);
        if (result.Count == 0 && wait >= TimeSpan.FromSeconds(1))
        {
            // Wait for the first message only, then take what else is there: a fetch for a full batch would sit out the
            // whole wait (and see its own unacknowledged messages come back when the lease is short).
            await CollectAsync(consumer.FetchAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = 1, Expires = wait }, cancellationToken: ct), topic, result);
            if (result.Count > 0 && max > 1)
            {
                await CollectAsync(consumer.FetchNoWaitAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = max - 1 }, cancellationToken: ct), topic, result);
            }
        }

        return result;
    }

    private static async Task CollectAsync(IAsyncEnumerable<INatsJSMsg<byte[]>> fetch, string topic, List<QueueMessage> into)
    {
        await foreach (var msg in fetch)
        {
            var attempt = (int)(msg.Metadata?.NumDelivered ?? 1);
            var id = msg.Metadata is { } meta ? meta.Sequence.Stream.ToString(System.Globalization.CultureInfo.InvariantCulture) : Guid.NewGuid().ToString();
            into.RemoveAll(m => m.Id == id);
            into.Add(new QueueMessage(id, topic, msg.Data ?? [], attempt, msg));
        }
    }

    public async Task AckAsync(QueueMessage message, CancellationToken ct)
    {
        if (message.Handle is not INatsJSMsg<byte[]> msg)
        {
            throw new ArgumentException("not a message leased from NATS", nameof(message));
        }

        await msg.AckAsync(new AckOpts { DoubleAck = true }, ct);
    }

    public async Task<long> BacklogAsync(string topic, CancellationToken ct)
    {
        var consumer = await ConsumerAsync(topic, ct);
        await consumer.RefreshAsync(ct);
        return (long)consumer.Info.NumPending + consumer.Info.NumAckPending;
    }

    private string Subject(string topic) => options.StreamSubjectPrefix + "." + topic;

    private async Task<INatsJSContext> StreamAsync(CancellationToken ct)
    {
        if (_js is { } ready)
        {
            return ready;
        }

        await _setup.WaitAsync(ct);
        try
        {
            if (_js is null)
            {
                var js = _client.CreateJetStreamContext();
                await js.CreateOrUpdateStreamAsync(new StreamConfig(options.StreamName, [options.StreamSubjectPrefix + ".>"])
                {
                    Storage = StreamConfigStorage.File,
                    Retention = StreamConfigRetention.Workqueue,
                    DuplicateWindow = options.NatsDuplicateWindow,
                }, ct);
                _js = js;
            }

            return _js;
        }
        finally
        {
            _setup.Release();
        }
    }

    private async Task<INatsJSConsumer> ConsumerAsync(string topic, CancellationToken ct)
    {
        if (_consumers.TryGetValue(topic, out var existing))
        {
            return existing;
        }

        var js = await StreamAsync(ct);
        var name = "musubi-" + topic.Replace('.', '-');
        var consumer = await js.CreateOrUpdateConsumerAsync(options.StreamName, new ConsumerConfig(name)
        {
            DurableName = name,
            FilterSubject = Subject(topic),
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            AckWait = options.NatsLease,
            MaxAckPending = 100_000,
        }, ct);
        return _consumers.GetOrAdd(topic, consumer);
    }

    public async ValueTask DisposeAsync() => await _client.DisposeAsync();
}
