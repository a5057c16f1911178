using System.Net.Http.Json;
using Musubi.Core.Identity;
using Musubi.Core.Incidents;
using Musubi.Infrastructure.Identity;
using Musubi.Infrastructure.Incidents;
using static Musubi.Server.Tests.Who;

namespace Musubi.Server.Tests;

/// <summary>
/// Every incident endpoint × every principal. The incident is reported by organisation A and coordinated by the
/// national centre (the platform admin's organisation): A's people and the centre see it, organisation B does not
/// know it exists (404), anonymous callers get 401, read-only users may look but not act (403).
/// </summary>
public sealed class IncidentEndpointTests(Principals p) : IClassFixture<Principals>
{
    private static readonly Who[] OrganisationA = [OrgAdminA, AnalystA, ReadOnlyA, ServiceA];

    private async Task<Guid> FreshIncidentAsync()
    {
        var created = await MusubiServer.ReadAsync<IncidentDto>(await p[AnalystA].PostAsJsonAsync("/api/v1/incidents",
            new IncidentInput("Web shell on the portal", "found by the WAF", "intrusions/application-compromise"), Principals.Json));
        return created.Id;
    }

    private async Task Check(Func<Task<HttpRequestMessage>> make, int ok, Who[] allowed, Who[] forbidden)
    {
        var mismatches = new List<string>();
        foreach (var who in Principals.Everyone)
        {
            using var request = await make();
            using var response = await p[who].SendAsync(request, TestContext.Current.CancellationToken);
            var expected = who == Anonymous ? 401 : allowed.Contains(who) ? ok : forbidden.Contains(who) ? 403 : 404;
            if ((int)response.StatusCode != expected)
            {
                mismatches.Add($"{who}: {request.Method} {request.RequestUri} expected {expected}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }

        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    private static Task<HttpRequestMessage> Req(HttpMethod method, string path, object? body = null) =>
        Task.FromResult(new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body, options: Principals.Json) });

    [Fact]
    public Task Everyone_signed_in_but_read_only_users_reports_incidents() =>
        Check(() => Req(HttpMethod.Post, "/api/v1/incidents", new IncidentInput("Phishing wave", null, "fraud/phishing")), 201,
            [Admin, OrgAdminA, AnalystA, ServiceA, OrgAdminB, AnalystB], [ReadOnlyA]);

    [Fact]
    public async Task The_incident_is_seen_by_its_organisation_and_the_centre_and_does_not_exist_for_others()
    {
        var id = await FreshIncidentAsync();
        await Check(() => Req(HttpMethod.Get, $"/api/v1/incidents/{id}"), 200, [Admin, .. OrganisationA], []);
        var board = await MusubiServer.ReadAsync<List<IncidentDto>>(await p[AnalystB].GetAsync("/api/v1/incidents"));
        Assert.DoesNotContain(board, i => i.Id == id);
        var own = await MusubiServer.ReadAsync<List<IncidentDto>>(await p[ReadOnlyA].GetAsync("/api/v1/incidents"));
        Assert.Contains(own, i => i.Id == id);
    }

    [Fact]
    public async Task Working_an_incident_needs_a_responder_who_is_not_read_only()
    {
        await Check(async () => await Req(HttpMethod.Post, $"/api/v1/incidents/{await FreshIncidentAsync()}/status", new StatusChange(IncidentStatus.Triaged, null)),
            200, [Admin, OrgAdminA, AnalystA, ServiceA], [ReadOnlyA]);
        await Check(async () => await Req(HttpMethod.Post, $"/api/v1/incidents/{await FreshIncidentAsync()}/severity", new SeverityOverrideInput(Severity.Critical, "minister's office")),
            200, [Admin, OrgAdminA, AnalystA, ServiceA], [ReadOnlyA]);
        await Check(async () => await Req(HttpMethod.Post, $"/api/v1/incidents/{await FreshIncidentAsync()}/teams", new TeamInput(p.OrgB, IncidentRole.Vendor)),
            200, [Admin, OrgAdminA, AnalystA, ServiceA], [ReadOnlyA]);
        await Check(async () => await Req(HttpMethod.Post, $"/api/v1/incidents/{await FreshIncidentAsync()}/tasks", new TaskInput("Reset the portal", null, null)),
            201, [Admin, OrgAdminA, AnalystA, ServiceA], [ReadOnlyA]);
        await Check(async () => await Req(HttpMethod.Post, $"/api/v1/incidents/{await FreshIncidentAsync()}/notes", new NoteInput("log copy requested")),
            200, [Admin, OrgAdminA, AnalystA, ServiceA], [ReadOnlyA]);
        await Check(async () =>
        {
            var target = await FreshIncidentAsync();
            return await Req(HttpMethod.Post, $"/api/v1/incidents/{await FreshIncidentAsync()}/merge", new MergeInput(target, "duplicate report"));
        }, 200, [Admin, OrgAdminA, AnalystA, ServiceA], [ReadOnlyA]);
    }

    [Fact]
    public async Task Evidence_is_added_and_downloaded_with_its_hash_by_those_on_the_case()
    {
        await Check(async () => new HttpRequestMessage(HttpMethod.Post, $"/api/v1/incidents/{await FreshIncidentAsync()}/evidence?fileName=access.log")
        {
            Content = new ByteArrayContent("GET /shell.php"u8.ToArray()),
        }, 201, [Admin, OrgAdminA, AnalystA, ServiceA], [ReadOnlyA]);

        var id = await FreshIncidentAsync();
        var added = await MusubiServer.ReadAsync<EvidenceDto>(await p[AnalystA].PostAsync($"/api/v1/incidents/{id}/evidence?fileName=access.log",
            new ByteArrayContent("GET /shell.php"u8.ToArray())));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("GET /shell.php"u8)), added.Sha256);
        await Check(() => Req(HttpMethod.Get, $"/api/v1/incidents/{id}/evidence/{added.Id}"), 200, [Admin, .. OrganisationA], []);
        using var download = await p[ReadOnlyA].GetAsync($"/api/v1/incidents/{id}/evidence/{added.Id}");
        Assert.Equal("GET /shell.php", await download.Content.ReadAsStringAsync());
        Assert.Equal(added.Sha256, download.Headers.GetValues("X-Content-SHA256").Single());
    }

