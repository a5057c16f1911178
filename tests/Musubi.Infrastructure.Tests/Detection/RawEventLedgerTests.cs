using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Queueing;
using Musubi.Detection.Ingestion;
using Musubi.Infrastructure.Constituency;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Detection;
using Musubi.Infrastructure.Ledger;
using Musubi.Infrastructure.Queueing;
using Musubi.Ledger;
using Musubi.Ledger.Checkpoints;
using Musubi.Testing;

namespace Musubi.Infrastructure.Tests.Detection;

/// <summary>Every accepted raw event's SHA-256 is in the ledger, provably — on SQLite, PostgreSQL and NATS.</summary>
public sealed class RawEventLedgerTests(PostgresServer postgres, NatsServer nats)
{
    private static readonly CancellationToken None = CancellationToken.None;

    public static TheoryData<QueueKind> Kinds => new(QueueKind.Sqlite, QueueKind.Postgres, QueueKind.Nats);

    public static TheoryData<DatabaseProvider> Databases => new(DatabaseProvider.Sqlite, DatabaseProvider.Postgres);

    private async Task<(TestHost Host, IWorkQueue Queue, SensorIdentity Sensor)> StartAsync(QueueKind kind, Func<IWorkQueue, IWorkQueue>? wrap = null)
    {
        var host = await TestHost.StartAsync(kind == QueueKind.Postgres ? DatabaseProvider.Postgres : DatabaseProvider.Sqlite, postgres);
        var queue = host.Services.GetRequiredService<IWorkQueue>();
        if (kind == QueueKind.Nats)
        {
            var id = Guid.NewGuid().ToString("N")[..12];
            queue = new NatsWorkQueue(new QueueOptions { Provider = "nats", NatsUrl = await nats.GetUrlAsync(), StreamName = "L" + id, StreamSubjectPrefix = "l" + id });
        }

        var org = await host.CreateOrgAsync(Builders.Org("Sensor owner " + Guid.NewGuid().ToString("N")[..6]));
        var created = await host.Run(sp => sp.GetRequiredService<SensorService>().CreateAsync(host.Admin, new SensorInput(org.Id, "ids-" + Guid.NewGuid().ToString("N")[..6]), None));
        return (host, wrap is null ? queue : wrap(queue), new SensorIdentity(created.Sensor.Id, created.Sensor.Name, org.Id));
    }

    private static EventIngestor Ingestor(TestHost host, IWorkQueue queue) => new(queue, host.Services.GetRequiredService<OwnershipDirectory>(),
        host.Services.GetRequiredService<IServiceScopeFactory>(), host.Time, new IngestOptions());

