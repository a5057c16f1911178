using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Detection;
using Musubi.Infrastructure.Identity;
using Musubi.Testing;

namespace Musubi.Server.Tests;

/// <summary>
/// Intelligence to detection and back, on SQLite and PostgreSQL: indicators published through the intel API become
/// the live indicator set, apply only to organisations that may see them, stop applying when revoked, and indicator
/// alerts go back to the store as sightings that the access policy governs.
/// </summary>
public sealed class IndicatorPipelineTests(PostgresServer postgres)
{
    public static TheoryData<DatabaseProvider> Databases => new(DatabaseProvider.Sqlite, DatabaseProvider.Postgres);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// Three organisations: P publishes, A shares a trust group with P, B does not. Each has an analyst; A and B a
    /// sensor.
    /// </summary>
    private sealed class World : IAsyncDisposable
    {
        public required MusubiServer Server { get; init; }
        public required HttpClient Admin { get; init; }
        public required HttpClient AnalystP { get; init; }
        public required HttpClient AnalystA { get; init; }
        public required HttpClient AnalystB { get; init; }
        public required Guid OrgP { get; init; }
        public required Guid OrgA { get; init; }
        public required Guid OrgB { get; init; }
        public required Guid Community { get; init; }
        public required string SensorA { get; init; }
        public required string SensorB { get; init; }

        public async ValueTask DisposeAsync()
        {
            Admin.Dispose();
            AnalystP.Dispose();
            AnalystA.Dispose();
            AnalystB.Dispose();
            await Server.DisposeAsync();
        }
    }

    private async Task<World> StartAsync(DatabaseProvider provider)
    {
        var server = await MusubiServer.StartAsync(provider, postgres, new Dictionary<string, string>
        {
            ["Musubi:Detection:IndicatorRefreshInterval"] = "00:00:00.100",
        });
        var admin = await server.SignInAsync("admin", MusubiServer.AdminPassword);
        var orgP = (await Principals.CreateOrgAsync(admin, "Producer", "203.0.113.0/28")).Id;
        var orgA = (await Principals.CreateOrgAsync(admin, "Agency A", "192.0.2.0/24")).Id;
        var orgB = (await Principals.CreateOrgAsync(admin, "Agency B", "198.51.100.0/24")).Id;
        var community = await MusubiServer.ReadAsync<JsonElement>(await admin.PostAsJsonAsync("/api/v1/communities",
            new { slug = "tg-detect", kind = "trust-group", nameEn = "Detection trust group" }, Principals.Json));
        foreach (var member in new[] { orgP, orgA })
        {
            (await admin.PostAsJsonAsync("/api/v1/communities/tg-detect/members", new { organisationId = member }, Ct)).EnsureSuccessStatusCode();
        }

        async Task<HttpClient> Analyst(string name, Guid org)
        {
            await MusubiServer.ReadAsync<UserDto>(await admin.PostAsJsonAsync("/api/v1/users",
                new UserInput(name, null, null, org, Role.Analyst, Principals.UserPassword), Principals.Json));
            return await server.SignInAsync(name, Principals.UserPassword);
        }

        async Task<string> Sensor(Guid org, string name) =>
            (await MusubiServer.ReadAsync<CreatedSensor>(await admin.PostAsJsonAsync("/api/v1/sensors", new SensorInput(org, name), Principals.Json))).Token;

        return new World
        {
            Server = server,
            Admin = admin,
            AnalystP = await Analyst("analyst-p", orgP),
            AnalystA = await Analyst("analyst-a", orgA),
            AnalystB = await Analyst("analyst-b", orgB),
            OrgP = orgP,
            OrgA = orgA,
            OrgB = orgB,
            Community = community.GetProperty("id").GetGuid(),
            SensorA = await Sensor(orgA, "ids-a"),
            SensorB = await Sensor(orgB, "ids-b"),
        };
    }

    private static string Indicator(string id, string pattern, string? validUntil = null) =>
        $$"""{"type":"indicator","spec_version":"2.1","id":"{{id}}","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"test","pattern":"{{pattern}}","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","confidence":80{{(validUntil is null ? "" : $",\"valid_until\":\"{validUntil}\"")}}}""";

