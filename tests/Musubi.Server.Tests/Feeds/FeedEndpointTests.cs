using System.Net.Http.Json;
using System.Text;
using Musubi.Infrastructure.Feeds;
using Musubi.Testing;
using static Musubi.Server.Tests.Who;

namespace Musubi.Server.Tests.Feeds;

/// <summary>Every feed endpoint for every kind of principal: only platform administrators (and the national SOC) get through.</summary>
public sealed class FeedEndpointTests(Principals p) : IClassFixture<Principals>
{
    private static int _counter;

    private static string Unique(string prefix) => $"{prefix}-{Interlocked.Increment(ref _counter)}";

    private async Task Check(Func<Task<HttpRequestMessage>> make, int ok, params Who[] allowed)
    {
        var mismatches = new List<string>();
        foreach (var who in Principals.Everyone)
        {
            using var request = await make();
            using var response = await p[who].SendAsync(request, TestContext.Current.CancellationToken);
            var expected = who == Anonymous ? 401 : allowed.Contains(who) ? ok : 403;
            if ((int)response.StatusCode != expected)
            {
                mismatches.Add($"{who}: {request.Method} {request.RequestUri} expected {expected}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }

        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    private static Task<HttpRequestMessage> Req(HttpMethod method, string path, object? body = null) =>
        Task.FromResult(new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body, options: Principals.Json) });

    private static Task<HttpRequestMessage> Raw(HttpMethod method, string path, string body) =>
        Task.FromResult(new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, "text/csv") });

    private async Task<T> AdminPost<T>(string path, object body) =>
        await MusubiServer.ReadAsync<T>(await p[Admin].PostAsJsonAsync(path, body, Principals.Json));

    private Task<FeedSourceDto> FreshSourceAsync() => AdminPost<FeedSourceDto>("/api/v1/feeds/sources", new FeedSourceInput(Unique("src"), null, "upload", null, null, true));

    private Task<FeedRecipientDto> FreshRecipientAsync() =>
        AdminPost<FeedRecipientDto>("/api/v1/feeds/recipients", new FeedRecipientInput(Unique("rcpt"), null, "abuse@example.jp", "en", 3600, true));

    [Fact]
    public async Task Sources_are_managed_by_platform_admins_only()
    {
        await Check(() => Req(HttpMethod.Get, "/api/v1/feeds/sources"), 200, Admin);
        await Check(() => Req(HttpMethod.Post, "/api/v1/feeds/sources", new FeedSourceInput(Unique("s"), "spamhaus-drop", "upload", null, null, true)), 201, Admin);
        await Check(async () => await Req(HttpMethod.Put, $"/api/v1/feeds/sources/{(await FreshSourceAsync()).Id}", new FeedSourceInput(Unique("s"), null, "upload", null, 60, false)), 200, Admin);
        await Check(async () => await Req(HttpMethod.Delete, $"/api/v1/feeds/sources/{(await FreshSourceAsync()).Id}"), 204, Admin);
    }

