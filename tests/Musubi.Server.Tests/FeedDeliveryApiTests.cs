using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Feeds;
using Musubi.Infrastructure.Feeds.Tracking;
using Musubi.Infrastructure.Identity;
using Musubi.Testing;

namespace Musubi.Server.Tests;

/// <summary>The ISP pull side of issue 6: hosts (JSON and CSV), tickets, the per-recipient TAXII collection, campaigns — and outsiders.</summary>
public sealed class FeedDeliveryApiTests(PostgresServer postgres)
{
    private const string Password = "feed-delivery-passphrase";

    internal static async Task RecordAsync(IServiceProvider services, string ticket, Guid organisation, params (string Ip, string? Malware)[] hosts)
    {
        await using var scope = services.CreateAsyncScope();
        var now = DateTimeOffset.UtcNow;
        var rows = hosts.Select(h => new FeedReportRow(now.AddMinutes(-5), h.Ip, null, 64500, null, "JP", "malicious-code", "infected-system", h.Malware,
            "Shadowserver sinkhole", null)).ToList();
        await scope.ServiceProvider.GetRequiredService<IInfectedHostTracker>().RecordAsync(
            new FeedReport(ticket, "org:" + organisation, organisation, null, "en", now.AddHours(-1), now, rows), CancellationToken.None);
        await scope.ServiceProvider.GetRequiredService<MusubiDbContext>().SaveChangesAsync();
    }