    private static async Task PublishAsync(HttpClient client, string query, params string[] objects)
    {
        var bundle = $$"""{"type":"bundle","id":"bundle--{{Guid.NewGuid()}}","objects":[{{string.Join(',', objects)}}]}""";
        var response = await client.PostAsync($"/api/v1/intel/objects?{query}", new StringContent(bundle, Encoding.UTF8, "application/stix+json"), Ct);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    private static async Task IngestAsync(World w, string token, params string[] lines)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ingest/events")
        {
            Content = new StringContent(string.Join('\n', lines) + "\n", Encoding.UTF8, "application/x-ndjson"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var anonymous = w.Server.Anonymous();
        using var response = await anonymous.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private static async Task<List<AlertEntity>> AlertsAsync(World w)
    {
        await using var scope = w.Server.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<MusubiDbContext>().Set<AlertEntity>().AsNoTracking().ToListAsync(Ct);
    }

    /// <summary>Polls until <paramref name="done"/> holds (the worker and the refresher run in the background).</summary>
    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, $"gave up waiting for: {what}");
            await Task.Delay(50, Ct);
        }
    }

    private static Task WaitForIndicatorAsync(World w, string id, bool present) =>
        EventuallyAsync(() => Task.FromResult(w.Server.Services.GetRequiredService<StoreIndicators>().Current.Markings.ContainsKey(id)),
            has => has == present, $"{id} {(present ? "in" : "out of")} the live indicator set");

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task Published_indicators_match_events_of_organisations_that_may_see_them_until_revoked_and_matches_come_back_as_sightings(DatabaseProvider provider)
    {
        await using var w = await StartAsync(provider);
        var plain = $"indicator--{Guid.NewGuid()}";
        var control = $"indicator--{Guid.NewGuid()}";
        var compound = $"indicator--{Guid.NewGuid()}";
        var expired = $"indicator--{Guid.NewGuid()}";
        var followedBy = $"indicator--{Guid.NewGuid()}";
        var repeats = $"indicator--{Guid.NewGuid()}";
        var within = $"indicator--{Guid.NewGuid()}";
        var tooLong = $"indicator--{Guid.NewGuid()}";
        var tooLongShared = $"indicator--{Guid.NewGuid()}";
        await PublishAsync(w.AnalystP, $"tlp=amber&community={w.Community}",
            Indicator(plain, "[ipv4-addr:value = '203.0.113.77']"),
            Indicator(control, "[domain-name:value = 'control.example']"),
            Indicator(compound, "[network-traffic:dst_ref.value = '203.0.113.90' AND network-traffic:dst_port = 4444]"),
            Indicator(expired, "[ipv4-addr:value = '203.0.113.66']", validUntil: "2020-01-01T00:00:00Z"),
            Indicator(followedBy, "[ipv4-addr:value = '203.0.113.91'] FOLLOWEDBY [ipv4-addr:value = '203.0.113.92']"),
            Indicator(within, "([ipv4-addr:value = '203.0.113.95'] OR [domain-name:value = 'within.example']) WITHIN 60 SECONDS"),
            Indicator(tooLongShared, "([ipv4-addr:value = '203.0.113.98'] AND [ipv4-addr:value = '203.0.113.99']) WITHIN 100000 SECONDS"));
        await PublishAsync(w.AnalystP, "tlp=clear", Indicator(repeats, "[ipv4-addr:value = '203.0.113.93'] REPEATS 3 TIMES"),
            Indicator(tooLong, "[ipv4-addr:value = '203.0.113.93'] REPEATS 1000 TIMES"));
        await WaitForIndicatorAsync(w, control, present: true);
        await WaitForIndicatorAsync(w, repeats, present: true);
        var catalog = w.Server.Services.GetRequiredService<StoreIndicators>().Current;
        Assert.False(catalog.Markings.ContainsKey(expired));
        Assert.Contains(catalog.Patterns, p => p.IndicatorId == compound);

        // Patterns that need several events are evaluated across events; beyond the window's bounds they are left out
        // with a reason; a WITHIN around a one-observation expression is evaluated on each event.
        Assert.DoesNotContain(catalog.Patterns, p => p.IndicatorId == followedBy || p.IndicatorId == repeats);
        Assert.Contains(catalog.Patterns, p => p.IndicatorId == within);
        Assert.Equal(new[] { followedBy, repeats }.Order(), catalog.CrossEvent.Select(c => c.IndicatorId).Order());
        Assert.Contains("WITHIN 100000 SECONDS", Assert.Single(catalog.Unsupported, u => u.IndicatorId == tooLongShared).Reason, StringComparison.Ordinal);
        Assert.Contains("at least 1000 events", Assert.Single(catalog.Unsupported, u => u.IndicatorId == tooLong).Reason, StringComparison.Ordinal);

        // The status shows the platform administrator the counts, and only the left-out indicators it may see (the
        // TLP:CLEAR one, not the trust group's).
        var status = await MusubiServer.ReadAsync<JsonElement>(await w.Admin.GetAsync("/api/v1/detection/indicator-status", Ct));
        Assert.Equal(2, status.GetProperty("unsupportedCount").GetInt32());
        Assert.Equal(2, status.GetProperty("acrossEvents").GetInt32());
        var shown = Assert.Single(status.GetProperty("unsupported").EnumerateArray());
        Assert.Equal(tooLong, shown.GetProperty("indicatorId").GetString());
        Assert.Contains("at least 1000 events", shown.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await w.AnalystA.GetAsync("/api/v1/detection/indicator-status", Ct)).StatusCode);

