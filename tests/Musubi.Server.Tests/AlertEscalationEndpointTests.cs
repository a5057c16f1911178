using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Detection;
using Musubi.Infrastructure.Identity;
using Musubi.Infrastructure.Incidents;
using static Musubi.Server.Tests.Who;

namespace Musubi.Server.Tests;

/// <summary>
/// POST /api/v1/incidents/from-alerts × every principal: organisation A's analysts and administrators escalate A's
/// alerts; A's read-only user sees them but may not (403); everyone who may not see A's alerts — B, the platform admin
/// (no sight by role), service accounts — is told they do not exist (404).
/// </summary>
public sealed class AlertEscalationEndpointTests(Principals p) : IClassFixture<Principals>
{
    internal static async Task<Guid> AlertAsync(MusubiServer server, Guid organisation, string value = "203.0.113.66")
    {
        var alert = new AlertEntity
        {
            Id = Guid.NewGuid(), OrganisationId = organisation, Kind = "indicator", SourceId = "indicator--3f1b0a55-8f0e-4e44-9d1f-6a2b7c9d0e11",
            Title = $"Indicator ipv4-addr {value}", Level = "indicator", Severity = 60, Host = "fin-0231", GroupKey = Guid.NewGuid().ToString(),
            FirstSeen = DateTimeOffset.UtcNow, LastSeen = DateTimeOffset.UtcNow, Count = 1, Status = "new",
            Evidence = "{\"indicator\":{\"kind\":\"ipv4-addr\",\"value\":\"" + value + "\",\"confidence\":80}}",
        };
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusubiDbContext>();
        db.Set<AlertEntity>().Add(alert);
        await db.SaveChangesAsync();
        return alert.Id;
    }

    private static HttpRequestMessage Escalate(params Guid[] ids) =>
        new(HttpMethod.Post, "/api/v1/incidents/from-alerts") { Content = JsonContent.Create(new AlertEscalationInput(ids), options: Principals.Json) };

    [Fact]
    public async Task Analysts_and_administrators_of_the_alerts_organisation_escalate_and_no_one_else()
    {
        var mismatches = new List<string>();
        foreach (var who in Principals.Everyone)
        {
            var alert = await AlertAsync(p.Server, p.OrgA);
            using var response = await p[who].SendAsync(Escalate(alert), TestContext.Current.CancellationToken);
            var expected = who switch
            {
                Anonymous => 401,
                AnalystA or OrgAdminA => 201,
                ReadOnlyA => 403,
                _ => 404,
            };
            if ((int)response.StatusCode != expected)
            {
                mismatches.Add($"{who}: expected {expected}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }

        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Fact]
    public async Task The_national_soc_escalates_alerts_of_two_organisations_and_a_second_escalation_is_a_409_naming_the_alert()
    {
        var admin = p[Admin];
        var me = await MusubiServer.ReadAsync<UserDto>(await admin.GetAsync("/api/v1/me"));
        var soc = await MusubiServer.ReadAsync<UserDto>(await admin.PostAsJsonAsync("/api/v1/users",
            new UserInput("soc-escalation", null, null, me.OrganisationId, Role.Analyst, Principals.UserPassword), Principals.Json));
        _ = soc;
        var client = await p.Server.SignInAsync("soc-escalation", Principals.UserPassword);
        var a = await AlertAsync(p.Server, p.OrgA);
        var b = await AlertAsync(p.Server, p.OrgB, "198.51.100.99");

        using var created = await client.SendAsync(Escalate(a, b), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var incident = await MusubiServer.ReadAsync<IncidentDto>(created);
        Assert.Equal(new[] { p.OrgA, p.OrgB }.Order(), incident.Affected!.Select(o => o.Id).Order());
        Assert.Equal($"/api/v1/incidents/{incident.Id}", created.Headers.Location!.ToString());

        var alert = await MusubiServer.ReadAsync<AlertDto>(await client.GetAsync($"/api/v1/alerts/{a}"));
        Assert.Equal(("escalated", incident.Id), (alert.Status, alert.IncidentId!.Value));

        using var again = await client.SendAsync(Escalate(b), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains(b.ToString(), await again.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        using var empty = await client.SendAsync(Escalate(), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("alertIds", await empty.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
}
