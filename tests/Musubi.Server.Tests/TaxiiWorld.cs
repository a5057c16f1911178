using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Identity;
using Musubi.Testing;

namespace Musubi.Server.Tests;

/// <summary>
/// A server per database provider, set up once for the TAXII conformance tests: organisations A and B share a trust
/// group; C is an outsider. Each has an analyst (intel read and write); A also has a read-only user and a token without
/// intel scopes. Clients send the TAXII Accept header.
/// </summary>
public sealed class TaxiiWorld : IAsyncDisposable
{
    public const string Accept = "application/taxii+json;version=2.1";
    public const string Root = "/taxii2/api/";

    private TaxiiWorld(MusubiServer server) => Server = server;

    public MusubiServer Server { get; }
    public HttpClient AnalystA { get; private set; } = null!;
    public HttpClient AnalystB { get; private set; } = null!;
    public HttpClient AnalystC { get; private set; } = null!;
    public HttpClient ReadOnlyA { get; private set; } = null!;
    public HttpClient NoIntelA { get; private set; } = null!;
    public HttpClient Anonymous { get; private set; } = null!;
    public Guid Community { get; private set; }
    public string AnalystAName => "taxii-analyst-a";
    public string AnalystASecret { get; private set; } = null!;
    public Guid AnalystBUserId { get; private set; }

    public static async Task<TaxiiWorld> StartAsync(DatabaseProvider provider, PostgresServer postgres)
    {
        var world = new TaxiiWorld(await MusubiServer.StartAsync(provider, postgres));
        await world.SetUpAsync();
        return world;
    }

    private async Task SetUpAsync()
    {
        var admin = await Server.SignInAsync("admin", MusubiServer.AdminPassword);
        var a = (await Principals.CreateOrgAsync(admin, "TAXII A")).Id;
        var b = (await Principals.CreateOrgAsync(admin, "TAXII B")).Id;
        var c = (await Principals.CreateOrgAsync(admin, "TAXII C")).Id;
        var community = await MusubiServer.ReadAsync<JsonElement>(await admin.PostAsJsonAsync("/api/v1/communities",
            new { slug = "taxii-tg", kind = "trust-group", nameEn = "TAXII trust group" }, Principals.Json));
        Community = community.GetProperty("id").GetGuid();
        foreach (var org in new[] { a, b })
        {
            (await admin.PostAsJsonAsync("/api/v1/communities/taxii-tg/members", new { organisationId = org })).EnsureSuccessStatusCode();
        }

        AnalystASecret = await TokenAsync(admin, await UserAsync(admin, AnalystAName, a, Role.Analyst), [Scopes.IntelRead, Scopes.IntelWrite]);
        AnalystA = Client("Bearer", AnalystASecret);
        var bUser = await UserAsync(admin, "taxii-analyst-b", b, Role.Analyst);
        AnalystBUserId = bUser;
        AnalystB = Client("Bearer", await TokenAsync(admin, bUser, [Scopes.IntelRead, Scopes.IntelWrite]));
        AnalystC = Client("Bearer", await TokenAsync(admin, await UserAsync(admin, "taxii-analyst-c", c, Role.Analyst), [Scopes.IntelRead, Scopes.IntelWrite]));
        ReadOnlyA = Client("Bearer", await TokenAsync(admin, await UserAsync(admin, "taxii-reader-a", a, Role.ReadOnly), [Scopes.IntelRead]));
        NoIntelA = Client("Bearer", await TokenAsync(admin, await UserAsync(admin, "taxii-directory-a", a, Role.Analyst), [Scopes.ConstituencyRead]));
        Anonymous = Client(null, null);
        admin.Dispose();
    }

    public HttpClient Client(string? scheme, string? credentials)
    {
        var client = Server.Anonymous();
        client.DefaultRequestHeaders.Accept.ParseAdd(Accept);
        if (scheme is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(scheme, credentials);
        }

        return client;
    }

    public static string Basic(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));

    private static async Task<Guid> UserAsync(HttpClient admin, string name, Guid org, Role role) =>
        (await MusubiServer.ReadAsync<UserDto>(await admin.PostAsJsonAsync("/api/v1/users",
            new UserInput(name, null, null, org, role, Principals.UserPassword), Principals.Json))).Id;

    private static async Task<string> TokenAsync(HttpClient admin, Guid user, string[] scopes) =>
        (await MusubiServer.ReadAsync<CreatedToken>(await admin.PostAsJsonAsync("/api/v1/tokens",
            new TokenInput("taxii", scopes, 30, user), Principals.Json))).Secret;

    public async ValueTask DisposeAsync()
    {
        foreach (var c in new[] { AnalystA, AnalystB, AnalystC, ReadOnlyA, NoIntelA, Anonymous })
        {
            c?.Dispose();
        }

        await Server.DisposeAsync();
    }
}

/// <summary>One <see cref="TaxiiWorld"/> per provider for the whole test run, made on first use.</summary>
public sealed class TaxiiWorlds : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<DatabaseProvider, TaxiiWorld> _worlds = [];

    public async Task<TaxiiWorld> GetAsync(DatabaseProvider provider, PostgresServer postgres)
    {
        await _gate.WaitAsync();
        try
        {
            if (!_worlds.TryGetValue(provider, out var world))
            {
                _worlds[provider] = world = await TaxiiWorld.StartAsync(provider, postgres);
            }

            return world;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var w in _worlds.Values)
        {
            await w.DisposeAsync();
        }

        _gate.Dispose();
    }
}

/// <summary>STIX objects for the TAXII tests: each call a fresh id.</summary>
public static class TaxiiObjects
{
    public static string NewId(string type = "indicator") => $"{type}--{Guid.NewGuid()}";

    public static string Indicator(string id, string modified = "2024-05-01T10:00:00.000Z", string? marking = null, string? value = null) =>
        $$"""{"type":"indicator","spec_version":"2.1","id":"{{id}}","created":"2024-05-01T10:00:00.000Z","modified":"{{modified}}","name":"taxii test","pattern":"[domain-name:value = '{{value ?? Guid.NewGuid().ToString("N") + ".example"}}']","pattern_type":"stix","valid_from":"2024-05-01T10:00:00Z"{{(marking is null ? "" : $",\"object_marking_refs\":[\"{marking}\"]")}}}""";

    public static string Malware(string id) =>
        $$"""{"type":"malware","spec_version":"2.1","id":"{{id}}","created":"2024-05-01T10:00:00.000Z","modified":"2024-05-01T10:00:00.000Z","name":"m","is_family":false}""";

    public static StringContent Envelope(params string[] objects) =>
        new($"{{\"objects\":[{string.Join(',', objects)}]}}", Encoding.UTF8, new MediaTypeHeaderValue("application/taxii+json") { Parameters = { new NameValueHeaderValue("version", "2.1") } });
}

public static class TaxiiAssert
{
    /// <summary>TAXII 2.1 §3.6.1: an error message in the TAXII media type, http_status equal to the HTTP status.</summary>
    public static async Task Error(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/taxii+json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonDocument.Parse(text).RootElement;
        Assert.False(string.IsNullOrEmpty(error.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("description").GetString()));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("error_code").GetString()));
        Assert.Equal(((int)expected).ToString(System.Globalization.CultureInfo.InvariantCulture), error.GetProperty("http_status").GetString());
    }
}
