using System.Net.Http.Json;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Constituency;
using Musubi.Infrastructure.Identity;
using static Musubi.Server.Tests.Who;

namespace Musubi.Server.Tests;

/// <summary>
/// Every API endpoint, called by every kind of principal: anonymous callers get 401, principals outside the allowed
/// set get 403, the allowed ones get the success status. Each call gets a fresh target where the call consumes it.
/// </summary>
public sealed class EndpointAuthorizationTests(Principals p) : IClassFixture<Principals>
{
    private static int _counter;

    private static string Unique(string prefix) => $"{prefix}-{Interlocked.Increment(ref _counter)}";

    private async Task Check(Func<Who, Task<HttpRequestMessage>> make, int ok, params Who[] allowed)
    {
        var mismatches = new List<string>();
        foreach (var who in Principals.Everyone)
        {
            using var request = await make(who);
            using var response = await p[who].SendAsync(request, TestContext.Current.CancellationToken);
            var expected = who == Anonymous ? 401 : allowed.Contains(who) ? ok : 403;
            if ((int)response.StatusCode != expected)
            {
                mismatches.Add($"{who}: {request.Method} {request.RequestUri} expected {expected}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
            else if (expected == 403)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }

        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    private static Task<HttpRequestMessage> Req(HttpMethod method, string path, object? body = null) =>
        Task.FromResult(new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body, options: Principals.Json) });

    private static readonly Who[] SignedIn = [Admin, OrgAdminA, AnalystA, ReadOnlyA, ServiceA, OrgAdminB, AnalystB];

    private static OrganisationInput NewOrg() => new(Unique("Org"), null, null, OrganisationKind.Enterprise, null, "JP", null);

    private async Task<Guid> FreshOrgAsync() => (await Principals.CreateOrgAsync(p[Admin], Unique("Doomed"))).Id;

    private async Task<Guid> FreshContactAsync() => (await MusubiServer.ReadAsync<ContactDto>(await p[Admin].PostAsJsonAsync(
        $"/api/v1/organisations/{p.OrgA}/contacts", new ContactInput("Desk", ContactRole.Incident, "desk@a.example.jp", null, null), Principals.Json))).Id;

    private static int _block;

    private static string FreshCidr()
    {
        var n = Interlocked.Increment(ref _block);
        return $"10.{n / 256}.{n % 256}.0/24";
    }

    private async Task<Guid> FreshNetworkAsync() => (await MusubiServer.ReadAsync<NetworkDto>(await p[Admin].PostAsJsonAsync(
        $"/api/v1/organisations/{p.OrgA}/networks", new NetworkInput(NetworkKind.Cidr, FreshCidr(), null), Principals.Json))).Id;

    private async Task<Guid> FreshUserOfAAsync() => (await MusubiServer.ReadAsync<UserDto>(await p[Admin].PostAsJsonAsync("/api/v1/users",
        new UserInput(Unique("user"), null, null, p.OrgA, Role.Analyst, "fresh-user-passphrase"), Principals.Json))).Id;

    private async Task<string> FreshCommunityAsync()
    {
        var slug = Unique("trust");
        await MusubiServer.ReadAsync<CommunityDto>(await p[Admin].PostAsJsonAsync("/api/v1/communities",
            new CommunityInput(slug, CommunityKind.TrustGroup, "Trust " + slug, null, null, null), Principals.Json));
        return slug;
    }

    [Fact]
    public Task Reading_an_organisations_quarantine_needs_an_administrator_of_it() =>
        Check(_ => Req(HttpMethod.Get, $"/api/v1/detection/quarantine?organisationId={p.OrgA}"), 200, Admin, OrgAdminA);

    [Fact]
    public Task Reading_the_quarantine_needs_a_sensor_administrator() =>
        Check(_ => Req(HttpMethod.Get, "/api/v1/detection/quarantine"), 200, Admin, OrgAdminA, OrgAdminB);

    [Fact]
    public Task Reading_the_directory_needs_a_signed_in_principal() =>
        Check(_ => Req(HttpMethod.Get, "/api/v1/organisations?search=Organisation"), 200, SignedIn);

    [Fact]
    public Task Reading_an_organisation_needs_a_signed_in_principal() =>
        Check(_ => Req(HttpMethod.Get, $"/api/v1/organisations/{p.OrgA}"), 200, SignedIn);

    [Fact]
    public Task Only_platform_admins_create_organisations() =>
        Check(_ => Req(HttpMethod.Post, "/api/v1/organisations", NewOrg()), 201, Admin);

    [Fact]
    public Task Only_platform_admins_and_its_own_admins_update_an_organisation() =>
        Check(_ => Req(HttpMethod.Put, $"/api/v1/organisations/{p.OrgA}",
            new OrganisationInput("Organisation A", "組織A", null, OrganisationKind.MinistryAgency, null, "JP", Unique("desc"))), 200, Admin, OrgAdminA);

    [Fact]
    public Task Only_platform_admins_delete_organisations() =>
        Check(async _ => await Req(HttpMethod.Delete, $"/api/v1/organisations/{await FreshOrgAsync()}"), 204, Admin);

    [Fact]
    public Task Contacts_are_added_by_the_organisations_admins() =>
        Check(_ => Req(HttpMethod.Post, $"/api/v1/organisations/{p.OrgA}/contacts",
            new ContactInput("CSIRT", ContactRole.Incident, "csirt@a.example.jp", null, null)), 201, Admin, OrgAdminA);

    [Fact]
    public Task Contacts_are_changed_by_the_organisations_admins() =>
        Check(async _ => await Req(HttpMethod.Put, $"/api/v1/organisations/{p.OrgA}/contacts/{await FreshContactAsync()}",
            new ContactInput("CSIRT 2", ContactRole.Abuse, "abuse@a.example.jp", null, null)), 200, Admin, OrgAdminA);

    [Fact]
    public Task Contacts_are_removed_by_the_organisations_admins() =>
        Check(async _ => await Req(HttpMethod.Delete, $"/api/v1/organisations/{p.OrgA}/contacts/{await FreshContactAsync()}"), 204, Admin, OrgAdminA);

    [Fact]
    public Task Networks_are_claimed_by_the_organisations_admins() =>
        Check(_ => Req(HttpMethod.Post, $"/api/v1/organisations/{p.OrgA}/networks", new NetworkInput(NetworkKind.Cidr, FreshCidr(), null)), 201, Admin, OrgAdminA);

    [Fact]
    public Task Networks_are_released_by_the_organisations_admins() =>
        Check(async _ => await Req(HttpMethod.Delete, $"/api/v1/organisations/{p.OrgA}/networks/{await FreshNetworkAsync()}"), 204, Admin, OrgAdminA);

    [Fact]
    public Task Ownership_lookup_needs_a_signed_in_principal() =>
        Check(_ => Req(HttpMethod.Get, "/api/v1/ownership?q=192.0.2.7"), 200, SignedIn);

    [Fact]
    public Task Sectors_are_read_by_all_and_added_by_platform_admins()
    {
        return Task.WhenAll(
            Check(_ => Req(HttpMethod.Get, "/api/v1/sectors"), 200, SignedIn),
            Check(_ => Req(HttpMethod.Post, "/api/v1/sectors", new SectorInput(Unique("space"), "Space", "宇宙")), 201, Admin));
    }

    [Fact]
    public async Task Communities_are_read_by_all_and_managed_by_platform_admins()
    {
        await Check(_ => Req(HttpMethod.Get, "/api/v1/communities"), 200, SignedIn);
        await Check(_ => Req(HttpMethod.Get, "/api/v1/communities/layer-technical"), 200, SignedIn);
        await Check(_ => Req(HttpMethod.Post, "/api/v1/communities", new CommunityInput(Unique("group"), CommunityKind.TrustGroup, "Group", null, null, null)), 201, Admin);
        await Check(async _ => await Req(HttpMethod.Delete, $"/api/v1/communities/{await FreshCommunityAsync()}"), 204, Admin);
        await Check(async _ => await Req(HttpMethod.Post, $"/api/v1/communities/{await FreshCommunityAsync()}/members", new { organisationId = p.OrgA }), 204, Admin);
        await Check(async _ =>
        {
            var slug = await FreshCommunityAsync();
            (await p[Admin].PostAsJsonAsync($"/api/v1/communities/{slug}/members", new { organisationId = p.OrgA })).EnsureSuccessStatusCode();
            return await Req(HttpMethod.Delete, $"/api/v1/communities/{slug}/members/{p.OrgA}");
        }, 204, Admin);
    }

    [Fact]
    public async Task Users_are_listed_by_admins_of_their_organisation()
    {
        await Check(_ => Req(HttpMethod.Get, "/api/v1/users"), 200, Admin, OrgAdminA, OrgAdminB);
        await Check(_ => Req(HttpMethod.Get, $"/api/v1/users?organisationId={p.OrgA}"), 200, Admin, OrgAdminA);
        await Check(_ => Req(HttpMethod.Get, $"/api/v1/users/{p.UserId(AnalystA)}"), 200, Admin, OrgAdminA, AnalystA);
    }

    [Fact]
    public async Task Users_are_managed_by_admins_of_their_organisation()
    {
        await Check(_ => Req(HttpMethod.Post, "/api/v1/users", new UserInput(Unique("new"), null, null, p.OrgA, Role.Analyst, "new-user-passphrase")), 201, Admin, OrgAdminA);
        await Check(async _ => await Req(HttpMethod.Patch, $"/api/v1/users/{await FreshUserOfAAsync()}", new UserUpdate("Renamed", null, Role.ReadOnly, null)), 200, Admin, OrgAdminA);
        await Check(async _ => await Req(HttpMethod.Post, $"/api/v1/users/{await FreshUserOfAAsync()}/password", new PasswordReset("reset-user-passphrase")), 204, Admin, OrgAdminA);
        await Check(async _ => await Req(HttpMethod.Post, $"/api/v1/users/{await FreshUserOfAAsync()}/unlock"), 204, Admin, OrgAdminA);
        await Check(async _ => await Req(HttpMethod.Delete, $"/api/v1/users/{await FreshUserOfAAsync()}/totp"), 204, Admin, OrgAdminA);
    }

    [Fact]
    public async Task Everyone_signed_in_reaches_their_own_account()
    {
        await Check(_ => Req(HttpMethod.Get, "/api/v1/me"), 200, SignedIn);
        await Check(_ => Req(HttpMethod.Post, "/api/v1/me/password", new PasswordChange("not-my-password", "whatever-new-passphrase")), 400, SignedIn);
        await Check(_ => Req(HttpMethod.Get, "/api/v1/tokens"), 200, SignedIn);
    }

    [Fact]
    public async Task Tokens_are_created_with_users_write_and_seen_or_revoked_by_their_owner_and_admins()
    {
        await Check(_ => Req(HttpMethod.Post, "/api/v1/tokens", new TokenInput(Unique("token"), null, 7, null)), 201, Admin, OrgAdminA, OrgAdminB);
        await Check(_ => Req(HttpMethod.Get, $"/api/v1/tokens?userId={p.UserId(AnalystA)}"), 200, Admin, OrgAdminA, AnalystA);
        await Check(async _ =>
        {
            var token = await MusubiServer.ReadAsync<CreatedToken>(await p[Admin].PostAsJsonAsync("/api/v1/tokens",
                new TokenInput(Unique("t"), null, 7, p.UserId(AnalystA)), Principals.Json));
            return await Req(HttpMethod.Delete, $"/api/v1/tokens/{token.Token.Id}");
        }, 204, Admin, OrgAdminA, AnalystA);
    }

    [Fact]
    public async Task The_audit_trail_is_read_by_admins_each_within_their_reach()
    {
        await Check(_ => Req(HttpMethod.Get, "/api/v1/audit"), 200, Admin, OrgAdminA, OrgAdminB);
        await Check(_ => Req(HttpMethod.Get, $"/api/v1/audit?organisationId={p.OrgA}"), 200, Admin, OrgAdminA);
    }

    [Fact]
    public async Task A_token_without_the_write_scope_cannot_write_even_for_a_platform_admin()
    {
        var token = await MusubiServer.ReadAsync<CreatedToken>(await p[Admin].PostAsJsonAsync("/api/v1/tokens",
            new TokenInput("read only", [Scopes.ConstituencyRead], 1, null), Principals.Json));
        using var client = p.Server.WithToken(token.Secret);
        Assert.Equal(200, (int)(await client.GetAsync("/api/v1/organisations")).StatusCode);
        Assert.Equal(403, (int)(await client.PostAsJsonAsync("/api/v1/organisations", NewOrg(), Principals.Json)).StatusCode);
        Assert.Equal(403, (int)(await client.GetAsync("/api/v1/audit")).StatusCode);
        Assert.Equal(403, (int)(await client.GetAsync("/api/v1/users")).StatusCode);
    }

    [Fact]
    public async Task A_browser_session_cookie_does_not_open_the_api()
    {
        using var anonymous = p.Server.Anonymous();
        anonymous.DefaultRequestHeaders.Add("Cookie", "musubi.session=forged");
        Assert.Equal(401, (int)(await anonymous.GetAsync("/api/v1/organisations")).StatusCode);
    }

    private static object NewPartner() => new
    {
        name = Unique("Partner"), kind = "taxii", url = "http://127.0.0.1:9/taxii2/api/", collectionId = "shared", direction = "pull",
        auth = "bearer", secret = "partner-secret-" + Guid.NewGuid().ToString("N"), ceiling = "green",
    };

    private async Task<Guid> FreshPartnerAsync()
    {
        var response = await p[Admin].PostAsJsonAsync("/api/v1/federation/partners", NewPartner(), Principals.Json);
        return (await MusubiServer.ReadAsync<System.Text.Json.JsonElement>(response)).GetProperty("id").GetGuid();
    }

    [Fact]
    public async Task Federation_partners_are_listed_created_changed_and_deleted_by_platform_admins_only()
    {
        await Check(_ => Req(HttpMethod.Get, "/api/v1/federation/partners"), 200, Admin);
        var existing = await FreshPartnerAsync();
        await Check(_ => Req(HttpMethod.Get, $"/api/v1/federation/partners/{existing}"), 200, Admin);
        await Check(_ => Req(HttpMethod.Post, "/api/v1/federation/partners", NewPartner()), 201, Admin);
        await Check(_ => Req(HttpMethod.Put, $"/api/v1/federation/partners/{existing}", new { intervalMinutes = 30 }), 200, Admin);
        await Check(async _ => new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/federation/partners/{await FreshPartnerAsync()}"), 204, Admin);
    }

    [Fact]
    public async Task Pull_now_and_push_now_are_for_platform_admins_only()
    {
        // The remote (port 9, discard) does not answer: the run ends with an error in the partner's status, and 200.
        await Check(async _ => new HttpRequestMessage(HttpMethod.Post, $"/api/v1/federation/partners/{await FreshPartnerAsync()}/pull"), 200, Admin);
        var org = await FreshOrgAsync();
        var pushing = await MusubiServer.ReadAsync<System.Text.Json.JsonElement>(await p[Admin].PostAsJsonAsync("/api/v1/federation/partners", new
        {
            name = Unique("Pushed"), kind = "taxii", url = "http://127.0.0.1:9/taxii2/api/", collectionId = "shared", direction = "push",
            organisationId = org, ceiling = "green",
        }, Principals.Json));
        await Check(_ => Req(HttpMethod.Post, $"/api/v1/federation/partners/{pushing.GetProperty("id").GetGuid()}/push"), 200, Admin);
    }

    [Fact]
    public async Task Infected_hosts_and_clean_up_figures_are_read_by_everyone_for_their_own_organisation_only()
    {
        await Check(_ => Req(HttpMethod.Get, "/api/v1/feeds/hosts"), 200, SignedIn);
        await Check(_ => Req(HttpMethod.Get, "/api/v1/feeds/tickets"), 200, SignedIn);
        await Check(_ => Req(HttpMethod.Get, "/api/v1/feeds/cleanup/weekly"), 200, SignedIn);
        await Check(_ => Req(HttpMethod.Get, $"/api/v1/feeds/hosts?organisationId={p.OrgA}"), 200, OrgAdminA, AnalystA, ReadOnlyA, ServiceA);
        await Check(_ => Req(HttpMethod.Get, $"/api/v1/feeds/cleanup/weekly?organisationId={p.OrgA}"), 200, OrgAdminA, AnalystA, ReadOnlyA, ServiceA);
    }

    [Fact]
    public Task Clean_up_campaigns_are_created_by_platform_admins_and_centre_staff() =>
        Check(_ => Req(HttpMethod.Post, "/api/v1/feeds/campaigns",
            new { name = Unique("Clean day"), start = "2026-11-01T00:00:00Z", end = "2026-11-08T00:00:00Z" }), 201, Admin);
}
