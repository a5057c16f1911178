using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Identity;
using static Musubi.Server.Tests.Who;

namespace Musubi.Server.Tests;

/// <summary>
/// The STIX store's REST API: who may publish, and that every read path (object, version, versions, search by value,
/// type, community) shows an object to those in its scope and to nobody else — an outsider gets 404 or an empty page.
/// </summary>
public sealed class IntelligenceApiTests(Principals p) : IClassFixture<Principals>
{
    private static int _counter;

    private static readonly Who[] SignedIn = [Admin, OrgAdminA, AnalystA, ReadOnlyA, ServiceA, OrgAdminB, AnalystB];
    private static readonly Who[] OrgA = [OrgAdminA, AnalystA, ReadOnlyA, ServiceA];

    /// <summary>A fresh indicator with its own id and indicator value.</summary>
    private static (string Id, string Value, string Json) NewIndicator(string modified = "2024-05-01T10:00:00.000Z")
    {
        var n = Interlocked.Increment(ref _counter);
        var id = $"indicator--{Guid.NewGuid()}";
        var value = $"203.0.113.{n % 250}-{Guid.NewGuid():N}";
        var json = $$"""{"type":"indicator","spec_version":"2.1","id":"{{id}}","created":"2024-05-01T10:00:00.000Z","modified":"{{modified}}","name":"C2 {{n}}","pattern":"[domain-name:value = '{{value}}']","pattern_type":"stix","valid_from":"2024-05-01T10:00:00Z"}""";
        return (id, value, json);
    }

    private static StringContent Stix(string json) => new(json, Encoding.UTF8, "application/stix+json");

