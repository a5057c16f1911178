using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using static Musubi.Server.Tests.Who;

namespace Musubi.Server.Tests;

/// <summary>POST /api/v1/intel/misp: who may import, that what is stored is seen only through the access policy, audit, bad input.</summary>
public sealed class MispApiTests(Principals p) : IClassFixture<Principals>
{
    private static (string AttributeUuid, string Json) NewEvent(string tags = "")
    {
        var attribute = Guid.NewGuid().ToString();
        var json = $$$"""
            {"Event": {"uuid": "{{{Guid.NewGuid()}}}", "info": "MISP import test", "date": "2024-03-01", "timestamp": "1709300000", "Tag": [{{{tags}}}],
              "Attribute": [{"uuid": "{{{attribute}}}", "type": "domain", "category": "Network activity", "value": "{{{Guid.NewGuid():N}}}.example", "to_ids": true}]}}
            """;
        return (attribute, json);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Importing_needs_the_write_scope_and_a_role_other_than_read_only()
    {
        var mismatches = new List<string>();
        foreach (var who in Principals.Everyone)
        {
            var response = await p[who].PostAsync("/api/v1/intel/misp?tlp=green", Json(NewEvent().Json));
            var expected = who == Anonymous ? 401 : who == ReadOnlyA ? 403 : 200;
            if ((int)response.StatusCode != expected)
            {
                mismatches.Add($"{who}: expected {expected}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }

        Assert.True(mismatches.Count == 0, string.Join('\n', mismatches));
    }

    [Fact]
    public async Task An_imported_amber_event_is_seen_by_its_organisation_only_and_a_tlp_red_tag_raises_it()
    {
        var (attribute, json) = NewEvent();
        var result = await p[AnalystA].PostAsync("/api/v1/intel/misp?tlp=amber", Json(json));
        var body = await result.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, body.GetProperty("stored").GetInt32()); // the indicator and the report (no Orgc, so no identity)
        var indicator = $"indicator--{attribute}";

        Assert.Equal(200, (int)(await p[ReadOnlyA].GetAsync($"/api/v1/intel/objects/{indicator}")).StatusCode);
        Assert.Equal(404, (int)(await p[AnalystB].GetAsync($"/api/v1/intel/objects/{indicator}")).StatusCode);
        Assert.Equal(404, (int)(await p[Admin].GetAsync($"/api/v1/intel/objects/{indicator}")).StatusCode);
        Assert.Contains(indicator, await p[Admin].GetStringAsync("/api/v1/audit?action=misp.import"), StringComparison.Ordinal);

        var (redAttribute, red) = NewEvent("{\"name\": \"tlp:red\"}");
        (await p[AnalystA].PostAsync("/api/v1/intel/misp?tlp=clear", Json(red))).EnsureSuccessStatusCode();
        var versions = await p[AnalystA].GetFromJsonAsync<JsonElement>($"/api/v1/intel/objects/indicator--{redAttribute}/versions");
        Assert.Equal("TLP:RED", versions.GetProperty("versions")[0].GetProperty("tlp").GetString());
        Assert.Equal(404, (int)(await p[AnalystB].GetAsync($"/api/v1/intel/objects/indicator--{redAttribute}")).StatusCode);
    }

    [Fact]
    public async Task Something_that_is_not_a_misp_event_is_a_400_naming_where_and_writes_nothing()
    {
        var response = await p[AnalystA].PostAsync("/api/v1/intel/misp?tlp=green", Json("""{"Event": {"info": "x", "Attribute": [{"type": "domain"}]}}"""));

        Assert.Equal(400, (int)response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("$.Event.Attribute[0].value", out _), problem.ToString());
    }
}

/// <summary>A TAXII collection as a MISP feed: manifest.json, event files and hashes.csv show only what the caller may see.</summary>
public sealed class MispFeedTests(Principals p) : IClassFixture<Principals>
{
    [Fact]
    public async Task A_collection_is_published_as_a_misp_feed_with_integrity_and_hashes_and_nothing_the_caller_may_not_see()
    {
        var eventUuid = Guid.NewGuid().ToString();
        var value = $"{Guid.NewGuid():N}.example";
        var json = $$$"""
            {"Event": {"uuid": "{{{eventUuid}}}", "info": "Feed test", "date": "2024-03-01", "timestamp": "1709300000", "threat_level_id": "2", "analysis": "1",
              "Orgc": {"name": "Organisation A", "uuid": "{{{Guid.NewGuid()}}}"}, "Tag": [{"name": "tlp:amber"}],
              "Attribute": [{"uuid": "{{{Guid.NewGuid()}}}", "type": "domain", "category": "Network activity", "value": "{{{value}}}", "to_ids": true}]}}
            """;
        (await p[AnalystA].PostAsync("/api/v1/intel/misp?tlp=amber", new StringContent(json, Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();

        var manifest = await p[AnalystA].GetFromJsonAsync<JsonElement>("/api/v1/intel/misp-feed/organisation/manifest.json");
        var entry = manifest.GetProperty(eventUuid);
        Assert.Equal("Feed test", entry.GetProperty("info").GetString());
        Assert.Equal("Organisation A", entry.GetProperty("Orgc").GetProperty("name").GetString());
        var file = await p[AnalystA].GetByteArrayAsync($"/api/v1/intel/misp-feed/organisation/{eventUuid}.json");
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file)), entry.GetProperty("integrity:sha256").GetString());
        var attribute = JsonDocument.Parse(file).RootElement.GetProperty("Event").GetProperty("Attribute")[0];
        Assert.Equal(value, attribute.GetProperty("value").GetString());
#pragma warning disable CA5351 // MISP's hashes.csv is MD5 by format.
        var md5 = Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(Encoding.UTF8.GetBytes(value)));
#pragma warning restore CA5351
        Assert.Contains($"{md5},{eventUuid}", await p[AnalystA].GetStringAsync("/api/v1/intel/misp-feed/visible/hashes.csv"), StringComparison.Ordinal);

        var outsider = await p[AnalystB].GetFromJsonAsync<JsonElement>("/api/v1/intel/misp-feed/visible/manifest.json");
        Assert.False(outsider.TryGetProperty(eventUuid, out _));
        Assert.DoesNotContain(eventUuid, await p[AnalystB].GetStringAsync("/api/v1/intel/misp-feed/visible/hashes.csv"), StringComparison.Ordinal);
        Assert.Equal(404, (int)(await p[AnalystB].GetAsync($"/api/v1/intel/misp-feed/visible/{eventUuid}.json")).StatusCode);
        Assert.Equal(401, (int)(await p[Anonymous].GetAsync("/api/v1/intel/misp-feed/visible/manifest.json")).StatusCode);
        Assert.Equal(404, (int)(await p[AnalystA].GetAsync($"/api/v1/intel/misp-feed/{Guid.NewGuid()}/manifest.json")).StatusCode);
    }
}
