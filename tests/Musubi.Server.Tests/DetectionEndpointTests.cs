using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Musubi.Infrastructure.Detection;
using static Musubi.Server.Tests.Who;

namespace Musubi.Server.Tests;

/// <summary>Sensors, event ingestion and alerts over HTTP: who gets through and who does not.</summary>
public sealed class DetectionEndpointTests(Principals p) : IClassFixture<Principals>
{
    private static int _counter;

    private static string Unique(string prefix) => $"{prefix}-{Interlocked.Increment(ref _counter)}";

    private async Task Check(Func<HttpRequestMessage> make, int ok, params Who[] allowed)
    {
        var mismatches = new List<string>();
        foreach (var who in Principals.Everyone)
        {
            using var request = make();
            using var response = await p[who].SendAsync(request, TestContext.Current.CancellationToken);
            var expected = who == Anonymous ? 401 : allowed.Contains(who) ? ok : 403;
            if ((int)response.StatusCode != expected)
            {
                mismatches.Add($"{who}: {request.Method} {request.RequestUri} expected {expected}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }

        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    private HttpRequestMessage NewSensor() => new(HttpMethod.Post, "/api/v1/sensors")
    {
        Content = JsonContent.Create(new SensorInput(p.OrgA, Unique("sensor")), options: Principals.Json),
    };

    private async Task<CreatedSensor> CreateSensorAsync() =>
        await MusubiServer.ReadAsync<CreatedSensor>(await p[Admin].SendAsync(NewSensor()));

    [Fact]
    public Task Registering_a_sensor_needs_an_administrator_of_its_organisation() =>
        Check(NewSensor, 201, Admin, OrgAdminA);

    [Fact]
    public Task Listing_sensors_needs_an_administrator_of_its_organisation() =>
        Check(() => new HttpRequestMessage(HttpMethod.Get, $"/api/v1/sensors?organisationId={p.OrgA}"), 200, Admin, OrgAdminA);

    [Fact]
    public async Task Revoking_a_sensor_needs_an_administrator_of_its_organisation()
    {
        var sensors = new Queue<CreatedSensor>();
        for (var i = 0; i < Principals.Everyone.Count(); i++)
        {
            sensors.Enqueue(await CreateSensorAsync());
        }

        await Check(() => new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/sensors/{sensors.Dequeue().Sensor.Id}"), 204, Admin, OrgAdminA);
    }

    [Fact]
    public Task Reading_alerts_needs_a_person_of_an_organisation() =>
        Check(() => new HttpRequestMessage(HttpMethod.Get, "/api/v1/alerts"), 200, Admin, OrgAdminA, AnalystA, ReadOnlyA, OrgAdminB, AnalystB);

    [Fact]
    public Task Reading_another_organisations_alerts_is_refused() =>
        Check(() => new HttpRequestMessage(HttpMethod.Get, $"/api/v1/alerts?organisationId={p.OrgA}"), 200, OrgAdminA, AnalystA, ReadOnlyA);

    private static HttpRequestMessage Ingest(string? token, string body, string? format = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/ingest/events" + (format is null ? "" : "?format=" + format))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/x-ndjson"),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    [Fact]
    public async Task Only_a_sensor_token_may_send_events()
    {
        var sensor = await CreateSensorAsync();
        var anonymous = p[Anonymous];
        const string body = "{\"src_ip\":\"192.0.2.1\",\"dst_ip\":\"203.0.113.9\"}\n";
        foreach (var who in Principals.Everyone)
        {
            // Users' tokens and sessions never count as a sensor.
            using var response = await p[who].SendAsync(Ingest(null, body), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using (var wrong = await anonymous.SendAsync(Ingest("mss_not-a-real-token", body), TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var accepted = await anonymous.SendAsync(Ingest(sensor.Token, body + "not json\n\n{\"a\":1}\r\n"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var result = await accepted.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(2, result.GetProperty("accepted").GetInt32());
        Assert.Equal(1, result.GetProperty("quarantined").GetInt32());
        Assert.Equal(1, result.GetProperty("errors")[0].GetProperty("line").GetInt32());

        await p[Admin].DeleteAsync($"/api/v1/sensors/{sensor.Sensor.Id}", TestContext.Current.CancellationToken);
        using var revoked = await anonymous.SendAsync(Ingest(sensor.Token, body), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
    }

    [Fact]
    public async Task Syslog_and_cef_lines_are_accepted_and_an_unknown_format_is_a_400()
    {
        var sensor = await CreateSensorAsync();
        var anonymous = p[Anonymous];
        using var syslog = await anonymous.SendAsync(Ingest(sensor.Token, "<13>Nov 25 10:00:00 gw sshd[1]: Failed password for root\n<999>bad\n", "syslog"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, syslog.StatusCode);
        var result = await syslog.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal((1, 1), (result.GetProperty("accepted").GetInt32(), result.GetProperty("quarantined").GetInt32()));

        using var cef = await anonymous.SendAsync(Ingest(sensor.Token, "CEF:0|V|P|1|100|Blocked|5|src=10.0.0.1 dst=203.0.113.7\n", "cef"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, cef.StatusCode);

        using var unknown = await anonymous.SendAsync(Ingest(sensor.Token, "x\n", "xml"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("unknown format", await unknown.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("application/x-www-form-urlencoded")] // what `curl --data-binary @events.jsonl` sends (the README's command)
    [InlineData("application/json")] // what log shippers send for JSON lines
    [InlineData("application/octet-stream")]
    [InlineData(null)] // no Content-Type at all
    public async Task Events_are_accepted_whatever_the_content_type_since_the_format_parameter_decides(string? contentType)
    {
        var sensor = await CreateSensorAsync();
        using var request = Ingest(sensor.Token, "{\"src_ip\":\"192.0.2.1\",\"dst_ip\":\"203.0.113.9\"}\nnot json\n");
        if (contentType is null)
        {
            request.Content!.Headers.ContentType = null;
        }
        else
        {
            request.Content!.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        using var response = await p[Anonymous].SendAsync(request, TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{contentType}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var result = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(1, result.GetProperty("accepted").GetInt32());
        Assert.Equal(1, result.GetProperty("quarantined").GetInt32());
    }
}
