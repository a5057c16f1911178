using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Core.Queueing;
using Musubi.Detection.Indicators;
using Musubi.Detection.Ingestion;
using Musubi.Detection.Sigma;
using Musubi.Infrastructure.Constituency;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Detection;
using Musubi.Infrastructure.Queueing;
using Musubi.Testing;

namespace Musubi.Infrastructure.Tests.Detection;

/// <summary>Sensors, ingestion to the queue, quarantine, detection and alerts — on SQLite, PostgreSQL and NATS.</summary>
public sealed class IngestionTests(PostgresServer postgres, NatsServer nats)
{
    private static readonly CancellationToken None = CancellationToken.None;

    public static TheoryData<QueueKind> Kinds => new(QueueKind.Sqlite, QueueKind.Postgres, QueueKind.Nats);

    public static TheoryData<DatabaseProvider> Databases => new(DatabaseProvider.Sqlite, DatabaseProvider.Postgres);

    private sealed class Rig(TestHost host, IWorkQueue queue, EventIngestor ingestor, SensorIdentity sensor, Guid organisation) : IAsyncDisposable
    {
        public TestHost Host { get; } = host;
        public IWorkQueue Queue { get; } = queue;
        public EventIngestor Ingestor { get; } = ingestor;
        public SensorIdentity Sensor { get; } = sensor;
        public Guid Organisation { get; } = organisation;

        public async ValueTask DisposeAsync()
        {
            if (Queue is IAsyncDisposable d && Queue is NatsWorkQueue)
            {
                await d.DisposeAsync();
            }

            await Host.DisposeAsync();
        }
    }

    private async Task<Rig> StartAsync(QueueKind kind, IngestOptions? options = null, AsnTable? asns = null)
    {
        var host = await TestHost.StartAsync(kind == QueueKind.Postgres ? DatabaseProvider.Postgres : DatabaseProvider.Sqlite, postgres);
        IWorkQueue queue = host.Services.GetRequiredService<IWorkQueue>();
        if (kind == QueueKind.Nats)
        {
            var id = Guid.NewGuid().ToString("N")[..12];
            queue = new NatsWorkQueue(new QueueOptions { Provider = "nats", NatsUrl = await nats.GetUrlAsync(), StreamName = "I" + id, StreamSubjectPrefix = "i" + id });
        }

        var org = await host.CreateOrgAsync(Builders.Org("Agency " + Guid.NewGuid().ToString("N")[..6], OrganisationKind.CriticalInfrastructureOperator, "electric-power",
            (NetworkKind.Cidr, "192.0.2.0/24")));
        await host.CreateOrgAsync(Builders.Org("Neighbour " + Guid.NewGuid().ToString("N")[..6], OrganisationKind.Enterprise, null, (NetworkKind.Cidr, "198.51.100.0/24")));
        var created = await host.Run(sp => sp.GetRequiredService<SensorService>().CreateAsync(host.Admin, new SensorInput(org.Id, "fw-" + Guid.NewGuid().ToString("N")[..6]), None));
        var sensor = new SensorIdentity(created.Sensor.Id, created.Sensor.Name, org.Id);
        var ingestor = new EventIngestor(queue, host.Services.GetRequiredService<OwnershipDirectory>(), host.Services.GetRequiredService<IServiceScopeFactory>(),
            host.Time, options ?? new IngestOptions(), asns);
        return new Rig(host, queue, ingestor, sensor, org.Id);
    }