    [Fact]
    public Task Metrics_are_computed_for_everyone_signed_in_over_what_each_may_see() =>
        Check(() => Req(HttpMethod.Get, "/api/v1/incident-metrics"), 200, [Admin, OrgAdminA, AnalystA, ReadOnlyA, ServiceA, OrgAdminB, AnalystB], []);

    [Fact]
    public async Task A_token_needs_the_incident_scopes()
    {
        var readOnly = await MusubiServer.ReadAsync<CreatedToken>(await p[Admin].PostAsJsonAsync("/api/v1/tokens",
            new TokenInput("incidents read", [Scopes.IncidentsRead], 1, p.UserId(AnalystA)), Principals.Json));
        var directory = await MusubiServer.ReadAsync<CreatedToken>(await p[Admin].PostAsJsonAsync("/api/v1/tokens",
            new TokenInput("directory", [Scopes.ConstituencyRead], 1, p.UserId(AnalystA)), Principals.Json));
        var id = await FreshIncidentAsync();
        using var reader = p.Server.WithToken(readOnly.Secret);
        using var other = p.Server.WithToken(directory.Secret);
        Assert.Equal(200, (int)(await reader.GetAsync($"/api/v1/incidents/{id}")).StatusCode);
        Assert.Equal(403, (int)(await reader.PostAsJsonAsync($"/api/v1/incidents/{id}/status", new StatusChange(IncidentStatus.Triaged, null), Principals.Json)).StatusCode);
        Assert.Equal(403, (int)(await other.GetAsync($"/api/v1/incidents/{id}")).StatusCode);
        Assert.Equal(403, (int)(await other.GetAsync("/api/v1/incidents")).StatusCode);
        Assert.Equal(403, (int)(await other.GetAsync("/api/v1/incident-metrics")).StatusCode);
    }

