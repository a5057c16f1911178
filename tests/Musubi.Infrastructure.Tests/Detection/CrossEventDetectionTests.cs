using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Core.Intelligence;
using Musubi.Core.Queueing;
using Musubi.Core.Sharing;
using Musubi.Detection.Ingestion;
using Musubi.Infrastructure.Constituency;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Detection;
using Musubi.Infrastructure.Intelligence;
using Musubi.Infrastructure.Queueing;
using Musubi.Testing;

namespace Musubi.Infrastructure.Tests.Detection;

/// <summary>
/// STIX patterns across several events, end to end: indicators imported into the store, events ingested through
/// <see cref="EventIngestor"/> onto the work queue (database queue on SQLite and PostgreSQL, and NATS JetStream),
/// leased and run by <see cref="DetectionProcessor"/> with the live set from <see cref="StoreIndicators"/>.
/// </summary>
public sealed class CrossEventDetectionTests(PostgresServer postgres, NatsServer nats)
{
    private static readonly CancellationToken None = CancellationToken.None;

    public static TheoryData<QueueKind> Kinds => new(QueueKind.Sqlite, QueueKind.Postgres, QueueKind.Nats);

    private static string Indicator(string id, string pattern) =>
        $$"""{"type":"indicator","spec_version":"2.1","id":"{{id}}","created":"2026-03-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z","pattern":"{{pattern}}","pattern_type":"stix","valid_from":"2026-03-01T00:00:00Z","confidence":80}""";