    private static List<ReadOnlyMemory<byte>> Lines(params string[] lines) => [.. lines.Select(l => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(l))];

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task A_sensor_token_is_shown_once_stored_hashed_audited_and_dies_with_revocation(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var orgA = await host.CreateOrgAsync(Builders.Org("A " + provider));
        var orgB = await host.CreateOrgAsync(Builders.Org("B " + provider));
        var adminB = await host.CreateUserAsync(orgB.Id, Role.OrgAdmin);
        var analystA = await host.CreateUserAsync(orgA.Id, Role.Analyst);
        var adminA = await host.CreateUserAsync(orgA.Id, Role.OrgAdmin);

        var created = await host.Run(sp => sp.GetRequiredService<SensorService>().CreateAsync(adminA, new SensorInput(orgA.Id, "ids-1"), None));
        Assert.StartsWith("mss_", created.Token);
        await host.Run(async sp =>
        {
            var db = sp.GetRequiredService<MusubiDbContext>();
            var row = await db.Set<SensorEntity>().SingleAsync(s => s.Id == created.Sensor.Id);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(created.Token))), row.TokenHash);
            Assert.DoesNotContain(created.Token, row.TokenHash, StringComparison.Ordinal);
            var audit = await db.AuditEntries.Where(a => a.Action == "sensor.create").SingleAsync();
            Assert.Equal(created.Sensor.Id.ToString(), audit.EntityId);
            Assert.DoesNotContain(created.Token, audit.After ?? "", StringComparison.Ordinal);
        });

        var sensors = host.Services.GetRequiredService<IServiceScopeFactory>();
        Assert.Equal(created.Sensor.Id, (await host.Run(sp => sp.GetRequiredService<SensorService>().AuthenticateAsync(created.Token, None)))!.Id);
        Assert.Null(await host.Run(sp => sp.GetRequiredService<SensorService>().AuthenticateAsync(created.Token + "x", None)));
        Assert.Null(await host.Run(sp => sp.GetRequiredService<SensorService>().AuthenticateAsync("msb_" + created.Token[4..], None)));

        await Assert.ThrowsAsync<ForbiddenException>(() => host.Run(sp => sp.GetRequiredService<SensorService>().CreateAsync(adminB, new SensorInput(orgA.Id, "x"), None)));
        await Assert.ThrowsAsync<ForbiddenException>(() => host.Run(sp => sp.GetRequiredService<SensorService>().CreateAsync(analystA, new SensorInput(orgA.Id, "y"), None)));
        await Assert.ThrowsAsync<ForbiddenException>(() => host.Run(sp => sp.GetRequiredService<SensorService>().RevokeAsync(adminB, created.Sensor.Id, None)));
        await Assert.ThrowsAsync<ConflictException>(() => host.Run(sp => sp.GetRequiredService<SensorService>().CreateAsync(host.Admin, new SensorInput(orgB.Id, "ids-1"), None)));

        await host.Run(sp => sp.GetRequiredService<SensorService>().RevokeAsync(adminA, created.Sensor.Id, None));
        Assert.Null(await host.Run(sp => sp.GetRequiredService<SensorService>().AuthenticateAsync(created.Token, None)));
        Assert.Equal(1, await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().AuditEntries.CountAsync(a => a.Action == "sensor.revoke")));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Good_lines_are_durable_on_the_queue_normalised_and_enriched_and_bad_lines_are_quarantined(QueueKind kind)
    {
        await using var rig = await StartAsync(kind);
        var result = await rig.Ingestor.IngestAsync(rig.Sensor, IngestFormat.JsonLines, "http", Lines(
            """{"class":"network","src_ip":"192.0.2.5","dst_ip":"198.51.100.9","dst_port":443}""",
            """{"broken": """,
            """{"client":"10.1.1.1","query":"evil.example"}""",
            "[1,2]"), None);

        Assert.Equal((2, 2), (result.Accepted, result.Quarantined));
        Assert.Equal([1, 3], result.Errors.Select(e => e.Line));
        Assert.Contains("malformed JSON", result.Errors[0].Reason);

        var messages = await rig.Queue.LeaseAsync(EventIngestor.Topic, 10, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5), None);
        Assert.Equal(2, messages.Count);
        using var first = JsonDocument.Parse(messages.Select(m => m.Payload).First(p => Encoding.UTF8.GetString(p.Span).Contains("4001")));
        var root = first.RootElement;
        Assert.Equal(rig.Sensor.Id, root.GetProperty("sensor_id").GetGuid());
        Assert.Equal(rig.Organisation, root.GetProperty("organisation_id").GetGuid());
        var ocsf = root.GetProperty("ocsf");
        Assert.Equal(4001, ocsf.GetProperty("class_uid").GetInt32());
        Assert.Equal("internal", ocsf.GetProperty("src_endpoint").GetProperty("zone").GetString());
        Assert.Equal("constituency", ocsf.GetProperty("dst_endpoint").GetProperty("zone").GetString());
        var enrichment = ocsf.GetProperty("enrichments")[0].GetProperty("data");
        Assert.Equal(rig.Organisation, enrichment.GetProperty("organisation_id").GetGuid());
        Assert.Equal("electric-power", enrichment.GetProperty("sector").GetString());
        Assert.Contains("198.51.100.9", ocsf.GetProperty("raw_data").GetString());
        foreach (var m in messages)
        {
            await rig.Queue.AckAsync(m, None);
        }

        var quarantined = await rig.Host.Run(sp => sp.GetRequiredService<MusubiDbContext>().Set<QuarantinedEventEntity>().OrderBy(q => q.Id).ToListAsync());
        Assert.Equal(2, quarantined.Count);
        Assert.All(quarantined, q => Assert.Equal((rig.Sensor.Id, rig.Organisation, "http"), (q.SensorId!.Value, q.OrganisationId!.Value, q.Source)));
        Assert.Equal("""{"broken": """, quarantined[0].Raw);
        Assert.Contains("one object", quarantined[1].Reason);
        Assert.Equal(2, rig.Ingestor.QuarantinedTotal);
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task Addresses_are_enriched_with_owner_sector_zone_and_origin_as(DatabaseProvider provider)
    {
        var asns = AsnTable.Parse(new StringReader("192.0.2.0\t192.0.2.255\t64500\tJP\tAGENCY-NET\n203.0.113.0/24\t64511\n"));
        await using var rig = await StartAsync(provider == DatabaseProvider.Postgres ? QueueKind.Postgres : QueueKind.Sqlite, asns: asns);
        await rig.Ingestor.IngestAsync(rig.Sensor, IngestFormat.JsonLines, "http", Lines(
            """{"class":"network","src_ip":"192.0.2.5","dst_ip":"203.0.113.9","dst_port":443}"""), None);
        var message = Assert.Single(await rig.Queue.LeaseAsync(EventIngestor.Topic, 10, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5), None));
        using var doc = JsonDocument.Parse(message.Payload);
        var ocsf = doc.RootElement.GetProperty("ocsf");
        var src = ocsf.GetProperty("src_endpoint");
        Assert.Equal(("internal", 64500u, "AGENCY-NET"), (src.GetProperty("zone").GetString(), src.GetProperty("autonomous_system").GetProperty("number").GetUInt32(),
            src.GetProperty("autonomous_system").GetProperty("name").GetString()));
        var dst = ocsf.GetProperty("dst_endpoint");
        Assert.Equal(("external", 64511u), (dst.GetProperty("zone").GetString(), dst.GetProperty("autonomous_system").GetProperty("number").GetUInt32()));
        var enrichments = ocsf.GetProperty("enrichments").EnumerateArray().Select(e => e.GetProperty("data")).ToList();
        Assert.Equal(rig.Organisation, enrichments[0].GetProperty("organisation_id").GetGuid());
        Assert.Equal("electric-power", enrichments[0].GetProperty("sector").GetString());
        Assert.Equal(64500u, enrichments[0].GetProperty("asn").GetUInt32());
        Assert.False(enrichments[1].TryGetProperty("organisation_id", out _));
        Assert.Equal(64511u, enrichments[1].GetProperty("asn").GetUInt32());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Ingestion_refuses_while_the_detection_backlog_is_over_its_limit(QueueKind kind)
    {
        await using var rig = await StartAsync(kind, new IngestOptions { MaxBacklog = 3, RetryAfterSeconds = 7 });
        await rig.Ingestor.ThrowIfOverloadedAsync(None);
        await rig.Ingestor.IngestAsync(rig.Sensor, IngestFormat.Syslog, "udp:514", Lines("<13>a", "<13>b", "<13>c"), None);
        var e = await Assert.ThrowsAsync<IngestOverloadedException>(() => rig.Ingestor.ThrowIfOverloadedAsync(None));
        Assert.Equal(TimeSpan.FromSeconds(7), e.RetryAfter);

        var leased = await rig.Queue.LeaseAsync(EventIngestor.Topic, 3, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5), None);
        foreach (var m in leased)
        {
            await rig.Queue.AckAsync(m, None);
        }

        await rig.Ingestor.ThrowIfOverloadedAsync(None);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task The_detection_processor_raises_grouped_alerts_with_evidence_and_computed_severity(QueueKind kind)
    {
        await using var rig = await StartAsync(kind);
        var rules = Path.Combine(Path.GetTempPath(), "musubi-rules-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(rules);
        await File.WriteAllTextAsync(Path.Combine(rules, "whoami.yml"), """
            title: Whoami run
            id: 11111111-2222-3333-4444-555555555555
            level: high
            logsource:
              category: process_creation
            detection:
              selection:
                CommandLine|contains: whoami
              condition: selection
            """, None);
        var engine = SigmaEngine.LoadDirectory(rules);
        Assert.Single(engine.Rules);
        var indicators = new IndicatorMatcher(IndicatorSnapshot.Build(
            [new IndicatorRecord(IndicatorKind.Domain, "evil.example", "indicator--aaaa", 80)], rig.Host.Time.GetUtcNow()));
        var processor = new DetectionProcessor(engine, indicators, rig.Host.Services.GetRequiredService<IServiceScopeFactory>(), rig.Host.Time, new DetectionOptions());

        await rig.Ingestor.IngestAsync(rig.Sensor, IngestFormat.JsonLines, "http", Lines(
            """{"host":"ws1","CommandLine":"cmd /c whoami","Image":"C:\\Windows\\cmd.exe"}""",
            """{"host":"ws1","CommandLine":"whoami /all","Image":"C:\\Windows\\cmd.exe"}""",
            """{"host":"ws2","CommandLine":"whoami","Image":"C:\\Windows\\cmd.exe"}""",
            """{"host":"ws1","class":"dns","query":"c2.evil.example"}""",
            """{"host":"ws1","class":"dns","query":"good.example"}"""), None);
        var batch = await rig.Queue.LeaseAsync(EventIngestor.Topic, 10, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5), None);
        Assert.Equal(5, batch.Count);
        await processor.ProcessAsync([.. batch.Select(m => m.Payload)], None);
        foreach (var m in batch)
        {
            await rig.Queue.AckAsync(m, None);
        }

        var alerts = await rig.Host.Run(sp => sp.GetRequiredService<MusubiDbContext>().Set<AlertEntity>().AsNoTracking().ToListAsync());
        Assert.Equal(3, alerts.Count);
        var ws1 = alerts.Single(a => a.Kind == "sigma" && a.Host == "ws1");
        Assert.Equal(2, ws1.Count);
        Assert.Equal("11111111-2222-3333-4444-555555555555", ws1.SourceId);
        // high (70) × critical infrastructure (1.25) × rule (1.0)
        Assert.Equal(88, ws1.Severity);
        Assert.Contains("whoami", ws1.Evidence, StringComparison.Ordinal);
        Assert.Contains("\"CommandLine\"", ws1.Evidence, StringComparison.Ordinal);
        Assert.Equal(1, alerts.Single(a => a.Kind == "sigma" && a.Host == "ws2").Count);

        var indicator = alerts.Single(a => a.Kind == "indicator");
        Assert.Equal("indicator--aaaa", indicator.SourceId);
        // indicator (60) × 1.25 × (0.5 + 80/200)
        Assert.Equal(68, indicator.Severity);
        using var evidence = JsonDocument.Parse(indicator.Evidence);
        Assert.Equal("query", evidence.RootElement.GetProperty("matchedFields")[0].GetProperty("field").GetString());
        Assert.Equal("c2.evil.example", evidence.RootElement.GetProperty("matchedFields")[0].GetProperty("value").GetString());
        Assert.Equal(4003, evidence.RootElement.GetProperty("event").GetProperty("class_uid").GetInt32());

        // Beyond the grouping window a repeat opens a new alert.
        rig.Host.Time.Advance(TimeSpan.FromHours(2));
        await rig.Ingestor.IngestAsync(rig.Sensor, IngestFormat.JsonLines, "http", Lines("""{"host":"ws1","CommandLine":"whoami"}"""), None);
        var later = await rig.Queue.LeaseAsync(EventIngestor.Topic, 10, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5), None);
        await processor.ProcessAsync([.. later.Select(m => m.Payload)], None);
        Assert.Equal(2, await rig.Host.Run(sp => sp.GetRequiredService<MusubiDbContext>().Set<AlertEntity>().CountAsync(a => a.Kind == "sigma" && a.Host == "ws1")));
        Assert.Equal(4, await rig.Host.Run(sp => sp.GetRequiredService<MusubiDbContext>().AuditEntries.CountAsync(a => a.Action == "alert.create")));
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task Alerts_are_seen_by_their_organisation_and_the_national_soc_and_nobody_else(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var orgA = await host.CreateOrgAsync(Builders.Org("A " + provider));
        var orgB = await host.CreateOrgAsync(Builders.Org("B " + provider));
        var centre = await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().Organisations.SingleAsync(o => o.Kind == OrganisationKind.NationalCentre));
        var analystA = await host.CreateUserAsync(orgA.Id, Role.Analyst);
        var readOnlyA = await host.CreateUserAsync(orgA.Id, Role.ReadOnly);
        var analystB = await host.CreateUserAsync(orgB.Id, Role.Analyst);
        var soc = await host.CreateUserAsync(centre.Id, Role.Analyst);
        var alert = new AlertEntity
        {
            Id = Guid.NewGuid(), OrganisationId = orgA.Id, Kind = "sigma", SourceId = "r1", Title = "Rule one", Level = "high", Severity = 70,
            Host = "ws1", GroupKey = "k", FirstSeen = host.Time.GetUtcNow(), LastSeen = host.Time.GetUtcNow(), Count = 1, Evidence = "{}", Status = "new",
        };
        await host.Run(async sp =>
        {
            var db = sp.GetRequiredService<MusubiDbContext>();
            db.Set<AlertEntity>().Add(alert);
            await db.SaveChangesAsync();
        });

        Task<AlertPage> Search(Actor who, Guid? org = null) => host.Run(sp => sp.GetRequiredService<AlertService>().SearchAsync(who, new AlertQuery(org), None));
        Assert.Single((await Search(analystA)).Items);
        Assert.Single((await Search(readOnlyA)).Items);
        Assert.Single((await Search(soc)).Items);
        Assert.Single((await Search(soc, orgA.Id)).Items);
        Assert.Empty((await Search(analystB)).Items);
        Assert.Empty((await Search(host.Admin)).Items);
        await Assert.ThrowsAsync<ForbiddenException>(() => Search(analystB, orgA.Id));
        await Assert.ThrowsAsync<NotFoundException>(() => host.Run(sp => sp.GetRequiredService<AlertService>().GetAsync(analystB, alert.Id, None)));
        await Assert.ThrowsAsync<NotFoundException>(() => host.Run(sp => sp.GetRequiredService<AlertService>().AcknowledgeAsync(analystB, alert.Id, None)));
        await Assert.ThrowsAsync<ForbiddenException>(() => host.Run(sp => sp.GetRequiredService<AlertService>().AcknowledgeAsync(readOnlyA, alert.Id, None)));

        var acknowledged = await host.Run(sp => sp.GetRequiredService<AlertService>().AcknowledgeAsync(soc, alert.Id, None));
        Assert.Equal("acknowledged", acknowledged.Status);
        Assert.Equal(soc.UserId, acknowledged.AcknowledgedBy);
        Assert.Equal(1, await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().AuditEntries.CountAsync(a => a.Action == "alert.acknowledge")));
        Assert.Single((await host.Run(sp => sp.GetRequiredService<AlertService>().SearchAsync(analystA, new AlertQuery(Status: "acknowledged"), None))).Items);
        Assert.Empty((await host.Run(sp => sp.GetRequiredService<AlertService>().SearchAsync(analystA, new AlertQuery(Status: "new"), None))).Items);
    }
}
