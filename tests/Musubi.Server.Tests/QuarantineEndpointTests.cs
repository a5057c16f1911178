using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Detection;
using Musubi.Infrastructure.Identity;
using static Musubi.Server.Tests.Who;

namespace Musubi.Server.Tests;

/// <summary>
/// The quarantine over HTTP, with malformed lines of two organisations' sensors: who reads it, that nobody sees another
/// organisation's lines, keyset paging, bad parameters, and the per-sensor counts in the sensor list.
/// </summary>
public sealed class QuarantineEndpointTests(Principals p) : IClassFixture<Principals>
{
    private static int _counter;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<CreatedSensor> SensorAsync(Guid organisation) =>
        await MusubiServer.ReadAsync<CreatedSensor>(await p[Admin].PostAsJsonAsync("/api/v1/sensors",
            new SensorInput(organisation, $"quarantine-{Interlocked.Increment(ref _counter)}"), Principals.Json, Ct));

    private async Task SendAsync(CreatedSensor sensor, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ingest/events") { Content = new StringContent(body, Encoding.UTF8, "application/x-ndjson") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", sensor.Token);
        using var response = await p[Anonymous].SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private async Task<(CreatedSensor A, CreatedSensor B, string Marker)> LinesOfTwoOrganisationsAsync()
    {
        var marker = Guid.NewGuid().ToString("N");
        var a = await SensorAsync(p.OrgA);
        var b = await SensorAsync(p.OrgB);
        await SendAsync(a, $"A-{marker}-1 <script>alert(1)</script>\n{{\"src_ip\":\"192.0.2.1\"}}\n");
        await SendAsync(b, $"B-{marker}-1\n");
        await SendAsync(a, $"A-{marker}-2\n");
        return (a, b, marker);
    }

