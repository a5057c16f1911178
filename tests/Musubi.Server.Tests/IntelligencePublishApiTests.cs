using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using static Musubi.Server.Tests.Who;

namespace Musubi.Server.Tests;

/// <summary>
/// The issue 3 intelligence endpoints with every principal: text search, related objects, sightings (read and report)
/// and publish. Who may not see the object gets 404 (exactly like a missing one), read-only users 403 on writes.
/// </summary>
public sealed class IntelligencePublishApiTests(Principals p) : IClassFixture<Principals>
{
    private static readonly Who[] OrgA = [OrgAdminA, AnalystA, ReadOnlyA, ServiceA];
    private static readonly Who[] OrgB = [OrgAdminB, AnalystB];

    private static (string Id, string Value, string Json) NewIndicator()
    {
        var id = $"indicator--{Guid.NewGuid()}";
        var value = $"c2-{Guid.NewGuid():N}.example.net";
        return (id, value, $$"""{"type":"indicator","spec_version":"2.1","id":"{{id}}","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"C2 of Organisation A","description":"Seen at Organisation A","pattern":"[domain-name:value = '{{value}}']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}""");
    }

    private async Task PublishAsync(Who who, string json, string query)
    {
        var response = await p[who].PostAsync($"/api/v1/intel/objects?{query}", new StringContent(json, Encoding.UTF8, "application/stix+json"));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<List<string>> Mismatches(Func<Who, HttpRequestMessage> make, int ok, Func<Who, int> denied, params Who[] allowed)
    {
        var mismatches = new List<string>();
        foreach (var who in Principals.Everyone)
        {
            using var request = make(who);
            using var response = await p[who].SendAsync(request, TestContext.Current.CancellationToken);
            var expected = who == Anonymous ? 401 : allowed.Contains(who) ? ok : denied(who);
            if ((int)response.StatusCode != expected)
            {
                mismatches.Add($"{who}: {request.Method} {request.RequestUri} expected {expected}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }

        return mismatches;
    }

    [Fact]
    public async Task Text_search_finds_part_of_a_value_for_those_in_scope_only()
    {
        var (id, value, json) = NewIndicator();
        await PublishAsync(AnalystA, json, "tlp=amber");
        var part = value[3..20].ToUpperInvariant();

        foreach (var who in new[] { Admin, OrgAdminA, AnalystA, ReadOnlyA, ServiceA, OrgAdminB, AnalystB })
        {
            var page = await p[who].GetFromJsonAsync<JsonElement>($"/api/v1/intel/search?q={Uri.EscapeDataString(part)}");
            var ids = page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()).ToList();
            Assert.True(OrgA.Contains(who) == ids.Contains(id), $"{who}: {string.Join(", ", ids)}");
        }

        Assert.Equal(400, (int)(await p[AnalystA].GetAsync($"/api/v1/intel/search?q={new string('x', 201)}")).StatusCode);
    }

    [Fact]
    public async Task Related_objects_and_sightings_are_read_by_those_who_see_the_object()
    {
        var (id, _, json) = NewIndicator();
        await PublishAsync(AnalystA, json, $"tlp=amber&organisation={p.OrgB}");
        Func<Who, int> notFound = _ => 404;

        var related = await Mismatches(_ => new(HttpMethod.Get, $"/api/v1/intel/objects/{id}/related"), 200, notFound, [.. OrgA, .. OrgB]);
        var sightings = await Mismatches(_ => new(HttpMethod.Get, $"/api/v1/intel/objects/{id}/sightings"), 200, notFound, [.. OrgA, .. OrgB]);

        Assert.True(related.Count + sightings.Count == 0, string.Join('\n', related.Concat(sightings)));
    }

    [Fact]
    public async Task Reporting_a_sighting_needs_sight_of_the_indicator_and_a_role_that_writes()
    {
        var (id, _, json) = NewIndicator();
        await PublishAsync(AnalystA, json, $"tlp=amber&organisation={p.OrgB}");

        var mismatches = await Mismatches(_ => new(HttpMethod.Post, $"/api/v1/intel/objects/{id}/sightings") { Content = JsonContent.Create(new { count = 2 }) },
            200, who => who == ReadOnlyA ? 403 : 404, OrgAdminA, AnalystA, ServiceA, OrgAdminB, AnalystB);

        Assert.True(mismatches.Count == 0, string.Join('\n', mismatches));
        var perOrg = await p[AnalystA].GetFromJsonAsync<JsonElement>($"/api/v1/intel/objects/{id}/sightings");
        var counts = perOrg.EnumerateArray().ToDictionary(s => s.GetProperty("organisationId").GetGuid(), s => s.GetProperty("count").GetInt64());
        Assert.Equal(6, counts[p.OrgA]);
        Assert.Equal(4, counts[p.OrgB]);
        var bad = await p[AnalystA].PostAsJsonAsync($"/api/v1/intel/objects/{id}/sightings", new { count = 0 });
        Assert.Equal(400, (int)bad.StatusCode);
    }

    [Fact]
    public async Task Publishing_wider_is_for_the_publishing_organisation_and_gives_the_new_audience_a_sanitised_copy_only()
    {
        var (id, value, json) = NewIndicator();
        await PublishAsync(AnalystA, json, "tlp=amber");

        var mismatches = await Mismatches(_ => new(HttpMethod.Post, $"/api/v1/intel/{id}/publish")
            { Content = JsonContent.Create(new { tlp = "green", organisations = new[] { p.OrgB } }) },
            200, who => who == ReadOnlyA ? 403 : 404, OrgAdminA, AnalystA, ServiceA);

        Assert.True(mismatches.Count == 0, string.Join('\n', mismatches));
        var found = await p[AnalystB].GetFromJsonAsync<JsonElement>($"/api/v1/intel/search?value={Uri.EscapeDataString(value)}");
        var copies = found.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(3, copies.Count);
        foreach (var copy in copies)
        {
            var raw = copy.GetProperty("object").GetRawText();
            Assert.NotEqual(id, copy.GetProperty("id").GetString());
            Assert.DoesNotContain(id, raw, StringComparison.Ordinal);
            Assert.DoesNotContain("Organisation A", raw, StringComparison.Ordinal);
            Assert.Equal("TLP:GREEN", copy.GetProperty("tlp").GetString());
        }

        Assert.Equal(404, (int)(await p[AnalystB].GetAsync($"/api/v1/intel/objects/{id}")).StatusCode);
        Assert.Equal(200, (int)(await p[AnalystA].GetAsync($"/api/v1/intel/objects/{id}")).StatusCode);
        var unknown = await p[AnalystA].PostAsJsonAsync($"/api/v1/intel/{id}/publish", new { tlp = "green", communities = new[] { "no-such-community" } });
        Assert.Equal(400, (int)unknown.StatusCode);
        Assert.Contains("communities[0]", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