        // B is outside the trust group: the same traffic raises nothing for B.
        await IngestAsync(w, w.SensorB, """{"host":"b1","src_ip":"198.51.100.5","dst_ip":"203.0.113.77","dst_port":443}""",
            """{"host":"b1","src_ip":"198.51.100.5","dst_ip":"203.0.113.90","dst_port":4444}""");
        await IngestAsync(w, w.SensorA,
            """{"host":"a1","src_ip":"192.0.2.5","dst_ip":"203.0.113.77","dst_port":443}""",
            """{"host":"a1","src_ip":"192.0.2.5","dst_ip":"203.0.113.90","dst_port":4444}""",
            """{"host":"a1","src_ip":"192.0.2.5","dst_ip":"203.0.113.90","dst_port":80}""",
            """{"host":"a1","src_ip":"192.0.2.5","dst_ip":"203.0.113.66","dst_port":443}""",
            """{"host":"a1","class":"dns","query":"www.control.example"}""");
        var alerts = await EventuallyAsync(() => AlertsAsync(w), a => a.Any(x => x.SourceId == control), "the control alert");

        Assert.DoesNotContain(alerts, a => a.OrganisationId == w.OrgB);
        var hit = Assert.Single(alerts, a => a.SourceId == plain);
        Assert.Equal((w.OrgA, "indicator", 1), (hit.OrganisationId, hit.Kind, hit.Count));
        Assert.Contains("203.0.113.77", hit.Evidence, StringComparison.Ordinal);
        var compoundAlert = Assert.Single(alerts, a => a.SourceId == compound);
        Assert.Equal(1, compoundAlert.Count);

        // The evidence names the event fields that satisfied each comparison of the pattern.
        var matchedFields = JsonDocument.Parse(compoundAlert.Evidence).RootElement.GetProperty("matchedFields").EnumerateArray()
            .Select(f => (f.GetProperty("field").GetString(), f.GetProperty("value").GetString(), f.GetProperty("comparison").GetString()))
            .OrderBy(f => f.Item1, StringComparer.Ordinal).ToList();
        Assert.Equal(
            [("dst_endpoint.ip", "203.0.113.90", "network-traffic:dst_ref.value = '203.0.113.90'"), ("dst_endpoint.port", "4444", "network-traffic:dst_port = 4444")],
            matchedFields);
        Assert.DoesNotContain(alerts, a => a.SourceId == expired);