    private async Task<JsonElement> GetAsync(Who who, string query)
    {
        using var response = await p[who].GetAsync("/api/v1/detection/quarantine" + query, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{who} {query}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    private static List<string> Raws(JsonElement page) => [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("raw").GetString()!)];

    [Fact]
    public async Task Only_sensor_administrators_platform_admins_and_the_national_soc_read_it_and_nobody_another_organisations_lines()
    {
        var (a, b, marker) = await LinesOfTwoOrganisationsAsync();
        var status = new Dictionary<Who, int>();
        foreach (var who in Principals.Everyone)
        {
            using var all = await p[who].GetAsync("/api/v1/detection/quarantine?limit=1000", Ct);
            using var ofA = await p[who].GetAsync($"/api/v1/detection/quarantine?organisationId={p.OrgA}", Ct);
            using var sensorA = await p[who].GetAsync($"/api/v1/detection/quarantine?sensorId={a.Sensor.Id}", Ct);
            var expected = who switch
            {
                Anonymous => (401, 401, 401),
                Admin or OrgAdminA => (200, 200, 200),
                OrgAdminB => (200, 403, 404),
                _ => (403, 403, 404),
            };
            Assert.True(expected == ((int)all.StatusCode, (int)ofA.StatusCode, (int)sensorA.StatusCode),
                $"{who}: expected {expected}, got {((int)all.StatusCode, (int)ofA.StatusCode, (int)sensorA.StatusCode)}");
        }

        var mine = Raws(await GetAsync(OrgAdminA, "?limit=1000")).Where(r => r.Contains(marker, StringComparison.Ordinal)).ToList();
        Assert.Equal([$"A-{marker}-2", $"A-{marker}-1 <script>alert(1)</script>"], mine);
        Assert.All((await GetAsync(OrgAdminA, "?limit=1000")).GetProperty("items").EnumerateArray(),
            i => Assert.Equal(p.OrgA, i.GetProperty("organisationId").GetGuid()));
        Assert.Equal([$"B-{marker}-1"], Raws(await GetAsync(OrgAdminB, "?limit=1000")).Where(r => r.Contains(marker, StringComparison.Ordinal)));
        Assert.Equal(3, Raws(await GetAsync(Admin, "?limit=1000")).Count(r => r.Contains(marker, StringComparison.Ordinal)));
        Assert.Equal([$"B-{marker}-1"], Raws(await GetAsync(Admin, $"?sensorId={b.Sensor.Id}")));

        var first = (await GetAsync(OrgAdminA, $"?sensorId={a.Sensor.Id}&limit=1")).GetProperty("items")[0];
        Assert.Equal(($"A-{marker}-2", a.Sensor.Id, a.Sensor.Name, p.OrgA, Encoding.UTF8.GetByteCount($"A-{marker}-2")),
            (first.GetProperty("raw").GetString(), first.GetProperty("sensorId").GetGuid(), first.GetProperty("sensorName").GetString(),
                first.GetProperty("organisationId").GetGuid(), first.GetProperty("rawBytes").GetInt32()));
        Assert.False(string.IsNullOrEmpty(first.GetProperty("source").GetString()));
        Assert.True(first.TryGetProperty("at", out _));
        Assert.False(string.IsNullOrEmpty(first.GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task A_token_without_the_constituency_scope_reads_nothing_even_for_the_organisations_admin()
    {
        var (_, _, marker) = await LinesOfTwoOrganisationsAsync();
        foreach (var (scopes, expected) in new[] { ((string[])[Scopes.IntelRead], 403), ([Scopes.ConstituencyRead], 403), ([Scopes.ConstituencyWrite], 200) })
        {
            var token = await MusubiServer.ReadAsync<CreatedToken>(await p[OrgAdminA].PostAsJsonAsync("/api/v1/tokens",
                new TokenInput("quarantine " + string.Join(",", scopes), scopes, 1, null), Principals.Json, Ct));
            using var client = p.Server.WithToken(token.Secret);
            using var response = await client.GetAsync($"/api/v1/detection/quarantine?organisationId={p.OrgA}&limit=1000", Ct);
            Assert.Equal(expected, (int)response.StatusCode);
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.Equal(expected == 200, body.Contains(marker, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Pages_go_back_by_id_with_next_before()
    {
        var (a, _, marker) = await LinesOfTwoOrganisationsAsync();
        var one = await GetAsync(OrgAdminA, $"?sensorId={a.Sensor.Id}&limit=1");
        Assert.Equal([$"A-{marker}-2"], Raws(one));
        var next = one.GetProperty("nextBefore").GetInt64();
        var two = await GetAsync(OrgAdminA, $"?sensorId={a.Sensor.Id}&limit=1&before={next}");
        Assert.Equal([$"A-{marker}-1 <script>alert(1)</script>"], Raws(two));
        var three = await GetAsync(OrgAdminA, $"?sensorId={a.Sensor.Id}&limit=1&before={two.GetProperty("nextBefore").GetInt64()}");
        Assert.Empty(Raws(three));
        // The last page has no nextBefore (nulls are left out of API answers).
        Assert.False(three.TryGetProperty("nextBefore", out var more) && more.ValueKind != JsonValueKind.Null);
    }

    [Theory]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=1001", "limit")]
    [InlineData("?before=0", "before")]
    [InlineData("?before=-5", "before")]
    [InlineData("?limit=many", null)]
    [InlineData("?sensorId=not-a-guid", null)]
    [InlineData("?organisationId=nope", null)]
    public async Task Bad_parameters_are_a_400(string query, string? field)
    {
        using var response = await p[Admin].GetAsync("/api/v1/detection/quarantine" + query, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        if (field is not null)
        {
            Assert.Contains($"\"{field}\"", await response.Content.ReadAsStringAsync(Ct));
        }
    }

    [Fact]
    public async Task The_sensor_list_counts_quarantined_lines_per_sensor()
    {
        var (a, _, _) = await LinesOfTwoOrganisationsAsync();
        var quiet = await SensorAsync(p.OrgA);
        var list = await MusubiServer.ReadAsync<List<SensorDto>>(await p[OrgAdminA].GetAsync($"/api/v1/sensors?organisationId={p.OrgA}", Ct));
        var busy = list.Single(s => s.Id == a.Sensor.Id);
        Assert.Equal(2, busy.Quarantined);
        Assert.NotNull(busy.LastQuarantinedAt);
        var none = list.Single(s => s.Id == quiet.Sensor.Id);
        Assert.Equal((0, (DateTimeOffset?)null), (none.Quarantined, none.LastQuarantinedAt));
    }
}
