using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Queueing;
using Musubi.Infrastructure.Queueing;
using Musubi.Testing;

namespace Musubi.Infrastructure.Tests;

public enum QueueKind
{
    Sqlite,
    Postgres,
    Nats,
}

/// <summary>The same queue contract on the embedded database queue (SQLite, PostgreSQL) and on NATS JetStream.</summary>
public sealed class WorkQueueTests(PostgresServer postgres, NatsServer nats)
{
    private static readonly CancellationToken None = CancellationToken.None;

    public static TheoryData<QueueKind> Kinds => new(QueueKind.Sqlite, QueueKind.Postgres, QueueKind.Nats);

    /// <summary>A queue under test and a way to make a second, independent instance (another process) on the same store.</summary>
    private sealed class Subject(IWorkQueue queue, Func<IWorkQueue> another, Func<TimeSpan, Task> passTime, IAsyncDisposable owner) : IAsyncDisposable
    {
        public IWorkQueue Queue { get; } = queue;
        public Func<IWorkQueue> Another { get; } = another;
        public Func<TimeSpan, Task> PassTime { get; } = passTime;

        public async ValueTask DisposeAsync()
        {
            if (Queue is IAsyncDisposable d)
            {
                await d.DisposeAsync();
            }

            await owner.DisposeAsync();
        }
    }

    private async Task<Subject> StartAsync(QueueKind kind)
    {
        if (kind == QueueKind.Nats)
        {
            var id = Guid.NewGuid().ToString("N")[..12];
            var options = new QueueOptions
            {
                Provider = "nats", NatsUrl = await nats.GetUrlAsync(), StreamName = "T" + id, StreamSubjectPrefix = "t" + id,
                NatsLease = TimeSpan.FromSeconds(1),
            };
            return new Subject(new NatsWorkQueue(options), () => new NatsWorkQueue(options), t => Task.Delay(t + TimeSpan.FromMilliseconds(500)), new Nothing());
        }

        var host = await TestHost.StartAsync(kind == QueueKind.Postgres ? DatabaseProvider.Postgres : DatabaseProvider.Sqlite, postgres);
        var scopes = host.Services.GetRequiredService<IServiceScopeFactory>();
        return new Subject(host.Services.GetRequiredService<IWorkQueue>(), () => new DatabaseWorkQueue(scopes, host.Time),
            t => { host.Time.Advance(t + TimeSpan.FromMilliseconds(1)); return Task.CompletedTask; }, host);
    }

    private sealed class Nothing : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private static OutgoingMessage Text(string s, string? key = null) => new(Encoding.UTF8.GetBytes(s), key);