    [Fact]
    public async Task Illegal_moves_and_bad_reports_get_precise_errors()
    {
        var id = await FreshIncidentAsync();
        using var illegal = await p[AnalystA].PostAsJsonAsync($"/api/v1/incidents/{id}/status", new StatusChange(IncidentStatus.Closed, null), Principals.Json);
        Assert.Equal(409, (int)illegal.StatusCode);
        Assert.Contains("allowed: triaged, rejected, merged", await illegal.Content.ReadAsStringAsync());
        using var bad = await p[AnalystA].PostAsJsonAsync("/api/v1/incidents", new { title = "x", classification = "nonsense" }, Principals.Json);
        Assert.Equal(400, (int)bad.StatusCode);
        Assert.Contains("classification", await bad.Content.ReadAsStringAsync());
        using var taxonomy = await p[ReadOnlyA].GetAsync("/api/v1/incident-taxonomy");
        Assert.Contains("intrusions/system-compromise", await taxonomy.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Exercises_are_started_by_the_national_centre_and_seen_by_their_participants_only()
    {
        var roles = new Dictionary<string, Guid>
        {
            ["national-soc"] = p.OrgB, ["agency-csirt"] = p.OrgA, ["mobile-assistance-team"] = p.OrgB, ["police"] = p.OrgB,
        };
        await Check(() => Req(HttpMethod.Get, "/api/v1/exercise-scenarios"), 200, [Admin, OrgAdminA, AnalystA, ReadOnlyA, ServiceA, OrgAdminB, AnalystB], []);
        await Check(() => Req(HttpMethod.Get, "/api/v1/exercises"), 200, [Admin, OrgAdminA, AnalystA, ReadOnlyA, ServiceA, OrgAdminB, AnalystB], []);
        await Check(() => Req(HttpMethod.Post, "/api/v1/exercises", new ExerciseStart("agency-ir-drill", null, roles)), 201,
            [Admin], [OrgAdminA, AnalystA, ReadOnlyA, ServiceA, OrgAdminB, AnalystB]);

        roles["mobile-assistance-team"] = p.OrgA;
        roles["national-soc"] = p.OrgA;
        roles["police"] = p.OrgA;
        var run = await MusubiServer.ReadAsync<ExerciseRunDto>(await p[Admin].PostAsJsonAsync("/api/v1/exercises",
            new ExerciseStart("agency-ir-drill", null, roles), Principals.Json));
        await Check(() => Req(HttpMethod.Get, $"/api/v1/exercises/{run.Id}"), 200, [Admin, .. OrganisationA], []);
        await Check(() => Req(HttpMethod.Post, $"/api/v1/exercises/{run.Id}/stop"), 200, [Admin], [OrgAdminA, AnalystA, ReadOnlyA, ServiceA, OrgAdminB, AnalystB]);
    }

    [Fact]
    public async Task Notifications_belong_to_their_user_alone()
    {
        await Check(() => Req(HttpMethod.Get, "/api/v1/notifications"), 200, [Admin, OrgAdminA, AnalystA, ReadOnlyA, ServiceA, OrgAdminB, AnalystB], []);
        await Check(() => Req(HttpMethod.Post, "/api/v1/notifications/read-all"), 204, [Admin, OrgAdminA, AnalystA, ReadOnlyA, ServiceA, OrgAdminB, AnalystB], []);
        var id = await FreshIncidentAsync();
        (await p[Admin].PostAsJsonAsync($"/api/v1/incidents/{id}/teams", new TeamInput(p.OrgB, IncidentRole.Vendor), Principals.Json)).EnsureSuccessStatusCode();
        var mine = await MusubiServer.ReadAsync<List<Musubi.Infrastructure.Notifications.NotificationDto>>(await p[AnalystB].GetAsync("/api/v1/notifications?unread=true"));
        var note = Assert.Single(mine, n => n.IncidentId == id);
        Assert.Equal(404, (int)(await p[AnalystA].PostAsync($"/api/v1/notifications/{note.Id}/read", null)).StatusCode);
        Assert.Equal(204, (int)(await p[AnalystB].PostAsync($"/api/v1/notifications/{note.Id}/read", null)).StatusCode);
    }
}