        // The match went back to the store as A's sighting: the producer sees it, so does A; B (outside) does not.
        var sightingId = SightingReporter.SightingId(w.OrgA, plain);
        var sighting = await EventuallyAsync(() => SightingAsync(w.AnalystP, sightingId), s => s is not null, "the sighting");
        Assert.Equal(plain, sighting!.Value.GetProperty("sighting_of_ref").GetString());
        Assert.Equal(1, sighting.Value.GetProperty("count").GetInt32());
        Assert.Equal(SightingReporter.IdentityOf(w.OrgA), sighting.Value.GetProperty("where_sighted_refs")[0].GetString());
        Assert.NotNull(await SightingAsync(w.AnalystA, sightingId));
        Assert.Null(await SightingAsync(w.AnalystB, sightingId));
        var search = await w.AnalystB.GetFromJsonAsync<JsonElement>("/api/v1/intel/search?type=sighting", Ct);
        Assert.Empty(search.GetProperty("items").EnumerateArray());
        using var marked = await w.AnalystP.GetAsync($"/api/v1/intel/objects/{sightingId}", Ct);
        Assert.Equal("TLP:AMBER", Assert.Single(marked.Headers.GetValues("X-Musubi-Tlp")));

        // Across events, through the server's worker: a connection to .91 and later one to .92 raise the FOLLOWEDBY
        // indicator for A, with both events in the evidence; B's same traffic raises nothing (not shared with B).
        await IngestAsync(w, w.SensorB, """{"time":"2026-03-02T10:00:00Z","host":"b1","src_ip":"198.51.100.5","dst_ip":"203.0.113.91"}""",
            """{"time":"2026-03-02T10:00:05Z","host":"b1","src_ip":"198.51.100.5","dst_ip":"203.0.113.92"}""");
        await IngestAsync(w, w.SensorA, """{"time":"2026-03-02T10:00:00Z","host":"a1","src_ip":"192.0.2.5","dst_ip":"203.0.113.91"}""");
        await IngestAsync(w, w.SensorA, """{"time":"2026-03-02T10:00:05Z","host":"a2","src_ip":"192.0.2.6","dst_ip":"203.0.113.92"}""");
        alerts = await EventuallyAsync(() => AlertsAsync(w), a => a.Any(x => x.SourceId == followedBy), "the FOLLOWEDBY alert");
        var across = Assert.Single(alerts, a => a.SourceId == followedBy);
        Assert.Equal((w.OrgA, "a2"), (across.OrganisationId, across.Host));
        Assert.Equal(["203.0.113.91", "203.0.113.92"], JsonDocument.Parse(across.Evidence).RootElement.GetProperty("events").EnumerateArray()
            .Select(e => e.GetProperty("event").GetProperty("dst_endpoint").GetProperty("ip").GetString()));

        // Revoked: the indicator leaves the live set and the same traffic no longer matches.
        (await w.AnalystP.PostAsync($"/api/v1/intel/objects/{plain}/revoke", null, Ct)).EnsureSuccessStatusCode();
        await WaitForIndicatorAsync(w, plain, present: false);
        await IngestAsync(w, w.SensorA,
            """{"host":"a1","src_ip":"192.0.2.5","dst_ip":"203.0.113.77","dst_port":443}""",
            """{"host":"a1","class":"dns","query":"again.control.example"}""");
        alerts = await EventuallyAsync(() => AlertsAsync(w), a => a.Single(x => x.SourceId == control).Count == 2, "the second control match");
        Assert.Equal(1, alerts.Single(a => a.SourceId == plain).Count);

        // A second batch with a match raises the control sighting's count (a new version of the same sighting).
        var controlSighting = await EventuallyAsync(() => SightingAsync(w.AnalystP, SightingReporter.SightingId(w.OrgA, control)),
            s => s?.GetProperty("count").GetInt32() == 2, "the control sighting counted twice");
        Assert.True(string.CompareOrdinal(controlSighting!.Value.GetProperty("last_seen").GetString(), controlSighting.Value.GetProperty("first_seen").GetString()) >= 0);
    }

    /// <summary>The sighting's STIX object as <paramref name="client"/> may read it, or null (404).</summary>
    private static async Task<JsonElement?> SightingAsync(HttpClient client, string id)
    {
        using var response = await client.GetAsync($"/api/v1/intel/objects/{id}", Ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        return await MusubiServer.ReadAsync<JsonElement>(response);
    }
}
