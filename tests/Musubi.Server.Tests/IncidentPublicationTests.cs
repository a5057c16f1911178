using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Core.Sharing;
using Musubi.Infrastructure.Constituency;
using Musubi.Infrastructure.Identity;
using Musubi.Infrastructure.Incidents;
using static Musubi.Server.Tests.Who;

namespace Musubi.Server.Tests;

/// <summary>
/// One action publishes an incident's indicators to the intelligence store, sanitised: members of the chosen
/// community read them through /api/v1/intel, outsiders do not; the JSON names no victim and carries the chosen TLP.
/// </summary>
public sealed class IncidentPublicationTests(Principals p) : IClassFixture<Principals>
{
    private static int _counter;

    private async Task<(HttpClient Soc, Guid Centre)> SocAsync()
    {
        var admin = p[Admin];
        var me = await MusubiServer.ReadAsync<UserDto>(await admin.GetAsync("/api/v1/me"));
        var name = $"soc-publisher-{Interlocked.Increment(ref _counter)}";
        await MusubiServer.ReadAsync<UserDto>(await admin.PostAsJsonAsync("/api/v1/users",
            new UserInput(name, null, null, me.OrganisationId, Role.Analyst, Principals.UserPassword), Principals.Json));
        return (await p.Server.SignInAsync(name, Principals.UserPassword), me.OrganisationId);
    }

    private async Task<(Guid Incident, string Victim, string Community)> IncidentWithIndicatorAsync(HttpClient soc)
    {
        var n = Interlocked.Increment(ref _counter);
        var victim = $"Zeta Grid Operator {n}";
        var victimOrg = await Principals.CreateOrgAsync(p[Admin], victim);
        var slug = $"pub-trust-{n}";
        await MusubiServer.ReadAsync<CommunityDto>(await p[Admin].PostAsJsonAsync("/api/v1/communities",
            new CommunityInput(slug, CommunityKind.TrustGroup, "Publication trust " + n, null, null, null), Principals.Json));
        (await p[Admin].PostAsJsonAsync($"/api/v1/communities/{slug}/members", new { organisationId = p.OrgB }, Principals.Json)).EnsureSuccessStatusCode();
        var incident = await MusubiServer.ReadAsync<IncidentDto>(await soc.PostAsJsonAsync("/api/v1/incidents",
            new IncidentInput("C2 traffic at " + victim, "seen at the gateway of " + victim, "malicious-code/infected-system", [victimOrg.Id]), Principals.Json));
        var added = await soc.PostAsJsonAsync($"/api/v1/incidents/{incident.Id}/indicators",
            new IndicatorInput("ipv4-addr", $"203.0.113.{n % 250}", $"beacon target of {victim}'s historian"), Principals.Json);
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        return (incident.Id, victim, slug);
    }

    [Fact]
    public async Task Community_members_see_the_sanitised_indicator_and_outsiders_do_not()
    {
        var (soc, centre) = await SocAsync();
        var (incident, victim, slug) = await IncidentWithIndicatorAsync(soc);

        var result = await MusubiServer.ReadAsync<IndicatorPublicationResult>(await soc.PostAsJsonAsync(
            $"/api/v1/incidents/{incident}/publish-indicators", new IndicatorPublication(Tlp.Amber, [slug]), Principals.Json));
        var id = Assert.Single(result.Published);
        Assert.DoesNotContain(victim, result.BundleJson);

        using var seen = await p[AnalystB].GetAsync($"/api/v1/intel/objects/{id}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, seen.StatusCode);
        var json = await seen.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.DoesNotContain(victim, json);
        Assert.DoesNotContain("Zeta", json);
        Assert.DoesNotContain("\"x_", json);
        Assert.Contains("[redacted]", json);
        using var document = JsonDocument.Parse(json);
        Assert.Equal([TlpMarkings.AmberId], document.RootElement.GetProperty("object_marking_refs").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal($"identity--{centre}", document.RootElement.GetProperty("created_by_ref").GetString());
        Assert.StartsWith("[ipv4-addr:value = '203.0.113.", document.RootElement.GetProperty("pattern").GetString());

        // Organisation A is not in the community: the indicator does not exist for it, by id or by search.
        using var hidden = await p[AnalystA].GetAsync($"/api/v1/intel/objects/{id}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        var value = document.RootElement.GetProperty("pattern").GetString()!.Split('\'')[1];
        var searchA = await p[AnalystA].GetStringAsync($"/api/v1/intel/search?type=indicator&value={value}", TestContext.Current.CancellationToken);
        Assert.DoesNotContain(id, searchA);
        var searchB = await p[AnalystB].GetStringAsync($"/api/v1/intel/search?type=indicator&value={value}", TestContext.Current.CancellationToken);
        Assert.Contains(id, searchB);

        // The incident stays private and its timeline names what was published.
        using var incidentForB = await p[AnalystB].GetAsync($"/api/v1/incidents/{incident}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, incidentForB.StatusCode);
        var after = await MusubiServer.ReadAsync<IncidentDto>(await soc.GetAsync($"/api/v1/incidents/{incident}"));
        Assert.Contains(after.Timeline!, t => t.Kind == "published" && t.Text.Contains(id) && t.Text.Contains("TLP:AMBER"));
    }

    [Fact]
    public async Task Only_the_coordinating_centre_publishes_and_a_publication_needs_a_tlp_and_a_community()
    {
        var (soc, _) = await SocAsync();
        var (incident, _, slug) = await IncidentWithIndicatorAsync(soc);
        var mismatches = new List<string>();
        foreach (var who in Principals.Everyone)
        {
            using var response = await p[who].PostAsJsonAsync($"/api/v1/incidents/{incident}/publish-indicators",
                new IndicatorPublication(Tlp.Green, [slug]), Principals.Json, TestContext.Current.CancellationToken);
            // The platform admin belongs to the coordinating centre; everyone else does not see the incident.
            var expected = who switch { Anonymous => 401, Admin => 200, _ => 404 };
            if ((int)response.StatusCode != expected)
            {
                mismatches.Add($"{who}: expected {expected}, got {(int)response.StatusCode}");
            }
        }

        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        using var noTlp = await soc.PostAsJsonAsync($"/api/v1/incidents/{incident}/publish-indicators", new IndicatorPublication(null, [slug]), Principals.Json,
            TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, noTlp.StatusCode);
        Assert.Contains("tlp", await noTlp.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        using var noCommunity = await soc.PostAsJsonAsync($"/api/v1/incidents/{incident}/publish-indicators", new IndicatorPublication(Tlp.Amber, []), Principals.Json,
            TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, noCommunity.StatusCode);
        using var badIndicator = await soc.PostAsJsonAsync($"/api/v1/incidents/{incident}/indicators", new IndicatorInput("ipv4-addr", "not-an-address", null),
            Principals.Json, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, badIndicator.StatusCode);
    }
}