    private static async Task<HttpClient> UserAsync(MusubiServer server, HttpClient admin, string name, Guid org, Role role)
    {
        (await admin.PostAsJsonAsync("/api/v1/users", new UserInput(name, null, null, org, role, Password), Principals.Json)).EnsureSuccessStatusCode();
        return await server.SignInAsync(name, Password);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task An_isp_pulls_its_own_hosts_and_tickets_and_another_isp_never_sees_them(DatabaseProvider provider)
    {
        await using var server = await MusubiServer.StartAsync(provider, postgres);
        using var admin = await server.SignInAsync("admin", MusubiServer.AdminPassword);
        var centreOrg = (await MusubiServer.ReadAsync<JsonElement>(await admin.GetAsync("/api/v1/me"))).GetProperty("organisationId").GetGuid();
        var ispA = (await Principals.CreateOrgAsync(admin, "Pull ISP A")).Id;
        var ispB = (await Principals.CreateOrgAsync(admin, "Pull ISP B")).Id;
        using var a = await UserAsync(server, admin, "pull-analyst-a", ispA, Role.Analyst);
        using var b = await UserAsync(server, admin, "pull-analyst-b", ispB, Role.Analyst);
        using var centre = await UserAsync(server, admin, "pull-centre", centreOrg, Role.Analyst);
        await RecordAsync(server.Services, "MSB-PULL-A1", ispA, ("192.0.2.10", "conficker"), ("2001:db8::10", null));
        await RecordAsync(server.Services, "MSB-PULL-B1", ispB, ("198.51.100.20", "mirai"));

        var mine = await MusubiServer.ReadAsync<JsonElement>(await a.GetAsync("/api/v1/feeds/hosts?state=open"));
        Assert.Equal(2, mine.GetProperty("total").GetInt32());
        Assert.Equal(["192.0.2.10", "2001:db8::10"], mine.GetProperty("items").EnumerateArray().Select(h => h.GetProperty("address").GetString()).Order());
        var theirs = await MusubiServer.ReadAsync<JsonElement>(await b.GetAsync("/api/v1/feeds/hosts?state=all"));
        Assert.Equal(["198.51.100.20"], theirs.GetProperty("items").EnumerateArray().Select(h => h.GetProperty("address").GetString()));
        Assert.Equal(HttpStatusCode.Forbidden, (await b.GetAsync($"/api/v1/feeds/hosts?organisationId={ispA}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.GetAsync($"/api/v1/feeds/hosts?organisationId={ispA}")).StatusCode);
        Assert.Equal(2, (await MusubiServer.ReadAsync<JsonElement>(await centre.GetAsync($"/api/v1/feeds/hosts?organisationId={ispA}"))).GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, (await a.GetAsync("/api/v1/feeds/hosts?state=gone")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await a.GetAsync("/api/v1/feeds/hosts?pageSize=100000")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Anonymous().GetAsync("/api/v1/feeds/hosts")).StatusCode);

        using var csvRequest = new HttpRequestMessage(HttpMethod.Get, "/api/v1/feeds/hosts?state=all");
        csvRequest.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        var csv = await a.SendAsync(csvRequest);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(string.Join(',', InfectedHostQueries.CsvHeader), lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.DoesNotContain(lines, l => l.Contains("198.51.100.20", StringComparison.Ordinal));

        var ticket = await MusubiServer.ReadAsync<JsonElement>(await a.GetAsync("/api/v1/feeds/tickets/MSB-PULL-A1"));
        Assert.Equal(2, ticket.GetProperty("hosts").GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await b.GetAsync("/api/v1/feeds/tickets/MSB-PULL-A1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await a.GetAsync("/api/v1/feeds/tickets/MSB-NOPE")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await centre.GetAsync("/api/v1/feeds/tickets/MSB-PULL-A1")).StatusCode);
        var tickets = await MusubiServer.ReadAsync<JsonElement>(await a.GetAsync("/api/v1/feeds/tickets"));
        Assert.Equal(["MSB-PULL-A1"], tickets.EnumerateArray().Select(t => t.GetProperty("ticket").GetString()));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task The_per_recipient_taxii_collection_serves_only_that_isps_open_hosts_at_amber(DatabaseProvider provider)
    {
        await using var server = await MusubiServer.StartAsync(provider, postgres);
        using var admin = await server.SignInAsync("admin", MusubiServer.AdminPassword);
        var ispA = (await Principals.CreateOrgAsync(admin, "TAXII ISP A")).Id;
        var ispB = (await Principals.CreateOrgAsync(admin, "TAXII ISP B")).Id;
        var ispC = (await Principals.CreateOrgAsync(admin, "TAXII ISP C")).Id;
        using var a = await UserAsync(server, admin, "hosts-analyst-a", ispA, Role.Analyst);
        using var b = await UserAsync(server, admin, "hosts-analyst-b", ispB, Role.Analyst);
        using var c = await UserAsync(server, admin, "hosts-analyst-c", ispC, Role.Analyst);
        foreach (var client in new[] { a, b, c })
        {
            client.DefaultRequestHeaders.Accept.ParseAdd(TaxiiWorld.Accept);
        }

        await RecordAsync(server.Services, "MSB-TX-A1", ispA, ("192.0.2.30", "conficker"), ("2001:db8::30", null));
        await RecordAsync(server.Services, "MSB-TX-B1", ispB, ("198.51.100.40", "mirai"));

        var collectionA = InfectedHostTaxii.CollectionId(ispA);
        var listA = await MusubiServer.ReadAsync<JsonElement>(await a.GetAsync(TaxiiWorld.Root + "collections/"));
        var offered = Assert.Single(listA.GetProperty("collections").EnumerateArray(), x => x.GetProperty("alias").GetString() == "infected-hosts");
        Assert.Equal(collectionA.ToString(), offered.GetProperty("id").GetString());
        Assert.False(offered.GetProperty("can_write").GetBoolean());

        var page = await MusubiServer.ReadAsync<JsonElement>(await a.GetAsync($"{TaxiiWorld.Root}collections/{collectionA}/objects/"));
        var objects = page.GetProperty("objects").EnumerateArray().ToList();
        Assert.Equal(4, objects.Count);
        Assert.Equal(["ipv4-addr", "ipv6-addr", "observed-data", "observed-data"], objects.Select(o => o.GetProperty("type").GetString()).Order());
        Assert.All(objects, o => Assert.Equal(Musubi.Core.Sharing.TlpMarkings.AmberId, o.GetProperty("object_marking_refs")[0].GetString()));
        var observed = objects.First(o => o.GetProperty("type").GetString() == "observed-data" && o.GetProperty("labels").GetArrayLength() == 2);
        Assert.Equal(["infected-system", "conficker"], observed.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        var sco = objects.Single(o => o.GetProperty("id").GetString() == observed.GetProperty("object_refs")[0].GetString());
        Assert.Equal("192.0.2.30", sco.GetProperty("value").GetString());
        Assert.True(observed.TryGetProperty("first_observed", out _));
        Assert.Equal("MSB-TX-A1", observed.GetProperty("x_musubi_last_ticket").GetString());

        var paged = await MusubiServer.ReadAsync<JsonElement>(await a.GetAsync($"{TaxiiWorld.Root}collections/{collectionA}/objects/?limit=3"));
        Assert.True(paged.GetProperty("more").GetBoolean());
        var rest = await MusubiServer.ReadAsync<JsonElement>(await a.GetAsync(
            $"{TaxiiWorld.Root}collections/{collectionA}/objects/?limit=3&next={Uri.EscapeDataString(paged.GetProperty("next").GetString()!)}"));
        Assert.Equal(objects.Select(o => o.GetProperty("id").GetString()).Order(),
            paged.GetProperty("objects").EnumerateArray().Concat(rest.GetProperty("objects").EnumerateArray()).Select(o => o.GetProperty("id").GetString()).Order());

        // Outsiders: B has its own collection (another id) and gets 404 for A's; C, with no hosts, is offered none.
        var listB = await MusubiServer.ReadAsync<JsonElement>(await b.GetAsync(TaxiiWorld.Root + "collections/"));
        Assert.DoesNotContain(listB.GetProperty("collections").EnumerateArray(), x => x.GetProperty("id").GetString() == collectionA.ToString());
        Assert.Equal(HttpStatusCode.NotFound, (await b.GetAsync($"{TaxiiWorld.Root}collections/{collectionA}/objects/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await c.GetAsync($"{TaxiiWorld.Root}collections/{collectionA}/objects/")).StatusCode);
        var listC = await MusubiServer.ReadAsync<JsonElement>(await c.GetAsync(TaxiiWorld.Root + "collections/"));
        Assert.DoesNotContain(listC.GetProperty("collections").EnumerateArray(), x => x.GetProperty("alias").GetString() == "infected-hosts");
        var bObjects = await MusubiServer.ReadAsync<JsonElement>(await b.GetAsync($"{TaxiiWorld.Root}collections/infected-hosts/objects/"));
        var bText = bObjects.GetRawText();
        Assert.Contains("198.51.100.40", bText);
        Assert.DoesNotContain("192.0.2.30", bText);
        var visibleB = await MusubiServer.ReadAsync<JsonElement>(await b.GetAsync($"{TaxiiWorld.Root}collections/visible/objects/"));
        Assert.DoesNotContain("192.0.2.30", visibleB.GetRawText());
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Campaigns_are_managed_by_the_centre_audited_and_each_isp_sees_only_its_own_figures(DatabaseProvider provider)
    {
        await using var server = await MusubiServer.StartAsync(provider, postgres);
        using var admin = await server.SignInAsync("admin", MusubiServer.AdminPassword);
        var ispA = (await Principals.CreateOrgAsync(admin, "Campaign ISP A")).Id;
        var ispB = (await Principals.CreateOrgAsync(admin, "Campaign ISP B")).Id;
        using var a = await UserAsync(server, admin, "campaign-analyst-a", ispA, Role.Analyst);
        using var b = await UserAsync(server, admin, "campaign-analyst-b", ispB, Role.Analyst);
        await RecordAsync(server.Services, "MSB-C-A1", ispA, ("192.0.2.50", "conficker"));
        var now = DateTimeOffset.UtcNow;
        var input = new CampaignInput("Clean day A", null, now.AddMinutes(-1), now.AddDays(7), [ispA], null, null, null);

        Assert.Equal(HttpStatusCode.Forbidden, (await a.PostAsJsonAsync("/api/v1/feeds/campaigns", input, Principals.Json)).StatusCode);
        var created = await MusubiServer.ReadAsync<CampaignDto>(await admin.PostAsJsonAsync("/api/v1/feeds/campaigns", input, Principals.Json));
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync("/api/v1/feeds/campaigns", input with { End = now.AddDays(-1) }, Principals.Json)).StatusCode);

        var figures = await MusubiServer.ReadAsync<JsonElement>(await a.GetAsync($"/api/v1/feeds/campaigns/{created.Id}"));
        Assert.Equal(1, figures.GetProperty("hostsAtStart").GetInt32());
        Assert.Equal(ispA, Assert.Single(figures.GetProperty("organisations").EnumerateArray()).GetProperty("organisationId").GetGuid());
        Assert.Equal(HttpStatusCode.NotFound, (await b.GetAsync($"/api/v1/feeds/campaigns/{created.Id}")).StatusCode);
        Assert.Empty((await MusubiServer.ReadAsync<JsonElement>(await b.GetAsync("/api/v1/feeds/campaigns"))).EnumerateArray());
        Assert.Equal(HttpStatusCode.Forbidden, (await b.DeleteAsync($"/api/v1/feeds/campaigns/{created.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/feeds/campaigns/{created.Id}")).StatusCode);

        var audit = await MusubiServer.ReadAsync<JsonElement>(await admin.GetAsync("/api/v1/audit?entityType=cleanup-campaign"));
        Assert.Contains("campaign.create", audit.GetRawText());
        Assert.Contains("campaign.delete", audit.GetRawText());
    }
}