    private static string Line(string time, string src, string dst, int port, string host = "ws1") =>
        $$"""{"time":"{{time}}","host":"{{host}}","src_ip":"{{src}}","dst_ip":"{{dst}}","dst_port":{{port}}}""";

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Patterns_across_events_raise_one_alert_with_every_contributing_event_and_only_for_organisations_that_may_see_them(QueueKind kind)
    {
        await using var host = await TestHost.StartAsync(kind == QueueKind.Postgres ? DatabaseProvider.Postgres : DatabaseProvider.Sqlite, postgres);
        IWorkQueue queue = host.Services.GetRequiredService<IWorkQueue>();
        NatsWorkQueue? natsQueue = null;
        if (kind == QueueKind.Nats)
        {
            var id = Guid.NewGuid().ToString("N")[..12];
            queue = natsQueue = new NatsWorkQueue(new QueueOptions { Provider = "nats", NatsUrl = await nats.GetUrlAsync(), StreamName = "X" + id, StreamSubjectPrefix = "x" + id });
        }

        try
        {
            var producer = await host.CreateOrgAsync(Builders.Org("Producer " + Guid.NewGuid().ToString("N")[..6], OrganisationKind.MinistryAgency));
            var agency = await host.CreateOrgAsync(Builders.Org("Agency " + Guid.NewGuid().ToString("N")[..6], OrganisationKind.Enterprise, null, (NetworkKind.Cidr, "192.0.2.0/24")));
            var outsider = await host.CreateOrgAsync(Builders.Org("Outsider " + Guid.NewGuid().ToString("N")[..6], OrganisationKind.Enterprise, null, (NetworkKind.Cidr, "198.51.100.0/24")));
            var analyst = await host.CreateUserAsync(producer.Id, Role.Analyst);
            var followedBy = $"indicator--{Guid.NewGuid()}";
            var repeats = $"indicator--{Guid.NewGuid()}";
            var tooLong = $"indicator--{Guid.NewGuid()}";
            var redOnly = $"indicator--{Guid.NewGuid()}";

            async Task PublishAsync(Tlp tlp, IReadOnlyList<Guid> organisations, params string[] objects)
            {
                var bundle = "{\"type\":\"bundle\",\"id\":\"bundle--" + Guid.NewGuid() + "\",\"objects\":[" + string.Join(",", objects) + "]}";
                await host.Run(sp => sp.GetRequiredService<StixImporter>().ImportAsync(analyst, new MemoryStream(Encoding.UTF8.GetBytes(bundle)),
                    new PublishOptions(tlp, Organisations: organisations), None));
            }

            // Shared with the agency (AMBER): a connection to .91 followed by one to .92 within 5 minutes, and three
            // connections to port 4444 of .93 within a minute; one WITHIN beyond the window's maximum.
            await PublishAsync(Tlp.Amber, [agency.Id],
                Indicator(followedBy, "([network-traffic:dst_ref.value = '203.0.113.91'] FOLLOWEDBY [network-traffic:dst_ref.value = '203.0.113.92']) WITHIN 300 SECONDS"),
                Indicator(repeats, "([network-traffic:dst_ref.value = '203.0.113.93' AND network-traffic:dst_port = 4444] REPEATS 3 TIMES) WITHIN 60 SECONDS"),
                Indicator(tooLong, "[ipv4-addr:value = '203.0.113.94'] AND [ipv4-addr:value = '203.0.113.95'] WITHIN 200000 SECONDS"));
            // RED: the producer's own; the agency's matching events must not raise it.
            await PublishAsync(Tlp.Red, [], Indicator(redOnly, "[ipv4-addr:value = '203.0.113.96'] AND [ipv4-addr:value = '203.0.113.97']"));

            var store = host.Services.GetRequiredService<StoreIndicators>();
            await store.RefreshAsync(None, force: true);
            var catalog = store.Current;
            Assert.Equal(new[] { followedBy, redOnly, repeats }.Order(), catalog.CrossEvent.Select(c => c.IndicatorId).Order());
            var refused = Assert.Single(catalog.Unsupported);
            Assert.Equal((tooLong, "WITHIN 200000 SECONDS is longer than the longest window detection keeps events for (86400 seconds)"), (refused.IndicatorId, refused.Reason));

            var ingestor = new EventIngestor(queue, host.Services.GetRequiredService<OwnershipDirectory>(), host.Services.GetRequiredService<IServiceScopeFactory>(),
                host.Time, new IngestOptions(), null);
            async Task<SensorIdentity> SensorAsync(Guid org)
            {
                var created = await host.Run(sp => sp.GetRequiredService<SensorService>().CreateAsync(host.Admin, new SensorInput(org, "fw-" + Guid.NewGuid().ToString("N")[..6]), None));
                return new SensorIdentity(created.Sensor.Id, created.Sensor.Name, org);
            }

            var agencyFirewall = await SensorAsync(agency.Id);
            var agencyProxy = await SensorAsync(agency.Id);
            var outsiderFirewall = await SensorAsync(outsider.Id);
            var processor = new DetectionProcessor(null, host.Services.GetRequiredService<Musubi.Detection.Indicators.IndicatorMatcher>(),
                host.Services.GetRequiredService<IServiceScopeFactory>(), host.Time, new DetectionOptions { ReportSightings = false }, store, null, null,
                host.Services.GetRequiredService<CrossEventState>());

            async Task RunAsync(SensorIdentity sensor, params string[] lines)
            {
                await ingestor.IngestAsync(sensor, IngestFormat.JsonLines, "http", [.. lines.Select(l => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(l))], None);
                var batch = await queue.LeaseAsync(EventIngestor.Topic, 100, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5), None);
                Assert.Equal(lines.Length, batch.Count);
                await processor.ProcessAsync([.. batch.Select(m => m.Payload)], None);
                foreach (var m in batch)
                {
                    await queue.AckAsync(m, None);
                }
            }

            async Task<List<AlertEntity>> AlertsAsync() =>
                await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().Set<AlertEntity>().AsNoTracking().ToListAsync());

            // The first half of the sequence in one batch, the second half from another sensor of the same
            // organisation in a later batch: the window is per organisation and outlives the batch.
            await RunAsync(agencyFirewall,
                Line("2026-03-02T10:00:00Z", "192.0.2.5", "203.0.113.92", 443), // .92 before .91: not the order asked for
                Line("2026-03-02T10:00:10Z", "192.0.2.5", "203.0.113.91", 443),
                Line("2026-03-02T10:00:11Z", "192.0.2.5", "203.0.113.96", 443),
                Line("2026-03-02T10:00:20Z", "192.0.2.5", "203.0.113.93", 4444),
                Line("2026-03-02T10:00:30Z", "192.0.2.5", "203.0.113.93", 80), // wrong port: no part of the pattern
                Line("2026-03-02T10:00:40Z", "192.0.2.5", "203.0.113.93", 4444));
            Assert.Empty(await AlertsAsync());

