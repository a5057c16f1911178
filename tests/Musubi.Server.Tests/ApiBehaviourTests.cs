using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Musubi.Core.Constituency;
using Musubi.Infrastructure.Constituency;
using Musubi.Testing;

[assembly: AssemblyFixture(typeof(PostgresServer))]

namespace Musubi.Server.Tests;

public sealed class ApiBehaviourTests(Principals p) : IClassFixture<Principals>
{
    private HttpClient Admin => p[Who.Admin];

    [Fact]
    public async Task Health_answers_200_and_the_openapi_document_lists_the_api()
    {
        using var anonymous = p.Server.Anonymous();
        var health = await anonymous.GetAsync("/healthz");
        Assert.Equal(200, (int)health.StatusCode);
        var doc = await anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = doc.GetProperty("paths").EnumerateObject().Select(x => x.Name).ToList();
        Assert.Contains("/api/v1/organisations", paths);
        Assert.Contains("/api/v1/organisations/{id}/networks", paths);
        Assert.Contains("/api/v1/tokens", paths);
        Assert.Contains("/api/v1/audit", paths);
        Assert.Equal(200, (int)(await anonymous.GetAsync("/api/docs/index.html")).StatusCode);
    }

    [Fact]
    public async Task Invalid_fields_come_back_as_problem_json_naming_each_field()
    {
        var response = await Admin.PostAsJsonAsync("/api/v1/organisations", new
        {
            name = "Bad Org",
            kind = "critical-infrastructure-operator",
            sectorId = "space",
            country = "JP",
            contacts = new[] { new { name = "Desk", role = "abuse", email = "abuse.example.jp" } },
            networks = new[] { new { kind = "cidr", value = "10.0.0.1/8" } },
        });
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Contains("10.0.0.0/8", errors.GetProperty("networks[0].value")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("@", errors.GetProperty("contacts[0].email")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("space", errors.GetProperty("sectorId")[0].GetString(), StringComparison.Ordinal);
        var search = await MusubiServer.ReadAsync<Paged<OrganisationSummary>>(await Admin.GetAsync("/api/v1/organisations?search=Bad%20Org"));
        Assert.Equal(0, search.Total);
    }

    [Fact]
    public async Task Unknown_enum_values_and_malformed_json_say_where_the_body_broke()
    {
        var badEnum = await Admin.PostAsync("/api/v1/organisations",
            new StringContent("""{"name":"X","kind":"spaceship","country":"JP"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(400, (int)badEnum.StatusCode);
        Assert.Contains("$.kind", await badEnum.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var broken = await Admin.PostAsync("/api/v1/organisations",
            new StringContent("{\"name\": \"X\",\n \"country\": }", Encoding.UTF8, "application/json"));
        Assert.Equal(400, (int)broken.StatusCode);
        var detail = (await broken.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
        Assert.Contains("line 2", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_block_owned_by_another_organisation_is_a_409_naming_the_owner()
    {
        var response = await Admin.PostAsJsonAsync($"/api/v1/organisations/{p.OrgB}/networks",
            new NetworkInput(NetworkKind.Cidr, "192.0.2.0/24", null), Principals.Json);
        Assert.Equal(409, (int)response.StatusCode);
        Assert.Contains("Organisation A", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var lookup = await MusubiServer.ReadAsync<OwnershipAnswer>(await Admin.GetAsync("/api/v1/ownership?q=192.0.2.200"));
        Assert.Equal(p.OrgA, lookup.Owner?.Id);
    }

    [Fact]
    public async Task Oversized_bodies_are_refused_with_413()
    {
        var huge = new string('x', 65 * 1024 * 1024);
        var response = await Admin.PostAsync("/api/v1/organisations",
            new StringContent($"{{\"name\":\"{huge}\"}}", Encoding.UTF8, "application/json"));
        Assert.Equal(413, (int)response.StatusCode);
    }

    [Fact]
    public async Task Sign_in_over_the_api_refuses_wrong_passwords_without_saying_which_part_was_wrong()
    {
        using var anonymous = p.Server.Anonymous();
        var unknown = await anonymous.PostAsJsonAsync("/api/v1/auth/sign-in", new { userName = "nobody", password = "whatever-password" });
        var wrong = await anonymous.PostAsJsonAsync("/api/v1/auth/sign-in", new { userName = "analystb", password = "whatever-password" });
        Assert.Equal(401, (int)unknown.StatusCode);
        Assert.Equal(401, (int)wrong.StatusCode);
        Assert.Equal(
            (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(),
            (await wrong.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }
}

/// <summary>The same server on PostgreSQL: the API works end to end there too.</summary>
public sealed class PostgresApiTests(PostgresServer postgres)
{
    [Fact]
    public async Task On_postgresql_an_admin_signs_in_creates_an_organisation_and_finds_its_owner()
    {
        await using var server = await MusubiServer.StartAsync(DatabaseProvider.Postgres, postgres);
        using var admin = await server.SignInAsync("admin", MusubiServer.AdminPassword);
        var org = await Principals.CreateOrgAsync(admin, "Postgres Agency", "2001:db8:100::/48");
        var lookup = await MusubiServer.ReadAsync<OwnershipAnswer>(await admin.GetAsync("/api/v1/ownership?q=2001:db8:100::1"));
        Assert.Equal(org.Id, lookup.Owner?.Id);
        var audit = await admin.GetFromJsonAsync<JsonElement>("/api/v1/audit?action=organisation.create");
        Assert.True(audit.GetProperty("total").GetInt32() >= 2);
    }
}
