using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Musubi.Testing;

[assembly: AssemblyFixture(typeof(Musubi.Server.Tests.TaxiiWorlds))]

namespace Musubi.Server.Tests;

/// <summary>TAXII 2.1 conformance: discovery, API root, content negotiation, authentication and errors (§1.6, §3.1, §3.6, §4).</summary>
public sealed class TaxiiServerInformationTests(PostgresServer postgres, TaxiiWorlds worlds)
{
    private Task<TaxiiWorld> World(DatabaseProvider provider) => worlds.GetAsync(provider, postgres);

    // TAXII 2.1 §4.1, §4.1.1
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task S4_1_discovery_names_the_server_and_its_default_api_root(DatabaseProvider provider)
    {
        var w = await World(provider);
        var response = await w.AnalystA.GetAsync("/taxii2/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TaxiiWorld.Accept, response.Content.Headers.ContentType!.ToString().Replace(" ", "", StringComparison.Ordinal));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(string.IsNullOrEmpty(body.GetProperty("title").GetString()));
        var roots = body.GetProperty("api_roots").EnumerateArray().Select(r => r.GetString()).ToList();
        Assert.Equal(["/taxii2/api/"], roots);
        Assert.Contains(body.GetProperty("default").GetString(), roots);
    }

    // TAXII 2.1 §4.2, §4.2.1
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task S4_2_the_api_root_supports_taxii_2_1_and_states_max_content_length(DatabaseProvider provider)
    {
        var w = await World(provider);
        var body = await w.AnalystA.GetFromJsonAsync<JsonElement>(TaxiiWorld.Root);

        Assert.Contains("application/taxii+json;version=2.1", body.GetProperty("versions").EnumerateArray().Select(v => v.GetString()));
        Assert.True(body.GetProperty("max_content_length").GetInt64() > 0);
        Assert.False(string.IsNullOrEmpty(body.GetProperty("title").GetString()));
    }

    // TAXII 2.1 §1.6.8.2: plain application/taxii+json means the latest version the server supports; §3.1: the response
    // carries the media type with the version parameter.
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task S1_6_8_a_plain_taxii_accept_is_served_with_the_versioned_media_type(DatabaseProvider provider)
    {
        var w = await World(provider);
        using var request = new HttpRequestMessage(HttpMethod.Get, TaxiiWorld.Root + "collections/");
        request.Headers.Accept.Clear();
        request.Headers.TryAddWithoutValidation("Accept", "application/taxii+json");
        using var client = w.Client("Bearer", w.AnalystASecret);
        client.DefaultRequestHeaders.Accept.Clear();

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/taxii+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("2.1", response.Content.Headers.ContentType.Parameters.Single(p => p.Name == "version").Value);
    }

    // TAXII 2.1 §3.1 (a request without a TAXII media range may get 406), §3.6.1 (the error message)
    [Theory]
    [InlineData(DatabaseProvider.Sqlite, "application/json")]
    [InlineData(DatabaseProvider.Sqlite, "application/taxii+json;version=2.0")]
    [InlineData(DatabaseProvider.Sqlite, "application/stix+json;version=2.1")]
    [InlineData(DatabaseProvider.Postgres, "*/*")]
    [InlineData(DatabaseProvider.Postgres, "text/html")]
    public async Task S3_1_other_accept_headers_get_406_as_a_taxii_error(DatabaseProvider provider, string accept)
    {
        var w = await World(provider);
        using var client = w.Client("Bearer", w.AnalystASecret);
        client.DefaultRequestHeaders.Accept.Clear();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Accept", accept);

        var response = await client.GetAsync(TaxiiWorld.Root);

        await TaxiiAssert.Error(response, HttpStatusCode.NotAcceptable);
    }

    // TAXII 2.1 §1.6.9: without acceptable credentials, 401 and a WWW-Authenticate challenge, on every endpoint and method
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task S1_6_9_anonymous_and_bad_credentials_get_401_with_www_authenticate_everywhere(DatabaseProvider provider)
    {
        var w = await World(provider);
        var collection = w.Community;
        var objectId = TaxiiObjects.NewId();
        var requests = new (HttpMethod Method, string Path)[]
        {
            (HttpMethod.Get, "/taxii2/"),
            (HttpMethod.Get, TaxiiWorld.Root),
            (HttpMethod.Get, $"{TaxiiWorld.Root}status/{Guid.NewGuid()}/"),
            (HttpMethod.Get, $"{TaxiiWorld.Root}collections/"),
            (HttpMethod.Get, $"{TaxiiWorld.Root}collections/{collection}/"),
            (HttpMethod.Get, $"{TaxiiWorld.Root}collections/{collection}/manifest/"),
            (HttpMethod.Get, $"{TaxiiWorld.Root}collections/{collection}/objects/"),
            (HttpMethod.Post, $"{TaxiiWorld.Root}collections/{collection}/objects/"),
            (HttpMethod.Get, $"{TaxiiWorld.Root}collections/{collection}/objects/{objectId}/"),
            (HttpMethod.Delete, $"{TaxiiWorld.Root}collections/{collection}/objects/{objectId}/"),
            (HttpMethod.Get, $"{TaxiiWorld.Root}collections/{collection}/objects/{objectId}/versions/"),
        };
        using var wrongBasicUser = w.Client("Basic", TaxiiWorld.Basic("somebody-else", w.AnalystASecret));
        using var unknownToken = w.Client("Bearer", "msb_not-a-token");
        foreach (var client in new[] { w.Anonymous, wrongBasicUser, unknownToken })
        {
            foreach (var (method, path) in requests)
            {
                using var request = new HttpRequestMessage(method, path);
                if (method == HttpMethod.Post)
                {
                    request.Content = TaxiiObjects.Envelope(TaxiiObjects.Indicator(objectId));
                }

                var response = await client.SendAsync(request);
                await TaxiiAssert.Error(response, HttpStatusCode.Unauthorized);
                Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Basic");
            }
        }
    }

    // TAXII 2.1 §1.6.9: HTTP Basic, the suggested scheme: the user name and an API token as the password
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task S1_6_9_http_basic_with_the_user_name_and_an_api_token_is_accepted(DatabaseProvider provider)
    {
        var w = await World(provider);
        using var basic = w.Client("Basic", TaxiiWorld.Basic(w.AnalystAName.ToUpperInvariant(), w.AnalystASecret));

        var response = await basic.GetAsync(TaxiiWorld.Root + "collections/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    // TAXII 2.1 §4.3: a status id unknown to the caller (or another organisation's) is 404
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task S4_3_a_status_is_readable_by_its_requesters_organisation_only(DatabaseProvider provider)
    {
        var w = await World(provider);
        var post = await w.AnalystA.PostAsync($"{TaxiiWorld.Root}collections/organisation/objects/", TaxiiObjects.Envelope(TaxiiObjects.Indicator(TaxiiObjects.NewId())));
        var status = await post.Content.ReadFromJsonAsync<JsonElement>();
        var path = $"{TaxiiWorld.Root}status/{status.GetProperty("id").GetString()}/";

        var mine = await w.AnalystA.GetFromJsonAsync<JsonElement>(path);
        Assert.Equal("complete", mine.GetProperty("status").GetString());
        Assert.Equal(1, mine.GetProperty("success_count").GetInt32());
        await TaxiiAssert.Error(await w.AnalystB.GetAsync(path), HttpStatusCode.NotFound);
        await TaxiiAssert.Error(await w.AnalystC.GetAsync(path), HttpStatusCode.NotFound);
        await TaxiiAssert.Error(await w.AnalystA.GetAsync($"{TaxiiWorld.Root}status/{Guid.NewGuid()}/"), HttpStatusCode.NotFound);
    }
}