    private async Task<JsonElement> PublishAsync(Who who, string json, string query)
    {
        var response = await p[who].PostAsync($"/api/v1/intel/objects?{query}", Stix(json));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<List<string>> Mismatches(Func<Who, HttpRequestMessage> make, int ok, int denied, params Who[] allowed)
    {
        var mismatches = new List<string>();
        foreach (var who in Principals.Everyone)
        {
            using var request = make(who);
            using var response = await p[who].SendAsync(request, TestContext.Current.CancellationToken);
            var expected = who == Anonymous ? 401 : allowed.Contains(who) ? ok : denied;
            if ((int)response.StatusCode != expected)
            {
                mismatches.Add($"{who}: {request.Method} {request.RequestUri} expected {expected}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }

        return mismatches;
    }

    [Fact]
    public async Task Publishing_needs_the_write_scope_and_a_role_other_than_read_only()
    {
        var mismatches = await Mismatches(_ => new HttpRequestMessage(HttpMethod.Post, "/api/v1/intel/objects?tlp=amber") { Content = Stix(NewIndicator().Json) },
            200, 403, Admin, OrgAdminA, AnalystA, ServiceA, OrgAdminB, AnalystB);

        Assert.True(mismatches.Count == 0, string.Join('\n', mismatches));
    }

    [Fact]
    public async Task Searching_needs_a_signed_in_principal_with_the_read_scope()
    {
        var mismatches = await Mismatches(_ => new HttpRequestMessage(HttpMethod.Get, "/api/v1/intel/search?type=indicator"), 200, 403, SignedIn);
        Assert.True(mismatches.Count == 0, string.Join('\n', mismatches));

        var token = await MusubiServer.ReadAsync<CreatedToken>(await p[Admin].PostAsJsonAsync("/api/v1/tokens",
            new TokenInput("directory only", [Scopes.ConstituencyRead], 1, null), Principals.Json));
        using var client = p.Server.WithToken(token.Secret);
        Assert.Equal(403, (int)(await client.GetAsync("/api/v1/intel/search")).StatusCode);
        Assert.Equal(403, (int)(await client.PostAsync("/api/v1/intel/objects?tlp=clear", Stix(NewIndicator().Json))).StatusCode);
    }

    [Fact]
    public async Task An_amber_object_of_organisation_a_is_seen_through_every_read_path_by_a_and_by_nobody_else()
    {
        var (id, value, json) = NewIndicator();
        await PublishAsync(AnalystA, json, "tlp=amber");
        var paths = new Func<Who, HttpRequestMessage>[]
        {
            _ => new(HttpMethod.Get, $"/api/v1/intel/objects/{id}"),
            _ => new(HttpMethod.Get, $"/api/v1/intel/objects/{id}?version=2024-05-01T10:00:00.000Z"),
            _ => new(HttpMethod.Get, $"/api/v1/intel/objects/{id}/versions"),
        };
        foreach (var path in paths)
        {
            var mismatches = await Mismatches(path, 200, 404, OrgA);
            Assert.True(mismatches.Count == 0, string.Join('\n', mismatches));
        }

        foreach (var who in SignedIn)
        {
            var byValue = await Items(who, $"/api/v1/intel/search?value={Uri.EscapeDataString(value)}");
            var byType = await Items(who, "/api/v1/intel/search?type=indicator&limit=1000");
            var visible = OrgA.Contains(who);
            Assert.Equal(visible ? 1 : 0, byValue.Count(i => i.GetProperty("id").GetString() == id));
            Assert.Equal(visible ? 1 : 0, byType.Count(i => i.GetProperty("id").GetString() == id));
        }

        Assert.Equal(404, (int)(await p[AnalystB].PostAsync($"/api/v1/intel/objects/{id}/revoke", null)).StatusCode);
    }

    [Fact]
    public async Task A_community_scoped_object_reaches_members_and_not_outsiders()
    {
        var slug = $"tg-intel-{Interlocked.Increment(ref _counter)}";
        var community = await MusubiServer.ReadAsync<JsonElement>(await p[Admin].PostAsJsonAsync("/api/v1/communities",
            new { slug, kind = "trust-group", nameEn = "Intel " + slug }, Principals.Json));
        var communityId = community.GetProperty("id").GetGuid();
        (await p[Admin].PostAsJsonAsync($"/api/v1/communities/{slug}/members", new { organisationId = p.OrgB })).EnsureSuccessStatusCode();
        var (id, _, json) = NewIndicator();

        await PublishAsync(AnalystA, json, $"tlp=green&community={communityId}");

        var mismatches = await Mismatches(_ => new(HttpMethod.Get, $"/api/v1/intel/objects/{id}"), 200, 404, [.. OrgA, OrgAdminB, AnalystB]);
        Assert.True(mismatches.Count == 0, string.Join('\n', mismatches));
        Assert.Contains(await Items(AnalystB, $"/api/v1/intel/search?community={communityId}"), i => i.GetProperty("id").GetString() == id);
        Assert.DoesNotContain(await Items(Admin, $"/api/v1/intel/search?community={communityId}"), i => i.GetProperty("id").GetString() == id);
    }

    [Fact]
    public async Task The_object_comes_back_byte_for_byte_and_search_embeds_it_unchanged()
    {
        var (id, value, json) = NewIndicator();
        var spaced = json.Replace(",", " ,\n  ", StringComparison.Ordinal);

        await PublishAsync(AnalystA, spaced, "tlp=clear");

        var response = await p[AnalystB].GetAsync($"/api/v1/intel/objects/{id}");
        Assert.Equal(spaced, await response.Content.ReadAsStringAsync());
        Assert.Equal("application/stix+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("TLP:CLEAR", response.Headers.GetValues("X-Musubi-Tlp").Single());
        var searched = await p[AnalystB].GetStringAsync($"/api/v1/intel/search?value={Uri.EscapeDataString(value)}");
        Assert.Contains(spaced, searched, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_objects_are_listed_one_by_one_while_valid_ones_are_stored_and_a_duplicate_is_a_success()
    {
        var good = NewIndicator();
        var bad = NewIndicator().Json.Replace("\"created\":\"2024-05-01T10:00:00.000Z\"", "\"created\":\"yesterday\"", StringComparison.Ordinal);
        var bundle = $$"""{"type":"bundle","id":"bundle--{{Guid.NewGuid()}}","objects":[{{good.Json}},{{bad}},{{good.Json}}]}""";

        var result = await PublishAsync(AnalystA, bundle, "tlp=green");

        Assert.Equal(1, result.GetProperty("stored").GetInt32());
        Assert.Equal(1, result.GetProperty("duplicates").GetInt32());
        var failure = Assert.Single(result.GetProperty("failures").EnumerateArray());
        Assert.Equal(1, failure.GetProperty("index").GetInt32());
        Assert.Contains(failure.GetProperty("errors").EnumerateArray(), e => e.GetString()!.StartsWith("$.objects[1].created:", StringComparison.Ordinal));
        var audit = await p[Admin].GetStringAsync("/api/v1/audit?action=stix.import");
        Assert.Contains(good.Id, audit, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"type\":\"bundle\",\"objects\":[{\"type\":}]}", "tlp=green", "$.objects[0].type")]
    [InlineData("[]", "tlp=green", "$")]
    [InlineData("{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd\",\"value\":\"1.2.3.4\"}", "tlp=purple", "tlp")]
    [InlineData("{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd\",\"value\":\"1.2.3.4\"}", "", "tlp")]
    [InlineData("{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd\",\"value\":\"1.2.3.4\"}", "tlp=green&community=00000000-0000-0000-0000-000000000001", "communities[0]")]
    public async Task Malformed_input_is_a_400_naming_where(string body, string query, string key)
    {
        var response = await p[AnalystA].PostAsync($"/api/v1/intel/objects?{query}", Stix(body));

        Assert.Equal(400, (int)response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(key, out _), problem.ToString());
    }

    [Fact]
    public async Task An_oversized_envelope_is_refused_with_413()
    {
        var huge = $$"""{"type":"x-big","id":"x-big--{{Guid.NewGuid()}}","x_blob":"{{new string('x', 65 * 1024 * 1024)}}"}""";

        var response = await p[AnalystA].PostAsync("/api/v1/intel/objects?tlp=green", Stix(huge));

        Assert.Equal(413, (int)response.StatusCode);
    }

    [Fact]
    public async Task Revocation_by_the_publisher_hides_the_object_from_default_search_and_others_may_not_revoke()
    {
        var (id, value, json) = NewIndicator();
        await PublishAsync(AnalystA, json, "tlp=clear");

        Assert.Equal(403, (int)(await p[AnalystB].PostAsync($"/api/v1/intel/objects/{id}/revoke", null)).StatusCode);
        Assert.Equal(200, (int)(await p[AnalystA].PostAsync($"/api/v1/intel/objects/{id}/revoke", null)).StatusCode);

        Assert.Empty(await Items(AnalystB, $"/api/v1/intel/search?value={Uri.EscapeDataString(value)}"));
        Assert.Single(await Items(AnalystB, $"/api/v1/intel/search?value={Uri.EscapeDataString(value)}&includeRevoked=true"));
        var versions = await p[AnalystB].GetFromJsonAsync<JsonElement>($"/api/v1/intel/objects/{id}/versions");
        Assert.Equal(2, versions.GetProperty("versions").GetArrayLength());
    }

    private async Task<List<JsonElement>> Items(Who who, string url)
    {
        var page = await p[who].GetFromJsonAsync<JsonElement>(url);
        return [.. page.GetProperty("items").EnumerateArray()];
    }
}
