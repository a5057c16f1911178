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