            await RunAsync(agencyProxy,
                Line("2026-03-02T10:02:00Z", "192.0.2.6", "203.0.113.92", 443, host: "ws2"),
                Line("2026-03-02T10:02:01Z", "192.0.2.6", "203.0.113.97", 443, host: "ws2"),
                Line("2026-03-02T10:02:05Z", "192.0.2.6", "203.0.113.93", 4444, host: "ws2")); // 105 s after the first 4444: outside WITHIN 60
            // The same traffic at the outsider (not shared with it): nothing.
            await RunAsync(outsiderFirewall,
                Line("2026-03-02T10:00:10Z", "198.51.100.5", "203.0.113.91", 443),
                Line("2026-03-02T10:00:20Z", "198.51.100.5", "203.0.113.92", 443));

            var alerts = await AlertsAsync();
            var alert = Assert.Single(alerts);
            Assert.Equal((followedBy, agency.Id, "indicator", "ws2"), (alert.SourceId, alert.OrganisationId, alert.Kind, alert.Host));
            using (var evidence = JsonDocument.Parse(alert.Evidence))
            {
                var events = evidence.RootElement.GetProperty("events").EnumerateArray().ToList();
                Assert.Equal(2, events.Count);
                Assert.Equal("[network-traffic:dst_ref.value = '203.0.113.91']", events[0].GetProperty("observationExpression").GetString());
                Assert.Equal("203.0.113.91", events[0].GetProperty("event").GetProperty("dst_endpoint").GetProperty("ip").GetString());
                Assert.Equal(agencyFirewall.Name, events[0].GetProperty("sensor").GetString());
                Assert.Equal(agencyProxy.Name, events[1].GetProperty("sensor").GetString());
                var field = Assert.Single(events[1].GetProperty("matchedFields").EnumerateArray());
                Assert.Equal(("dst_endpoint.ip", "203.0.113.92"), (field.GetProperty("field").GetString(), field.GetProperty("value").GetString()));
                Assert.Equal(2, evidence.RootElement.GetProperty("matchedFields").GetArrayLength());
                Assert.True(evidence.RootElement.GetProperty("indicator").GetProperty("acrossEvents").GetBoolean());
            }

