using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Core.Intelligence;
using Musubi.Core.Sharing;
using Musubi.Infrastructure.Detection;
using Musubi.Infrastructure.Intelligence;
using Musubi.Testing;

namespace Musubi.Infrastructure.Tests.Detection;

/// <summary>
/// Indicator decay on SQLite and PostgreSQL with the clock advanced: an indicator whose decayed score falls under the
/// threshold, or whose valid_until passed, leaves the detection set at the next rebuild; a sighting refreshes it; file
/// hashes outlive addresses.
/// </summary>
public sealed class IndicatorDecayTests(PostgresServer postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static string Indicator(string id, string pattern, string? validUntil = null) =>
        $$"""{"type":"indicator","spec_version":"2.1","id":"{{id}}","created":"2026-03-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z","pattern":"{{pattern}}","pattern_type":"stix","valid_from":"2026-03-01T00:00:00Z"{{(validUntil is null ? "" : $",\"valid_until\":\"{validUntil}\"")}}}""";

    [Fact]
    public void The_polynomial_model_starts_at_the_base_score_reaches_zero_at_the_lifetime_and_its_threshold_time_agrees()
    {
        var ip = new DecayModel(TimeSpan.FromDays(30), 2);
        Assert.Equal(75, IndicatorDecay.Score(75, TimeSpan.Zero, ip));
        Assert.Equal(0, IndicatorDecay.Score(75, TimeSpan.FromDays(30), ip));
        Assert.Equal(75 * (1 - Math.Sqrt(0.5)), IndicatorDecay.Score(75, TimeSpan.FromDays(15), ip), 6);
        var t = IndicatorDecay.TimeToThreshold(75, 20, ip);
        Assert.Equal(20, IndicatorDecay.Score(75, t, ip), 6);
        Assert.Equal(TimeSpan.Zero, IndicatorDecay.TimeToThreshold(10, 20, ip));
        // Slower speed holds the score up for longer.
        Assert.True(IndicatorDecay.Score(75, TimeSpan.FromDays(15), new DecayModel(TimeSpan.FromDays(30), 0.5)) > IndicatorDecay.Score(75, TimeSpan.FromDays(15), ip));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Decayed_or_expired_indicators_leave_the_detection_set_and_a_sighting_keeps_one_in(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var org = await host.CreateOrgAsync(Builders.Org("Decay CSIRT", OrganisationKind.MinistryAgency));
        var analyst = await host.CreateUserAsync(org.Id, Role.Analyst);
        var sightedIp = $"indicator--{Guid.NewGuid()}";
        var quietIp = $"indicator--{Guid.NewGuid()}";
        var hash = $"indicator--{Guid.NewGuid()}";
        var shortLived = $"indicator--{Guid.NewGuid()}";
        var start = host.Time.GetUtcNow();
        var objects = string.Join(",",
            Indicator(sightedIp, "[ipv4-addr:value = '198.51.100.10']"),
            Indicator(quietIp, "[ipv4-addr:value = '198.51.100.11']"),
            Indicator(hash, "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']"),
            Indicator(shortLived, "[domain-name:value = 'short.example.net']", StixTimestamp(start.AddDays(2))));
        var bundle = "{\"type\":\"bundle\",\"id\":\"bundle--" + Guid.NewGuid() + "\",\"objects\":[" + objects + "]}";
        await host.Run(sp => sp.GetRequiredService<StixImporter>().ImportAsync(analyst, new MemoryStream(Encoding.UTF8.GetBytes(bundle)), new PublishOptions(Tlp.Amber), None));
        var store = host.Services.GetRequiredService<StoreIndicators>();
        var decay = host.Services.GetRequiredService<DecayOptions>();
        async Task<IReadOnlyCollection<string>> RebuildAsync()
        {
            await store.RefreshAsync(None);
            return store.Current.Markings.Keys.ToHashSet();
        }

        Assert.Equal(new[] { sightedIp, quietIp, hash, shortLived }.Order(), (await RebuildAsync()).Order());
        // The next rebuild is due at the earliest expiry (valid_until in two days), so time alone triggers it.
        Assert.Equal(start.AddDays(2), store.Current.NextExpiry);

        host.Time.Advance(TimeSpan.FromDays(3));
        Assert.DoesNotContain(shortLived, await RebuildAsync());

        host.Time.Advance(TimeSpan.FromDays(7)); // day 10: an analyst reports a sighting of one address
        await host.Run(sp => sp.GetRequiredService<ManualSightingService>().ReportAsync(analyst, sightedIp, new SightingInput(3, null, null), None));

        host.Time.Advance(TimeSpan.FromDays(10)); // day 20: past an address's 16 days at the default base score
        var day20 = await RebuildAsync();
        Assert.DoesNotContain(quietIp, day20);
        Assert.Contains(sightedIp, day20);
        Assert.Contains(hash, day20);
        var score = decay.ScoreOf(await RawAsync(host, analyst, sightedIp), start, start.AddDays(10), host.Time.GetUtcNow())!;
        Assert.True(score.Score > decay.Threshold, $"score {score.Score}");
        Assert.Equal("ipv4-addr", score.ModelKey);

        host.Time.Advance(TimeSpan.FromDays(10)); // day 30: 20 days after the sighting
        var day30 = await RebuildAsync();
        Assert.DoesNotContain(sightedIp, day30);
        Assert.Contains(hash, day30);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_manual_sighting_is_recorded_per_organisation_and_adds_to_the_same_sighting(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var producer = await host.CreateOrgAsync(Builders.Org("Sighting producer", OrganisationKind.MinistryAgency));
        var peer = await host.CreateOrgAsync(Builders.Org("Sighting peer", OrganisationKind.MinistryAgency));
        var outsider = await host.CreateOrgAsync(Builders.Org("Sighting outsider", OrganisationKind.MinistryAgency));
        var a = await host.CreateUserAsync(producer.Id, Role.Analyst);
        var b = await host.CreateUserAsync(peer.Id, Role.Analyst);
        var c = await host.CreateUserAsync(outsider.Id, Role.Analyst);
        var readOnly = await host.CreateUserAsync(peer.Id, Role.ReadOnly);
        var id = $"indicator--{Guid.NewGuid()}";
        await host.Run(sp => sp.GetRequiredService<StixImporter>().ImportAsync(a, new MemoryStream(Encoding.UTF8.GetBytes(Indicator(id, "[ipv4-addr:value = '198.51.100.20']"))),
            new PublishOptions(Tlp.Amber, [], [peer.Id]), None));
        Task Report(Actor who, int count) => host.Run(sp => sp.GetRequiredService<ManualSightingService>().ReportAsync(who, id, new SightingInput(count, null, null), None));

        await Report(b, 2);
        host.Time.Advance(TimeSpan.FromHours(1));
        await Report(b, 3);
        await Report(a, 1);

        var seenByProducer = await host.Run(sp => sp.GetRequiredService<StixReadService>().SightingsAsync(a, id, None));
        Assert.Equal(2, seenByProducer.Count);
        var bySightingOrg = seenByProducer.ToDictionary(s => s.OrganisationId);
        Assert.Equal(5, bySightingOrg[peer.Id].Count);
        Assert.Equal(1, bySightingOrg[producer.Id].Count);
        Assert.True(bySightingOrg[peer.Id].LastSeen > bySightingOrg[peer.Id].FirstSeen);
        await Assert.ThrowsAsync<Musubi.Core.NotFoundException>(() => Report(c, 1));
        await Assert.ThrowsAsync<Musubi.Core.ForbiddenException>(() => Report(readOnly, 1));
        await Assert.ThrowsAsync<Musubi.Core.ValidationFailedException>(() => Report(b, 0));
    }

    private static async Task<string> RawAsync(TestHost host, Actor actor, string id) =>
        (await host.Run(sp => sp.GetRequiredService<StixReadService>().GetAsync(actor, id, null, None))).Raw;

    private static string StixTimestamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