    private static async Task<List<LedgerEntryEntity>> RawEventLeavesAsync(TestHost host) =>
        [.. (await host.Run(sp => LedgerStore.RangeAsync(sp.GetRequiredService<MusubiDbContext>(), 0, long.MaxValue, CancellationToken.None)))
            .Where(e => e.Category == LedgerCategories.RawEvent)];

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Each_accepted_raw_event_is_a_ledger_leaf_of_its_sha256_that_a_court_can_find_and_prove_from_the_bytes_alone(QueueKind kind)
    {
        var (host, queue, sensor) = await StartAsync(kind);
        await using var _ = host;
        try
        {
            byte[][] received =
            [
                Encoding.UTF8.GetBytes("""{"class":"network","src_ip":"192.0.2.5","dst_ip":"198.51.100.9","dst_port":443}""" + "\r"),
                Encoding.UTF8.GetBytes("""{"broken": """),
                Encoding.UTF8.GetBytes("""{"client":"10.1.1.1","query":"evil.example","note":"日本語"}"""),
            ];
            var result = await Ingestor(host, queue).IngestAsync(sensor, IngestFormat.JsonLines, "http", [.. received.Select(b => (ReadOnlyMemory<byte>)b)], None);
            Assert.Equal((2, 1), (result.Accepted, result.Quarantined));

            // Exactly the accepted events, in order, by the hash of their bytes without the line terminator; not the quarantined line.
            var leaves = await RawEventLeavesAsync(host);
            var expected = new[] { received[0].AsSpan(0, received[0].Length - 1).ToArray(), received[2] }.Select(SHA256.HashData).ToList();
            Assert.Equal(expected.Select(h => LedgerService.HashPayload(h)), leaves.Select(l => l.Payload));
            Assert.All(leaves, l => Assert.Equal(sensor.OrganisationId, l.OrganisationId));
            Assert.Equal($"{{\"sha256\":\"{Convert.ToHexStringLower(expected[1])}\"}}", Encoding.UTF8.GetString(leaves[1].Payload!));

            // The hash is that of the event's raw_data as the detection side sees it.
            var messages = await queue.LeaseAsync(EventIngestor.Topic, 10, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5), None);
            var rawData = messages.Select(m => JsonDocument.Parse(m.Payload).RootElement.GetProperty("ocsf").GetProperty("raw_data").GetString()!).ToHashSet();
            Assert.Equal(expected.Select(Convert.ToHexStringLower).ToHashSet(), rawData.Select(r => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(r)))).ToHashSet());

            // The court's check, from the bytes alone: hash them, compute the leaf, find it, verify its inclusion proof against a signed checkpoint.
            var leaf = MerkleHash.Leaf(LedgerService.HashPayload(SHA256.HashData(Encoding.UTF8.GetBytes("""{"client":"10.1.1.1","query":"evil.example","note":"日本語"}"""))));
            var found = await host.Run(sp => sp.GetRequiredService<LedgerQueries>().FindLeafAsync(host.Admin, leaf, None));
            Assert.Equal([leaves[1].Index], found);
            var proof = await host.Run(sp => sp.GetRequiredService<LedgerQueries>().InclusionAsync(host.Admin, found[0], null, None));
            var verifier = await host.Run(sp => sp.GetRequiredService<LedgerCheckpoints>().VerifierAsync(None));
            var checkpoint = Checkpoint.Open(proof.Checkpoint!, verifier);
            Assert.True(checkpoint.IsValid, checkpoint.Reason);
            Assert.True(MerkleVerifier.VerifyInclusion((ulong)found[0], checkpoint.Checkpoint!.TreeSize, leaf,
                proof.Proof.SelectMany(Convert.FromHexString).ToArray(), checkpoint.Checkpoint.RootHash).IsValid);

            // Bytes that were never received are not found.
            Assert.Empty(await host.Run(sp => sp.GetRequiredService<LedgerQueries>().FindLeafAsync(host.Admin,
                MerkleHash.Leaf(LedgerService.HashPayload(SHA256.HashData("""{"client":"10.1.1.2"}"""u8))), None)));
        }
        finally
        {
            if (queue is NatsWorkQueue n)
            {
                await n.DisposeAsync();
            }
        }
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task The_hashes_are_committed_before_the_events_are_accepted_so_a_failure_in_between_leaves_no_accepted_event_without_its_hash(DatabaseProvider provider)
    {
        var (host, queue, sensor) = await StartAsync(provider == DatabaseProvider.Postgres ? QueueKind.Postgres : QueueKind.Sqlite, q => new FailingQueue(q));
        await using var _ = host;
        var lines = new[] { "<13>first", "<13>second" }.Select(l => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(l)).ToList();
        await Assert.ThrowsAsync<IOException>(() => Ingestor(host, queue).IngestAsync(sensor, IngestFormat.Syslog, "udp:514", lines, None));

        // Not accepted (the sensor got an error and sends again), but the hashes are already durable.
        Assert.Equal(0, await queue.BacklogAsync(EventIngestor.Topic, None));
        Assert.Equal(lines.Select(l => LedgerService.HashPayload(SHA256.HashData(l.Span))), (await RawEventLeavesAsync(host)).Select(l => l.Payload));

        // The sensor's retry is accepted and ledgered again: every accepted event has its hash (here twice).
        await Ingestor(host, ((FailingQueue)queue).Inner).IngestAsync(sensor, IngestFormat.Syslog, "udp:514", lines, None);
        Assert.Equal(2, await queue.BacklogAsync(EventIngestor.Topic, None));
        Assert.Equal(4, (await RawEventLeavesAsync(host)).Count);
    }

    private sealed class FailingQueue(IWorkQueue inner) : IWorkQueue
    {
        public IWorkQueue Inner => inner;

        public Task EnqueueAsync(string topic, IReadOnlyList<OutgoingMessage> messages, CancellationToken ct) => throw new IOException("the queue went away");

        public Task<IReadOnlyList<QueueMessage>> LeaseAsync(string topic, int max, TimeSpan lease, TimeSpan wait, CancellationToken ct) => inner.LeaseAsync(topic, max, lease, wait, ct);

        public Task AckAsync(QueueMessage message, CancellationToken ct) => inner.AckAsync(message, ct);

        public Task<long> BacklogAsync(string topic, CancellationToken ct) => inner.BacklogAsync(topic, ct);
    }
}