            // Two more 4444 connections within a minute of the last one: REPEATS 3 fires, with the three events.
            await RunAsync(agencyFirewall,
                Line("2026-03-02T10:02:30Z", "192.0.2.5", "203.0.113.93", 4444),
                Line("2026-03-02T10:02:50Z", "192.0.2.5", "203.0.113.93", 4444));
            var repeated = Assert.Single(await AlertsAsync(), a => a.SourceId == repeats);
            using (var evidence = JsonDocument.Parse(repeated.Evidence))
            {
                Assert.Equal(["2026-03-02T10:02:05+00:00", "2026-03-02T10:02:30+00:00", "2026-03-02T10:02:50+00:00"],
                    evidence.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("time").GetDateTimeOffset().ToString("yyyy-MM-ddTHH:mm:sszzz")));
                Assert.Equal(6, evidence.RootElement.GetProperty("matchedFields").GetArrayLength()); // address and port, three times
            }

            Assert.DoesNotContain(await AlertsAsync(), a => a.SourceId == redOnly);
            var counters = host.Services.GetRequiredService<CrossEventState>().Window.Counters;
            Assert.Equal(2, counters.Fired);
        }
        finally
        {
            if (natsQueue is not null)
            {
                await natsQueue.DisposeAsync();
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_redelivered_event_is_not_counted_again_after_its_first_delivery_fired_a_match(QueueKind kind)
    {
        await using var host = await TestHost.StartAsync(kind == QueueKind.Postgres ? DatabaseProvider.Postgres : DatabaseProvider.Sqlite, postgres);
        IWorkQueue queue = host.Services.GetRequiredService<IWorkQueue>();
        NatsWorkQueue? natsQueue = null;
        if (kind == QueueKind.Nats)
        {
            var id = Guid.NewGuid().ToString("N")[..12];
            // A short ack wait: a message not acked is redelivered by the server after it.
            queue = natsQueue = new NatsWorkQueue(new QueueOptions
            {
                Provider = "nats", NatsUrl = await nats.GetUrlAsync(), StreamName = "R" + id, StreamSubjectPrefix = "r" + id, NatsLease = TimeSpan.FromSeconds(1),
            });
        }

        try
        {
            var producer = await host.CreateOrgAsync(Builders.Org("Producer " + Guid.NewGuid().ToString("N")[..6], OrganisationKind.MinistryAgency));
            var agency = await host.CreateOrgAsync(Builders.Org("Agency " + Guid.NewGuid().ToString("N")[..6], OrganisationKind.Enterprise, null, (NetworkKind.Cidr, "192.0.2.0/24")));
            var analyst = await host.CreateUserAsync(producer.Id, Role.Analyst);
            var repeats = $"indicator--{Guid.NewGuid()}";
            var bundle = "{\"type\":\"bundle\",\"id\":\"bundle--" + Guid.NewGuid() + "\",\"objects\":["
                + Indicator(repeats, "([network-traffic:dst_ref.value = '203.0.113.81'] REPEATS 2 TIMES) WITHIN 300 SECONDS") + "]}";
            await host.Run(sp => sp.GetRequiredService<StixImporter>().ImportAsync(analyst, new MemoryStream(Encoding.UTF8.GetBytes(bundle)),
                new PublishOptions(Tlp.Amber, Organisations: [agency.Id]), None));
            var store = host.Services.GetRequiredService<StoreIndicators>();
            await store.RefreshAsync(None, force: true);

            var ingestor = new EventIngestor(queue, host.Services.GetRequiredService<OwnershipDirectory>(), host.Services.GetRequiredService<IServiceScopeFactory>(),
                host.Time, new IngestOptions(), null);
            var created = await host.Run(sp => sp.GetRequiredService<SensorService>().CreateAsync(host.Admin, new SensorInput(agency.Id, "fw-" + Guid.NewGuid().ToString("N")[..6]), None));
            var sensor = new SensorIdentity(created.Sensor.Id, created.Sensor.Name, agency.Id);
            var state = host.Services.GetRequiredService<CrossEventState>();
            var processor = new DetectionProcessor(null, host.Services.GetRequiredService<Musubi.Detection.Indicators.IndicatorMatcher>(),
                host.Services.GetRequiredService<IServiceScopeFactory>(), host.Time, new DetectionOptions { ReportSightings = false }, store, null, null, state);

            await ingestor.IngestAsync(sensor, IngestFormat.JsonLines, "http",
                [.. new[] { Line("2026-03-02T10:00:00Z", "192.0.2.5", "203.0.113.81", 443), Line("2026-03-02T10:00:30Z", "192.0.2.5", "203.0.113.81", 443) }
                    .Select(l => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(l))], None);
            var first = await queue.LeaseAsync(EventIngestor.Topic, 100, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5), None);
            Assert.Equal(2, first.Count);
            await processor.ProcessAsync([.. first.Select(m => m.Payload)], None);
            Assert.Equal(1, state.Window.Counters.Fired);

            // The worker dies before acking: the queue hands the same two events again once their lease has run out.
            host.Time.Advance(TimeSpan.FromMinutes(2));
            var again = new List<QueueMessage>();
            for (var i = 0; i < 20 && again.Count < 2; i++)
            {
                again.AddRange(await queue.LeaseAsync(EventIngestor.Topic, 100, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(2), None));
            }

            Assert.Equal(2, again.Count);
            Assert.Equal(first.Select(m => m.Payload.ToArray()).Select(Convert.ToBase64String).Order(), again.Select(m => m.Payload.ToArray()).Select(Convert.ToBase64String).Order());
            await processor.ProcessAsync([.. again.Select(m => m.Payload)], None);
            foreach (var m in again)
            {
                await queue.AckAsync(m, None);
            }

            var counters = state.Window.Counters;
            Assert.Equal(1, counters.Fired);
            Assert.Equal(2, counters.Duplicates);
            Assert.Equal(0, counters.Observations);
            var alerts = await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().Set<AlertEntity>().AsNoTracking().Where(a => a.SourceId == repeats).ToListAsync());
            Assert.Single(alerts);
        }
        finally
        {
            if (natsQueue is not null)
            {
                await natsQueue.DisposeAsync();
            }
        }
    }
}
