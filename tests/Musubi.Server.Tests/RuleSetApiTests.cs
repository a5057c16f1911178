using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Constituency;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Detection;
using Musubi.Infrastructure.Identity;
using Musubi.Server.Api;
using static Musubi.Server.Tests.Who;

namespace Musubi.Server.Tests;

/// <summary>
/// Sigma rule sets over REST (<c>/api/v1/detection/rule-sets</c>): upload (YAML, zip, form), per-rule load errors,
/// enable/disable with a scope, delete, limits; platform administrators and the national SOC only, audited.
/// </summary>
public sealed class RuleSetApiTests(Principals p) : IClassFixture<Principals>
{
    private const string Base = "/api/v1/detection/rule-sets";
    private static int _counter;

    private static string Unique(string prefix) => $"{prefix}-{Interlocked.Increment(ref _counter)}";

    private static string RuleYaml(string title) => $"""
        title: {title}
        id: {Guid.NewGuid()}
        status: test
        level: high
        logsource:
            product: windows
            category: process_creation
        detection:
            selection:
                Image|endswith: '\evil.exe'
            condition: selection
        """;

    private const string BrokenRule = """
        title: Broken
        logsource:
            product: windows
        detection:
            selection:
                Image|nosuchmodifier: x
            condition: selection
        """;

    private static HttpRequestMessage Yaml(string name, string yaml) => new(HttpMethod.Post, $"{Base}?name={Uri.EscapeDataString(name)}")
    {
        Content = new StringContent(yaml, Encoding.UTF8, "application/yaml"),
    };

