using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core;
using Musubi.Core.Sharing;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Detection;
using Musubi.Infrastructure.Feeds;
using Musubi.Infrastructure.Feeds.Collectors;
using Musubi.Infrastructure.Intelligence;
using Musubi.Testing;

namespace Musubi.Infrastructure.Tests.Feeds;

/// <summary>The detections collector: constituency hosts of the platform's alerts become feed events once, and TLP holds.</summary>
public sealed class DetectionsCollectorTests(PostgresServer postgres)
{
    private static CancellationToken None => CancellationToken.None;

    private static string Indicator(string id, string ip, string phase) => $$"""
        {"type":"indicator","spec_version":"2.1","id":"{{id}}","created":"2026-03-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z",
         "name":"c2 {{ip}}","indicator_types":["malicious-activity"],"pattern":"[ipv4-addr:value = '{{ip}}']","pattern_type":"stix",
         "valid_from":"2026-03-01T00:00:00Z","kill_chain_phases":[{"kill_chain_name":"lockheed-martin-cyber-kill-chain","phase_name":"{{phase}}"}]}
        """;

    private static AlertEntity Alert(Guid org, string kind, string sourceId, DateTimeOffset at, string src, int srcPort, string dst, int dstPort, string[]? tags = null)
    {
        var evidence = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["rule"] = tags is null ? null : new { id = sourceId, title = "rule", level = "high", tags },
            ["event"] = new Dictionary<string, object>
            {
                ["time"] = at.ToUnixTimeMilliseconds(),
                ["src_endpoint"] = new { ip = src, port = srcPort },
                ["dst_endpoint"] = new { ip = dst, port = dstPort },
                ["connection_info"] = new { protocol_name = "TCP" },
            },
        });
        return new AlertEntity
        {
            Id = Guid.NewGuid(), OrganisationId = org, Kind = kind, SourceId = sourceId, Title = "t", Level = "high", Severity = 50,
            Host = src, GroupKey = Guid.NewGuid().ToString(), FirstSeen = at, LastSeen = at, Count = 1, Evidence = evidence, Status = "new",
        };
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Constituency_hosts_of_alerts_become_events_once_and_amber_or_red_indicators_are_never_notified(DatabaseProvider provider)
    {
        var w = await FeedWorld.StartAsync(provider, postgres);
        await using var _ = w.Host;
        const string green = "indicator--0b6b2c5e-0c1e-4d5a-9a0e-000000000001";
        const string amber = "indicator--0b6b2c5e-0c1e-4d5a-9a0e-000000000002";
        const string red = "indicator--0b6b2c5e-0c1e-4d5a-9a0e-000000000003";
        foreach (var (id, ip, tlp) in new[] { (green, "203.0.113.9", Tlp.Green), (amber, "203.0.113.10", Tlp.Amber), (red, "203.0.113.11", Tlp.Red) })
        {
            var result = await w.Host.Run(sp => sp.GetRequiredService<StixImporter>().ImportAsync(w.Host.Admin,
                new MemoryStream(Encoding.UTF8.GetBytes(Indicator(id, ip, "command-and-control"))), new PublishOptions(tlp), None));
            Assert.Empty(result.Failures);
        }

        var source = await w.Config(c => c.CreateSourceAsync(w.Host.Admin, new FeedSourceInput("platform", null, "detections", null, 60, true), None));
        var now = w.Host.Time.GetUtcNow();
        var early = now - TimeSpan.FromMinutes(5);
        await w.Host.Run(async sp =>
        {
            var db = sp.GetRequiredService<MusubiDbContext>();
            db.AddRange(
                Alert(w.Isp, "indicator", green, early, "192.0.2.10", 50000, "203.0.113.9", 443),
                Alert(w.Isp, "indicator", red, early, "192.0.2.11", 50001, "203.0.113.11", 443),
                Alert(w.Isp, "indicator", amber, early, "192.0.2.12", 50002, "203.0.113.10", 443),
                Alert(w.Isp, "sigma", "rule-ssh-brute", early.AddSeconds(1), "198.51.100.7", 40000, "192.0.2.13", 22, ["attack.credential_access", "attack.t1110.001"]),
                Alert(w.Isp, "sigma", "rule-outside", early.AddSeconds(2), "198.51.100.8", 40000, "198.51.100.9", 22, ["attack.discovery"]),
                Alert(w.Isp, "sigma", "rule-recon", now - TimeSpan.FromSeconds(10), "192.0.2.14", 40000, "198.51.100.9", 80, ["attack.reconnaissance"]));
            await db.SaveChangesAsync(None);
        });

        var run = await w.Host.Run(async sp =>
        {
            var entity = await sp.GetRequiredService<MusubiDbContext>().Set<FeedSourceEntity>().AsNoTracking().FirstAsync(s => s.Id == source.Id);
            return await sp.GetRequiredService<DetectionsFeedCollector>().CollectAsync(entity, None);
        });
        Assert.Equal(new DetectionsRun(Alerts: 5, Events: 2, OutsideConstituency: 1, WithheldByTlp: 2, FileAccepted: true), run);
        var status = (await w.Config(c => c.ListSourcesAsync(w.Host.Admin, None))).Single(s => s.Name == "platform");
        Assert.Equal(early.AddSeconds(2), status.Cursor);
        Assert.Equal(1, await w.ProcessAsync());

        // The tick runs the collector only once its interval passed, and the recent alert only once it settled.
        await w.Host.Services.GetRequiredService<FeedPipelineRunner>().TickAsync(None);
        Assert.Equal(0, await w.ProcessAsync());
        w.Host.Time.Advance(TimeSpan.FromMinutes(2));
        await w.Host.Services.GetRequiredService<FeedPipelineRunner>().TickAsync(None);
        Assert.Equal(1, await w.ProcessAsync());
        w.Host.Time.Advance(TimeSpan.FromMinutes(2));
        await w.Host.Services.GetRequiredService<FeedPipelineRunner>().TickAsync(None);
        Assert.Equal(0, await w.ProcessAsync()); // nothing new: no file, each alert taken once

        status = (await w.Config(c => c.ListSourcesAsync(w.Host.Admin, None))).Single(s => s.Name == "platform");
        Assert.Equal(3, status.RowsAccepted);
        Assert.Equal(0, status.RowsRejected);
        Assert.Null(status.LastError);
        Assert.NotNull(status.LastSuccessAt);

        w.Host.Time.Advance(TimeSpan.FromHours(1));
        await w.CloseAndDeliverAsync();
        var rows = w.Sender.Sent.SelectMany(r => r.Rows).OrderBy(r => r.SourceIp, StringComparer.Ordinal).ToList();
        Assert.Equal(["192.0.2.10", "192.0.2.13", "192.0.2.14"], rows.Select(r => r.SourceIp));
        Assert.All(rows, r => Assert.Equal(DetectionsFeedCollector.FeedName, r.FeedName));
        Assert.Equal(("malicious-code", "infected-system"), (rows[0].Taxonomy, rows[0].Type));
        Assert.Equal(50000, rows[0].SourcePort);
        Assert.Equal(("intrusion-attempts", "brute-force"), (rows[1].Taxonomy, rows[1].Type)); // the constituency host was the destination
        Assert.Equal(22, rows[1].SourcePort);
        Assert.Equal(("information-gathering", "scanner"), (rows[2].Taxonomy, rows[2].Type));
        Assert.DoesNotContain(rows, r => r.SourceIp is "192.0.2.11" or "192.0.2.12");
    }

    [Fact]
    public void The_notification_rule_lets_clear_and_green_through_and_never_amber_strict_or_red()
    {
        var centre = Guid.NewGuid();
        var platform = new Principal(null, centre, new HashSet<Guid>());
        foreach (var tlp in Enum.GetValues<Tlp>())
        {
            var own = new ObjectMarking(tlp, centre, SharingScope.Empty);
            Assert.Equal(tlp is Tlp.Clear or Tlp.Green, AccessPolicy.MayNotify(platform, own).Allowed);
        }

        // Not visible to the platform at all: never, whatever the TLP.
        var elsewhere = new ObjectMarking(Tlp.Green, Guid.NewGuid(), SharingScope.Empty);
        Assert.Equal(new AccessDecision(false, AccessReason.NotInScope), AccessPolicy.MayNotify(platform, elsewhere));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Collector_settings_are_validated_with_the_field_named(DatabaseProvider provider)
    {
        var w = await FeedWorld.StartAsync(provider, postgres);
        await using var _ = w.Host;
        async Task<IReadOnlyDictionary<string, string[]>> Refused(FeedSourceInput input) =>
            (await Assert.ThrowsAsync<ValidationFailedException>(() => w.Config(c => c.CreateSourceAsync(w.Host.Admin, input, None)))).Errors;

        Assert.Contains("type", (await Refused(new FeedSourceInput("d1", "shadowserver", "detections", null, 60, true))).Keys);
        Assert.Contains("options", (await Refused(new FeedSourceInput("d2", null, "detections", null, 60, true, JsonDocument.Parse("""{"x":1}""").RootElement))).Keys);
        Assert.Contains("collector", (await Refused(new FeedSourceInput("d3", null, "carrier-pigeon", null, 60, true))).Keys);
        Assert.Contains("options.partner", (await Refused(new FeedSourceInput("t1", null, "taxii", null, 60, true))).Keys);
        Assert.Contains("options.partner", (await Refused(new FeedSourceInput("t2", null, "taxii", null, 60, true, JsonDocument.Parse("""{"partner":"nobody"}""").RootElement))).Keys);
        Assert.Contains("location", (await Refused(new FeedSourceInput("n1", null, "darknet", "relative/dir", 60, true))).Keys);
        Assert.Contains("options", (await Refused(new FeedSourceInput("c1", "generic-csv", "upload", null, 60, true))).Keys);
        var noClassification = await Refused(new FeedSourceInput("c2", "generic-csv", "upload", null, 60, true,
            JsonDocument.Parse("""{"columns":{"ip":"source.ip"}}""").RootElement));
        Assert.Contains("options.constants", noClassification.Keys);
        var badField = await Refused(new FeedSourceInput("c3", "generic-csv", "upload", null, 60, true,
            JsonDocument.Parse("""{"columns":{"ip":"source.ipp"},"constants":{"classification.taxonomy":"other","classification.type":"other"}}""").RootElement));
        Assert.Contains("options.columns.ip", badField.Keys);
        Assert.Contains("options.delimiter", (await Refused(new FeedSourceInput("c4", "generic-csv", "upload", null, 60, true,
            JsonDocument.Parse("""{"delimiter":";;","columns":{"ip":"source.ip"}}""").RootElement))).Keys);

        var detections = await w.Config(c => c.CreateSourceAsync(w.Host.Admin, new FeedSourceInput("d4", null, "detections", null, 300, true), None));
        Assert.Equal("detections", detections.Collector);
        Assert.Null(detections.Type);
    }
}