    private static string Text(QueueMessage m) => Encoding.UTF8.GetString(m.Payload.Span);

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Messages_come_out_in_order_and_are_gone_once_acknowledged(QueueKind kind)
    {
        await using var s = await StartAsync(kind);
        await s.Queue.EnqueueAsync("events.raw", [Text("a"), Text("b"), Text("c")], None);
        Assert.Equal(3, await s.Queue.BacklogAsync("events.raw", None));

        var leased = await s.Queue.LeaseAsync("events.raw", 10, TimeSpan.FromMinutes(1), TimeSpan.Zero, None);
        Assert.Equal(["a", "b", "c"], leased.Select(Text));
        Assert.All(leased, m => Assert.Equal(1, m.Attempt));
        foreach (var m in leased)
        {
            await s.Queue.AckAsync(m, None);
        }

        Assert.Empty(await s.Queue.LeaseAsync("events.raw", 10, TimeSpan.FromMinutes(1), TimeSpan.Zero, None));
        Assert.Equal(0, await s.Queue.BacklogAsync("events.raw", None));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_message_not_acknowledged_in_time_is_delivered_again(QueueKind kind)
    {
        await using var s = await StartAsync(kind);
        await s.Queue.EnqueueAsync("feed.rows", [Text("row-1")], None);
        var first = Assert.Single(await s.Queue.LeaseAsync("feed.rows", 1, TimeSpan.FromSeconds(1), TimeSpan.Zero, None));
        Assert.Empty(await s.Queue.LeaseAsync("feed.rows", 1, TimeSpan.FromSeconds(1), TimeSpan.Zero, None));

        await s.PassTime(TimeSpan.FromSeconds(1));
        var again = Assert.Single(await s.Queue.LeaseAsync("feed.rows", 1, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(kind == QueueKind.Nats ? 3 : 0), None));
        Assert.Equal("row-1", Text(again));
        Assert.Equal(2, again.Attempt);
        Assert.Equal(first.Id, again.Id);
        await s.Queue.AckAsync(again, None);
        Assert.Equal(0, await s.Queue.BacklogAsync("feed.rows", None));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_repeated_deduplication_key_is_stored_once(QueueKind kind)
    {
        await using var s = await StartAsync(kind);
        await s.Queue.EnqueueAsync("reports.send", [Text("isp-1 report", "isp-1/2026-04-01")], None);
        await s.Queue.EnqueueAsync("reports.send", [Text("isp-1 report again", "isp-1/2026-04-01"), Text("isp-2 report", "isp-2/2026-04-01")], None);
        var leased = await s.Queue.LeaseAsync("reports.send", 10, TimeSpan.FromMinutes(1), TimeSpan.Zero, None);
        Assert.Equal(["isp-1 report", "isp-2 report"], leased.Select(Text));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Accepted_messages_survive_a_restart_and_topics_are_separate(QueueKind kind)
    {
        await using var s = await StartAsync(kind);
        await s.Queue.EnqueueAsync("events.raw", [Text("kept")], None);
        await s.Queue.EnqueueAsync("events.other", [Text("elsewhere")], None);
        if (kind == QueueKind.Nats)
        {
            await nats.RestartAsync();
        }

        var restarted = s.Another();
        try
        {
            var leased = await restarted.LeaseAsync("events.raw", 10, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(kind == QueueKind.Nats ? 5 : 0), None);
            Assert.Equal(["kept"], leased.Select(Text));
        }
        finally
        {
            if (restarted is IAsyncDisposable d)
            {
                await d.DisposeAsync();
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Two_consumers_never_hold_the_same_message_at_once(QueueKind kind)
    {
        await using var s = await StartAsync(kind);
        await s.Queue.EnqueueAsync("work.split", Enumerable.Range(0, 40).Select(i => Text("m" + i)).ToList(), None);
        var other = s.Another();
        try
        {
            var a = s.Queue.LeaseAsync("work.split", 25, TimeSpan.FromMinutes(1), TimeSpan.Zero, None);
            var b = other.LeaseAsync("work.split", 25, TimeSpan.FromMinutes(1), TimeSpan.Zero, None);
            var all = (await a).Concat(await b).Select(Text).ToList();
            Assert.Equal(all.Count, all.Distinct().Count());
            Assert.True(all.Count >= 25, $"only {all.Count} leased");
        }
        finally
        {
            if (other is IAsyncDisposable d)
            {
                await d.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_waiting_consumer_wakes_when_a_message_arrives()
    {
        await using var host = await TestHost.StartAsync(DatabaseProvider.Sqlite, postgres);
        var queue = new DatabaseWorkQueue(host.Services.GetRequiredService<IServiceScopeFactory>(), TimeProvider.System);
        var waiting = queue.LeaseAsync("events.raw", 1, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(30), None);
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);
        await queue.EnqueueAsync("events.raw", [Text("wake")], None);
        var leased = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("wake", Text(Assert.Single(leased)));
    }

    [Fact]
    public void Topics_are_checked()
    {
        Assert.True(QueueTopics.IsValid("events.raw"));
        Assert.False(QueueTopics.IsValid("Events"));
        Assert.False(QueueTopics.IsValid("events..raw"));
        Assert.False(QueueTopics.IsValid("events.>"));
    }
}