    [Fact]
    public async Task Run_now_is_for_platform_admins_only()
    {
        var folder = Directory.CreateTempSubdirectory("musubi-run-auth-").FullName;
        var source = await AdminPost<FeedSourceDto>("/api/v1/feeds/sources", new FeedSourceInput(Unique("drop"), "spamhaus-drop", "folder", folder, 3600, true));
        await Check(() => Req(HttpMethod.Post, $"/api/v1/feeds/sources/{source.Id}/run"), 200, Admin);
        await Check(() => Req(HttpMethod.Post, $"/api/v1/feeds/sources/{Guid.NewGuid()}/run"), 404, Admin);
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task Recipients_rules_and_settings_are_managed_by_platform_admins_only()
    {
        await Check(() => Req(HttpMethod.Get, "/api/v1/feeds/recipients"), 200, Admin);
        await Check(() => Req(HttpMethod.Post, "/api/v1/feeds/recipients", new FeedRecipientInput(Unique("r"), p.OrgA, "abuse@a.example.jp", "ja", 86400, true)), 201, Admin);
        await Check(async () => await Req(HttpMethod.Put, $"/api/v1/feeds/recipients/{(await FreshRecipientAsync()).Id}", new FeedRecipientInput(Unique("r"), null, "x@example.jp", "en", 60, true)), 200, Admin);
        await Check(async () => await Req(HttpMethod.Delete, $"/api/v1/feeds/recipients/{(await FreshRecipientAsync()).Id}"), 204, Admin);
        await Check(() => Req(HttpMethod.Get, "/api/v1/feeds/rules"), 200, Admin);
        await Check(async () => await Req(HttpMethod.Post, "/api/v1/feeds/rules", new FeedRuleInput(0, null, 64500, null, null, null, (await FreshRecipientAsync()).Id, false, null)), 201, Admin);
        await Check(async () =>
        {
            var rule = await AdminPost<FeedRuleDto>("/api/v1/feeds/rules", new FeedRuleInput(0, null, null, "vulnerable", null, null, null, true, null));
            return await Req(HttpMethod.Delete, $"/api/v1/feeds/rules/{rule.Id}");
        }, 204, Admin);
        await Check(() => Req(HttpMethod.Get, "/api/v1/feeds/settings"), 200, Admin);
        await Check(() => Req(HttpMethod.Put, "/api/v1/feeds/settings", new FeedSettingsDto(["SourceAddress", "Type", "FeedName"], 86400)), 200, Admin);
        await Check(() => Req(HttpMethod.Get, "/api/v1/feeds/prefix-tables"), 200, Admin);
        await Check(() => Raw(HttpMethod.Put, "/api/v1/feeds/prefix-tables/pyasn?fileName=ipasn.dat", "192.0.2.0/24\t64500\n"), 200, Admin);
    }

    [Fact]
    public async Task Files_and_reports_are_for_platform_admins_only()
    {
        var source = await FreshSourceAsync();
        await Check(() => Raw(HttpMethod.Post, $"/api/v1/feeds/{source.Name}/files?name=drop.txt", "; Spamhaus DROP\n192.0.2.0/24 ; SBL1\n"), 202, Admin);
        var file = await MusubiServer.ReadAsync<FeedFileDto>(await p[Admin].PostAsync($"/api/v1/feeds/{source.Name}/files?name=drop.txt", new StringContent("192.0.2.0/24 ; SBL1\n")));
        await Check(() => Req(HttpMethod.Get, $"/api/v1/feeds/files/{file.Id}"), 200, Admin);
        await Check(() => Req(HttpMethod.Get, "/api/v1/feeds/reports?state=held"), 200, Admin);
        await Check(() => Req(HttpMethod.Post, $"/api/v1/feeds/reports/{Guid.NewGuid()}/release"), 404, Admin);
        await Check(() => Req(HttpMethod.Post, $"/api/v1/feeds/reports/{Guid.NewGuid()}/mark-sent"), 404, Admin);
        await Check(() => Req(HttpMethod.Get, $"/api/v1/feeds/reports/{Guid.NewGuid()}/rows"), 404, Admin);
    }

    [Fact]
    public async Task Bad_input_is_answered_precisely()
    {
        var source = await FreshSourceAsync();
        var tooBig = await p[Admin].PostAsync($"/api/v1/feeds/{source.Name}/files?name=x.csv", new ByteArrayContent(new byte[64 * 1024 * 1024 + 1]));
        Assert.Equal(413, (int)tooBig.StatusCode);
        Assert.Equal(404, (int)(await p[Admin].PostAsync("/api/v1/feeds/no-such-source/files?name=x.csv", new StringContent("x"))).StatusCode);
        var bad = await p[Admin].PostAsJsonAsync("/api/v1/feeds/recipients", new FeedRecipientInput("ok-name", null, "not an address", "fr", 0, true), Principals.Json);
        Assert.Equal(400, (int)bad.StatusCode);
        var problem = await bad.Content.ReadAsStringAsync();
        Assert.Contains("\"email\"", problem);
        Assert.Contains("\"language\"", problem);
        Assert.Contains("\"intervalSeconds\"", problem);
        var table = await p[Admin].PutAsync("/api/v1/feeds/prefix-tables/rir?fileName=delegated-apnic-latest", new StringContent("apnic|JP|ipv4|1.0.16.0|zero|20110412|allocated\n"));
        Assert.Equal(400, (int)table.StatusCode);
        Assert.Contains("delegated-apnic-latest:1:", await table.Content.ReadAsStringAsync());
    }
}