    private static byte[] Zip(params (string Name, string Text)[] files)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, text) in files)
            {
                using var writer = new StreamWriter(zip.CreateEntry(name).Open());
                writer.Write(text);
            }
        }

        return buffer.ToArray();
    }

    private async Task<RuleSetSummary> UploadAsync(HttpClient client) =>
        await MusubiServer.ReadAsync<RuleSetSummary>(await client.SendAsync(Yaml(Unique("set"), RuleYaml("Evil process")), TestContext.Current.CancellationToken));

    private async Task Check(Func<HttpRequestMessage> make, int ok, params Who[] allowed)
    {
        var mismatches = new List<string>();
        foreach (var who in Principals.Everyone)
        {
            using var request = make();
            using var response = await p[who].SendAsync(request, TestContext.Current.CancellationToken);
            var expected = who == Anonymous ? 401 : allowed.Contains(who) ? ok : 403;
            if ((int)response.StatusCode != expected)
            {
                mismatches.Add($"{who}: {request.Method} {request.RequestUri} expected {expected}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }

        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    private async Task<HttpClient> NationalSocAdminAsync()
    {
        var name = Unique("soc-admin");
        await using (var scope = p.Server.Services.CreateAsyncScope())
        {
            var organisations = scope.ServiceProvider.GetRequiredService<OrganisationService>();
            var centre = (await organisations.ListAsync(Actor.System, new OrganisationQuery(Kind: OrganisationKind.NationalCentre), CancellationToken.None)).Items[0];
            await scope.ServiceProvider.GetRequiredService<UserService>()
                .CreateAsync(Actor.System, new UserInput(name, null, null, centre.Id, Role.OrgAdmin, Principals.UserPassword), CancellationToken.None);
        }

        return await p.Server.SignInAsync(name, Principals.UserPassword);
    }

    private async Task<string> SectorAsync()
    {
        await using var scope = p.Server.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<MusubiDbContext>().Sectors.OrderBy(s => s.Id).Select(s => s.Id).FirstAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public Task Listing_rule_sets_is_for_platform_admins_and_the_national_soc() =>
        Check(() => new HttpRequestMessage(HttpMethod.Get, Base), 200, Admin);

    [Fact]
    public Task Uploading_a_rule_set_is_for_platform_admins_and_the_national_soc() =>
        Check(() => Yaml(Unique("set"), RuleYaml("Upload check")), 201, Admin);

    [Fact]
    public async Task Enabling_disabling_and_deleting_are_for_platform_admins_and_the_national_soc()
    {
        var set = await UploadAsync(p[Admin]);
        await Check(() => new HttpRequestMessage(HttpMethod.Post, $"{Base}/{set.Id}/enable")
        {
            Content = JsonContent.Create(new RuleSetEnableInput(false, [p.OrgA], null), options: Principals.Json),
        }, 200, Admin);
        await Check(() => new HttpRequestMessage(HttpMethod.Post, $"{Base}/{set.Id}/disable"), 200, Admin);
        await Check(() => new HttpRequestMessage(HttpMethod.Get, $"{Base}/{set.Id}"), 200, Admin);

        var doomed = new Queue<RuleSetSummary>();
        for (var i = 0; i < Principals.Everyone.Count(); i++)
        {
            doomed.Enqueue(await UploadAsync(p[Admin]));
        }

        await Check(() => new HttpRequestMessage(HttpMethod.Delete, $"{Base}/{doomed.Dequeue().Id}"), 204, Admin);
    }

    [Fact]
    public async Task The_national_soc_manages_rule_sets_and_every_write_is_audited()
    {
        using var soc = await NationalSocAdminAsync();
        var ct = TestContext.Current.CancellationToken;
        var name = Unique("soc-set");
        var created = await MusubiServer.ReadAsync<RuleSetSummary>(await soc.SendAsync(Yaml(name, RuleYaml("SOC rule")), ct));
        Assert.Equal((1, 0, false), (created.RuleCount, created.FailedCount, created.Enabled));

        var sector = await SectorAsync();
        var enabled = await MusubiServer.ReadAsync<RuleSetSummary>(await soc.PostAsJsonAsync($"{Base}/{created.Id}/enable",
            new RuleSetEnableInput(false, [p.OrgB], [sector]), Principals.Json, ct));
        Assert.True(enabled.Enabled);
        Assert.False(enabled.AllOrganisations);
        Assert.Equal([p.OrgB], enabled.Organisations);
        Assert.Equal([sector], enabled.Sectors);

        var disabled = await MusubiServer.ReadAsync<RuleSetSummary>(await soc.PostAsync($"{Base}/{created.Id}/disable", null, ct));
        Assert.False(disabled.Enabled);
        Assert.Equal([p.OrgB], disabled.Organisations); // the scope stays for the next enable

        var again = await MusubiServer.ReadAsync<RuleSetSummary>(await soc.PostAsync($"{Base}/{created.Id}/enable", null, ct));
        Assert.True(again.Enabled);
        Assert.Equal([sector], again.Sectors);

        var all = await MusubiServer.ReadAsync<RuleSetSummary>(await soc.PostAsJsonAsync($"{Base}/{created.Id}/enable",
            new RuleSetEnableInput(true, null, null), Principals.Json, ct));
        Assert.True(all.AllOrganisations);
        Assert.Empty(all.Organisations);

        Assert.Equal(HttpStatusCode.NoContent, (await soc.DeleteAsync($"{Base}/{created.Id}", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await soc.GetAsync($"{Base}/{created.Id}", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await soc.PostAsync($"{Base}/{created.Id}/disable", null, ct)).StatusCode);

        foreach (var action in new[] { "sigma.ruleset.upload", "sigma.ruleset.scope", "sigma.ruleset.delete" })
        {
            var audit = await p[Admin].GetFromJsonAsync<JsonElement>($"/api/v1/audit?action={action}&pageSize=500", ct);
            var entries = audit.GetProperty("items").EnumerateArray().Where(e => e.GetProperty("entityId").GetString() == created.Id.ToString()).ToList();
            Assert.True(entries.Count > 0, $"no audit entry {action} for {created.Id}: {audit}");
        }
    }

    [Fact]
    public async Task A_national_soc_analyst_manages_rule_sets_by_token_with_detection_write_and_not_without_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var name = Unique("soc-analyst");
        Guid userId;
        await using (var scope = p.Server.Services.CreateAsyncScope())
        {
            var organisations = scope.ServiceProvider.GetRequiredService<OrganisationService>();
            var centre = (await organisations.ListAsync(Actor.System, new OrganisationQuery(Kind: OrganisationKind.NationalCentre), ct)).Items[0];
            userId = (await scope.ServiceProvider.GetRequiredService<UserService>()
                .CreateAsync(Actor.System, new UserInput(name, null, null, centre.Id, Role.Analyst, Principals.UserPassword), ct)).Id;
        }

        async Task<HttpClient> TokenAsync(params string[] scopes)
        {
            var created = await MusubiServer.ReadAsync<CreatedToken>(await p[Admin].PostAsJsonAsync("/api/v1/tokens",
                new TokenInput(Unique("rules-token"), scopes, 1, userId), Principals.Json, ct));
            return p.Server.WithToken(created.Secret);
        }

        using var writer = await TokenAsync(Scopes.ConstituencyRead, Scopes.DetectionWrite);
        var set = await MusubiServer.ReadAsync<RuleSetSummary>(await writer.SendAsync(Yaml(Unique("analyst-set"), RuleYaml("Analyst rule")), ct));
        Assert.Equal(1, set.RuleCount);
        Assert.Equal(HttpStatusCode.OK, (await writer.PostAsJsonAsync($"{Base}/{set.Id}/enable",
            new RuleSetEnableInput(false, [p.OrgA], null), Principals.Json, ct)).StatusCode);

        using var reader = await TokenAsync(Scopes.ConstituencyRead, Scopes.IntelRead);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.GetAsync(Base, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.SendAsync(Yaml(Unique("refused"), RuleYaml("Refused")), ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.DeleteAsync($"{Base}/{set.Id}", ct)).StatusCode);

        // An analyst of an ordinary organisation may hold the scope, and still gets nowhere.
        var outsider = await MusubiServer.ReadAsync<CreatedToken>(await p[Admin].PostAsJsonAsync("/api/v1/tokens",
            new TokenInput(Unique("outsider-token"), [Scopes.DetectionWrite], 1, p.UserId(AnalystA)), Principals.Json, ct));
        using var outsiderClient = p.Server.WithToken(outsider.Secret);
        Assert.Equal(HttpStatusCode.Forbidden, (await outsiderClient.GetAsync(Base, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await outsiderClient.DeleteAsync($"{Base}/{set.Id}", ct)).StatusCode);
    }

    [Fact]
    public async Task A_zip_upload_answers_each_rule_file_with_its_load_error()
    {
        var ct = TestContext.Current.CancellationToken;
        var zip = Zip(("good/a.yml", RuleYaml("Good A")), ("bad/broken.yaml", BrokenRule), ("README.md", "not a rule"));
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{Base}?name={Unique("zip")}") { Content = new ByteArrayContent(zip) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        var set = await MusubiServer.ReadAsync<RuleSetSummary>(await p[Admin].SendAsync(request, ct));

        Assert.Equal((2, 1), (set.RuleCount, set.FailedCount));
        var broken = Assert.Single(set.Rules, r => r.FileName == "bad/broken.yaml");
        Assert.Contains("nosuchmodifier", broken.Error);
        Assert.Null(Assert.Single(set.Rules, r => r.FileName == "good/a.yml").Error);
    }

    [Fact]
    public async Task A_multipart_form_upload_is_accepted()
    {
        var ct = TestContext.Current.CancellationToken;
        using var form = new MultipartFormDataContent
        {
            { new StringContent(Unique("form")), "name" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes(RuleYaml("Form rule"))), "file", "form-rule.yml" },
        };
        var set = await MusubiServer.ReadAsync<RuleSetSummary>(await p[Admin].PostAsync(Base, form, ct));
        Assert.Equal("form-rule.yml", Assert.Single(set.Rules).FileName);
        Assert.Equal("Form rule", set.Rules[0].Title);
    }

    [Fact]
    public async Task Bad_uploads_get_a_precise_4xx_and_store_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var admin = p[Admin];
        var before = (await MusubiServer.ReadAsync<List<RuleSetSummary>>(await admin.GetAsync(Base, ct))).Count;

        using (var big = new HttpRequestMessage(HttpMethod.Post, $"{Base}?name={Unique("big")}")
               { Content = new ByteArrayContent(new byte[SigmaRuleService.MaxUploadBytes + 1]) })
        {
            big.Content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
            var response = await admin.SendAsync(big, ct);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Contains(SigmaRuleService.MaxUploadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), await response.Content.ReadAsStringAsync(ct));
        }

        var unnamed = await admin.SendAsync(new HttpRequestMessage(HttpMethod.Post, Base) { Content = new StringContent(RuleYaml("x"), Encoding.UTF8, "application/yaml") }, ct);
        Assert.Equal(HttpStatusCode.BadRequest, unnamed.StatusCode);
        Assert.Contains("name", await unnamed.Content.ReadAsStringAsync(ct));

        var json = await admin.PostAsJsonAsync($"{Base}?name={Unique("json")}", new { yaml = "x" }, ct);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);

        var name = Unique("dup");
        Assert.Equal(HttpStatusCode.Created, (await admin.SendAsync(Yaml(name, RuleYaml("first")), ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.SendAsync(Yaml(name, RuleYaml("second")), ct)).StatusCode);

        var notZip = new HttpRequestMessage(HttpMethod.Post, $"{Base}?name={Unique("badzip")}") { Content = new ByteArrayContent("PK\u0003\u0004garbage"u8.ToArray()) };
        notZip.Content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.SendAsync(notZip, ct)).StatusCode);

        var set = await UploadAsync(admin);
        var noScope = await admin.PostAsJsonAsync($"{Base}/{set.Id}/enable", new RuleSetEnableInput(false, [], []), Principals.Json, ct);
        Assert.Equal(HttpStatusCode.BadRequest, noScope.StatusCode);
        var unknownOrg = await admin.PostAsJsonAsync($"{Base}/{set.Id}/enable", new RuleSetEnableInput(false, [Guid.NewGuid()], null), Principals.Json, ct);
        Assert.Equal(HttpStatusCode.BadRequest, unknownOrg.StatusCode);
        Assert.Contains("organisations[0]", await unknownOrg.Content.ReadAsStringAsync(ct));
        Assert.False((await MusubiServer.ReadAsync<RuleSetSummary>(await admin.GetAsync($"{Base}/{set.Id}", ct))).Enabled);

        // The duplicate's first upload and the last set are the only ones added.
        Assert.Equal(before + 2, (await MusubiServer.ReadAsync<List<RuleSetSummary>>(await admin.GetAsync(Base, ct))).Count);
    }
}
