using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Musubi.Core.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Sharing;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Intelligence;
using Musubi.Infrastructure.Identity;
using Musubi.Testing;

namespace Musubi.Server.Tests;

/// <summary>
/// Two real Musubi servers per database provider: the partner ("remote", on a free loopback port, serving its own
/// TAXII 2.1 at /taxii2/) and us ("local", whose federation runner talks to the remote over real HTTP). The local
/// scheduler is off (runs are "pull now"/"push now"), pages are 2 objects so pagination is exercised.
/// </summary>
public sealed class FederationServers : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<DatabaseProvider, FederationPair> _pairs = [];

    /// <summary>The local folder the local servers may read MISP feeds from (Musubi:Federation:FeedFolders).</summary>
    public string FeedRoot { get; } = Directory.CreateTempSubdirectory("musubi-feeds-").FullName;

    public async Task<FederationPair> GetAsync(DatabaseProvider provider, PostgresServer postgres)
    {
        await _gate.WaitAsync();
        try
        {
            if (!_pairs.TryGetValue(provider, out var pair))
            {
                var remote = await MusubiServer.StartListeningAsync(provider, postgres);
                var local = await MusubiServer.StartAsync(provider, postgres, new Dictionary<string, string>
                {
                    ["Musubi:Federation:Scheduler"] = "false",
                    ["Musubi:Federation:PageSize"] = "2",
                    ["Musubi:Federation:StatusPollDelay"] = "00:00:00.050",
                    ["Musubi:Federation:FeedFolders:0"] = FeedRoot,
                });
                _pairs[provider] = pair = new FederationPair(remote, local,
                    await remote.SignInAsync("admin", MusubiServer.AdminPassword), await local.SignInAsync("admin", MusubiServer.AdminPassword));
            }

            return pair;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var pair in _pairs.Values)
        {
            pair.RemoteAdmin.Dispose();
            pair.LocalAdmin.Dispose();
            await pair.Local.DisposeAsync();
            await pair.Remote.DisposeAsync();
        }

        Directory.Delete(FeedRoot, recursive: true);
    }
}

public sealed record FederationPair(MusubiServer Remote, MusubiServer Local, HttpClient RemoteAdmin, HttpClient LocalAdmin)
{
    private static int _counter;

    public static string Unique(string prefix) => $"{prefix}-{Interlocked.Increment(ref _counter)}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 14, 60)];

    public string RemoteApiRoot => new Uri(Remote.BaseAddress!, "taxii2/api/").ToString();

    /// <summary>A fresh organisation at the remote with an analyst; the user name, its token and a TAXII client.</summary>
    public async Task<(string User, string Token, HttpClient Taxii)> RemoteAnalystAsync()
    {
        var org = (await Principals.CreateOrgAsync(RemoteAdmin, Unique("Partner CSIRT"))).Id;
        var name = Unique("remote-analyst");
        var token = await TokenAsync(RemoteAdmin, await UserAsync(RemoteAdmin, name, org, Role.Analyst), [Scopes.IntelRead, Scopes.IntelWrite]);
        var client = Remote.Anonymous();
        client.DefaultRequestHeaders.Accept.ParseAdd(TaxiiWorld.Accept);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (name, token, client);
    }

    public async Task<Guid> LocalCommunityAsync(params Guid[] members)
    {
        var slug = Unique("fed-tg").ToLowerInvariant();
        var community = await MusubiServer.ReadAsync<JsonElement>(await LocalAdmin.PostAsJsonAsync("/api/v1/communities",
            new { slug, kind = "trust-group", nameEn = "Federation " + slug }, Principals.Json));
        foreach (var org in members)
        {
            (await LocalAdmin.PostAsJsonAsync($"/api/v1/communities/{slug}/members", new { organisationId = org })).EnsureSuccessStatusCode();
        }

        return community.GetProperty("id").GetGuid();
    }

    public async Task<Guid> LocalOrgAsync() => (await Principals.CreateOrgAsync(LocalAdmin, Unique("Local org"))).Id;

    /// <summary>An analyst of a local organisation with intel:read and intel:write.</summary>
    public async Task<HttpClient> LocalAnalystAsync(Guid org)
    {
        var token = await TokenAsync(LocalAdmin, await UserAsync(LocalAdmin, Unique("local-analyst"), org, Role.Analyst), [Scopes.IntelRead, Scopes.IntelWrite]);
        return Local.WithToken(token);
    }

    public async Task<JsonElement> CreatePartnerAsync(object input)
    {
        var response = await LocalAdmin.PostAsJsonAsync("/api/v1/federation/partners", input, Principals.Json);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<JsonElement> RunAsync(JsonElement partner, string what)
    {
        var response = await LocalAdmin.PostAsync($"/api/v1/federation/partners/{partner.GetProperty("id").GetGuid()}/{what}", null);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<JsonElement> PartnerAsync(JsonElement partner) =>
        await MusubiServer.ReadAsync<JsonElement>(await LocalAdmin.GetAsync($"/api/v1/federation/partners/{partner.GetProperty("id").GetGuid()}"));

    public static async Task AddRemoteAsync(HttpClient taxii, string collection, params string[] objects)
    {
        var response = await taxii.PostAsync($"{TaxiiWorld.Root}collections/{collection}/objects/", TaxiiObjects.Envelope(objects));
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var status = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(objects.Length, status.GetProperty("success_count").GetInt32());
    }

    public static async Task<HashSet<string>> RemoteIdsAsync(HttpClient taxii, string collection)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        string? next = null;
        do
        {
            var url = $"{TaxiiWorld.Root}collections/{collection}/objects/?limit=1000" + (next is null ? "" : $"&next={Uri.EscapeDataString(next)}");
            var page = await MusubiServer.ReadAsync<JsonElement>(await taxii.GetAsync(url));
            if (page.TryGetProperty("objects", out var objects))
            {
                ids.UnionWith(objects.EnumerateArray().Select(o => o.GetProperty("id").GetString()!));
            }

            next = page.TryGetProperty("more", out var more) && more.GetBoolean() ? page.GetProperty("next").GetString() : null;
        }
        while (next is not null);

        return ids;
    }

    public static async Task<string> PublishLocalAsync(HttpClient analyst, string tlp, Guid? community, string? id = null)
    {
        id ??= TaxiiObjects.NewId();
        var bundle = $"{{\"type\":\"bundle\",\"id\":\"bundle--{Guid.NewGuid()}\",\"objects\":[{TaxiiObjects.Indicator(id)}]}}";
        var url = $"/api/v1/intel/objects?tlp={tlp}" + (community is { } c ? $"&community={c}" : "");
        var response = await analyst.PostAsync(url, new StringContent(bundle, Encoding.UTF8, "application/stix+json"));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return id;
    }

    private static async Task<Guid> UserAsync(HttpClient admin, string name, Guid org, Role role) =>
        (await MusubiServer.ReadAsync<UserDto>(await admin.PostAsJsonAsync("/api/v1/users",
            new UserInput(name, null, null, org, role, Principals.UserPassword), Principals.Json))).Id;

    private static async Task<string> TokenAsync(HttpClient admin, Guid user, string[] scopes) =>
        (await MusubiServer.ReadAsync<CreatedToken>(await admin.PostAsJsonAsync("/api/v1/tokens",
            new TokenInput("federation", scopes, 30, user), Principals.Json))).Secret;
}

/// <summary>Issue 3, federation: pull from and push to a real TAXII 2.1 server, the per-partner TLP ceiling when serving.</summary>
public sealed class FederationTests(PostgresServer postgres, FederationServers servers) : IClassFixture<FederationServers>
{
    private Task<FederationPair> Pair(DatabaseProvider provider) => servers.GetAsync(provider, postgres);

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Pull_imports_what_was_added_at_the_partner_then_only_newer_objects_and_records_a_remote_error(DatabaseProvider provider)
    {
        var f = await Pair(provider);
        var (remoteUser, remoteToken, remote) = await f.RemoteAnalystAsync();
        var unmarked = TaxiiObjects.NewId();
        var green = TaxiiObjects.NewId();
        var third = TaxiiObjects.NewId();
        await FederationPair.AddRemoteAsync(remote, "organisation",
            TaxiiObjects.Indicator(unmarked), TaxiiObjects.Indicator(green, marking: TlpMarkings.GreenId), TaxiiObjects.Indicator(third));

        var member = await f.LocalOrgAsync();
        var outsider = await f.LocalOrgAsync();
        var community = await f.LocalCommunityAsync(member);
        using var memberAnalyst = await f.LocalAnalystAsync(member);
        using var outsiderAnalyst = await f.LocalAnalystAsync(outsider);
        var partner = await f.CreatePartnerAsync(new
        {
            name = FederationPair.Unique("Partner TAXII"), kind = "taxii", url = f.RemoteApiRoot, collectionId = "organisation",
            auth = "basic", userName = remoteUser, secret = remoteToken, direction = "pull", defaultTlp = "amber", ceiling = "green",
            communities = new[] { community }, intervalMinutes = 60,
        });

        // Three objects, two to a page: the runner follows more/next.
        var first = await f.RunAsync(partner, "pull");
        Assert.True(!first.TryGetProperty("error", out _), first.ToString());
        Assert.Equal(3, first.GetProperty("objects").GetInt32());
        Assert.Equal(0, first.GetProperty("failures").GetArrayLength());
        var afterFirst = await f.PartnerAsync(partner);
        var checkpoint = afterFirst.GetProperty("status").GetProperty("pullCheckpoint").GetString();
        Assert.False(string.IsNullOrEmpty(checkpoint));
        Assert.Equal(3, afterFirst.GetProperty("status").GetProperty("objectsPulled").GetInt64());

        // Unmarked objects get the partner's default TLP and its communities; a marked one keeps its TLP.
        var stored = await memberAnalyst.GetAsync($"/api/v1/intel/objects/{unmarked}");
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        Assert.Equal("TLP:AMBER", stored.Headers.GetValues("X-Musubi-Tlp").Single());
        var storedGreen = await memberAnalyst.GetAsync($"/api/v1/intel/objects/{green}");
        Assert.Equal(HttpStatusCode.OK, storedGreen.StatusCode);
        Assert.Equal("TLP:GREEN", storedGreen.Headers.GetValues("X-Musubi-Tlp").Single());
        Assert.Equal(HttpStatusCode.NotFound, (await outsiderAnalyst.GetAsync($"/api/v1/intel/objects/{unmarked}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await outsiderAnalyst.GetAsync($"/api/v1/intel/objects/{green}")).StatusCode);

        // A second pull asks with added_after = the checkpoint: only the object added since comes.
        var fourth = TaxiiObjects.NewId();
        await FederationPair.AddRemoteAsync(remote, "organisation", TaxiiObjects.Indicator(fourth));
        var second = await f.RunAsync(partner, "pull");
        Assert.Equal(1, second.GetProperty("objects").GetInt32());
        Assert.Equal(0, second.GetProperty("duplicates").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await memberAnalyst.GetAsync($"/api/v1/intel/objects/{fourth}")).StatusCode);
        var afterSecond = await f.PartnerAsync(partner);
        Assert.NotEqual(checkpoint, afterSecond.GetProperty("status").GetProperty("pullCheckpoint").GetString());
        var lastSuccess = afterSecond.GetProperty("status").GetProperty("lastSuccessAt").GetDateTimeOffset();

        // A remote error (an unknown collection: TAXII 404) is recorded with the remote's message; nothing moves.
        var update = await f.LocalAdmin.PutAsJsonAsync($"/api/v1/federation/partners/{partner.GetProperty("id").GetGuid()}",
            new { collectionId = "no-such-collection" }, Principals.Json);
        Assert.True(update.IsSuccessStatusCode, await update.Content.ReadAsStringAsync());
        var failed = await f.RunAsync(partner, "pull");
        Assert.Contains("404", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        var afterError = await f.PartnerAsync(partner);
        var status = afterError.GetProperty("status");
        Assert.Contains("HTTP 404", status.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Contains("no collection 'no-such-collection'", status.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Equal(lastSuccess, status.GetProperty("lastSuccessAt").GetDateTimeOffset());
        Assert.Equal(afterSecond.GetProperty("status").GetProperty("pullCheckpoint").GetString(), status.GetProperty("pullCheckpoint").GetString());
        Assert.Equal(4, status.GetProperty("objectsPulled").GetInt64());
        // The secret never comes back.
        Assert.DoesNotContain(remoteToken, afterError.ToString(), StringComparison.Ordinal);
        Assert.True(afterError.GetProperty("hasSecret").GetBoolean());
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Push_sends_what_the_partner_may_see_under_its_ceiling_and_never_an_object_above_it(DatabaseProvider provider)
    {
        var f = await Pair(provider);
        var (_, remoteToken, remote) = await f.RemoteAnalystAsync();
        var partnerOrg = await f.LocalOrgAsync();
        var publisherOrg = await f.LocalOrgAsync();
        var community = await f.LocalCommunityAsync(partnerOrg, publisherOrg);
        var elsewhere = await f.LocalCommunityAsync(partnerOrg, publisherOrg);
        using var publisher = await f.LocalAnalystAsync(publisherOrg);
        var greenId = await FederationPair.PublishLocalAsync(publisher, "green", community);
        var amberId = await FederationPair.PublishLocalAsync(publisher, "amber", community);
        var outsideAgreement = await FederationPair.PublishLocalAsync(publisher, "green", elsewhere);
        var partner = await f.CreatePartnerAsync(new
        {
            name = FederationPair.Unique("Partner push"), organisationId = partnerOrg, kind = "taxii", url = f.RemoteApiRoot,
            collectionId = "organisation", auth = "bearer", secret = remoteToken, direction = "push", ceiling = "green",
            communities = new[] { community },
        });

        var pushed = await f.RunAsync(partner, "push");
        Assert.True(!pushed.TryGetProperty("error", out _), pushed.ToString());
        Assert.True(pushed.GetProperty("objects").GetInt32() >= 1);
        var atRemote = await FederationPair.RemoteIdsAsync(remote, "organisation");
        Assert.Contains(greenId, atRemote);
        Assert.DoesNotContain(amberId, atRemote);
        Assert.DoesNotContain(outsideAgreement, atRemote);

        // Only what was added since the push checkpoint goes next time.
        var later = await FederationPair.PublishLocalAsync(publisher, "green", community);
        var laterAmber = await FederationPair.PublishLocalAsync(publisher, "amber", community);
        var again = await f.RunAsync(partner, "push");
        Assert.Equal(1, again.GetProperty("objects").GetInt32());
        atRemote = await FederationPair.RemoteIdsAsync(remote, "organisation");
        Assert.Contains(later, atRemote);
        Assert.DoesNotContain(laterAmber, atRemote);
        var status = (await f.PartnerAsync(partner)).GetProperty("status");
        Assert.True(status.GetProperty("pushCheckpoint").GetInt64() > 0);
        Assert.True(status.GetProperty("objectsPushed").GetInt64() >= 2);
    }

    /// <summary>
    /// A row that commits after a row with a higher id was pushed (PostgreSQL takes ids at insert, so a slow transaction
    /// does this): simulated by taking a published row out of the store before the push (its id is then a gap, as while
    /// its transaction is open) and putting it back, with its id, afterwards (the late commit). It must still be pushed.
    /// </summary>
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Push_sends_a_row_that_committed_after_a_higher_id_was_already_pushed(DatabaseProvider provider)
    {
        var f = await Pair(provider);
        var ct = TestContext.Current.CancellationToken;
        var (_, remoteToken, remote) = await f.RemoteAnalystAsync();
        var partnerOrg = await f.LocalOrgAsync();
        var publisherOrg = await f.LocalOrgAsync();
        var community = await f.LocalCommunityAsync(partnerOrg, publisherOrg);
        using var publisher = await f.LocalAnalystAsync(publisherOrg);
        var partner = await f.CreatePartnerAsync(new
        {
            name = FederationPair.Unique("Partner late"), organisationId = partnerOrg, kind = "taxii", url = f.RemoteApiRoot,
            collectionId = "organisation", auth = "bearer", secret = remoteToken, direction = "push", ceiling = "green",
            communities = new[] { community },
        });
        var first = await FederationPair.PublishLocalAsync(publisher, "green", community);
        Assert.True(!(await f.RunAsync(partner, "push")).TryGetProperty("error", out _));

        var late = await FederationPair.PublishLocalAsync(publisher, "green", community);
        var after = await FederationPair.PublishLocalAsync(publisher, "green", community);
        StixObjectEntity taken;
        await using (var scope = f.Local.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MusubiDbContext>();
            taken = await db.StixObjects.AsNoTracking().Include(x => x.Terms).SingleAsync(x => x.StixId == late, ct);
            Assert.True(await db.StixObjects.AnyAsync(x => x.StixId == after && x.Id > taken.Id, ct));
            await db.StixObjects.Where(x => x.Id == taken.Id).ExecuteDeleteAsync(ct);
        }

        var pushed = await f.RunAsync(partner, "push");
        Assert.True(!pushed.TryGetProperty("error", out _), pushed.ToString());
        var atRemote = await FederationPair.RemoteIdsAsync(remote, "organisation");
        Assert.Contains(after, atRemote);
        Assert.DoesNotContain(late, atRemote);
        // The checkpoint stays below the gap: the missing row may still commit.
        Assert.True((await f.PartnerAsync(partner)).GetProperty("status").GetProperty("pushCheckpoint").GetInt64() < taken.Id);

        // The late commit: the row appears with its lower id.
        await using (var scope = f.Local.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MusubiDbContext>();
            foreach (var term in taken.Terms)
            {
                term.Id = 0;
            }

            db.StixObjects.Add(taken);
            await db.SaveChangesAsync(ct);
        }

        var again = await f.RunAsync(partner, "push");
        Assert.True(!again.TryGetProperty("error", out _), again.ToString());
        atRemote = await FederationPair.RemoteIdsAsync(remote, "organisation");
        Assert.Contains(late, atRemote);
        Assert.Contains(first, atRemote);
        // Now that the gap is filled the checkpoint moves past it.
        Assert.True((await f.PartnerAsync(partner)).GetProperty("status").GetProperty("pushCheckpoint").GetInt64() > taken.Id);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Served_to_a_partner_organisation_nothing_above_its_ceiling_reaches_it_through_rest_or_taxii(DatabaseProvider provider)
    {
        var f = await Pair(provider);
        var partnerOrg = await f.LocalOrgAsync();
        var peerOrg = await f.LocalOrgAsync();
        var publisherOrg = await f.LocalOrgAsync();
        var community = await f.LocalCommunityAsync(partnerOrg, peerOrg, publisherOrg);
        using var publisher = await f.LocalAnalystAsync(publisherOrg);
        var greenId = await FederationPair.PublishLocalAsync(publisher, "green", community);
        var amberId = await FederationPair.PublishLocalAsync(publisher, "amber", community);
        using var partnerAnalyst = await f.LocalAnalystAsync(partnerOrg);
        using var peerAnalyst = await f.LocalAnalystAsync(peerOrg);

        // Before the agreement the partner's organisation, a community member, sees both.
        Assert.Equal(HttpStatusCode.OK, (await partnerAnalyst.GetAsync($"/api/v1/intel/objects/{amberId}")).StatusCode);

        await f.CreatePartnerAsync(new
        {
            name = FederationPair.Unique("Partner served"), organisationId = partnerOrg, kind = "taxii", url = f.RemoteApiRoot,
            collectionId = "organisation", direction = "pull", ceiling = "green", communities = new[] { community },
        });

        Assert.Equal(HttpStatusCode.OK, (await partnerAnalyst.GetAsync($"/api/v1/intel/objects/{greenId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await partnerAnalyst.GetAsync($"/api/v1/intel/objects/{amberId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await peerAnalyst.GetAsync($"/api/v1/intel/objects/{amberId}")).StatusCode);

        using var taxii = f.Local.Anonymous();
        taxii.DefaultRequestHeaders.Accept.ParseAdd(TaxiiWorld.Accept);
        taxii.DefaultRequestHeaders.Authorization = partnerAnalyst.DefaultRequestHeaders.Authorization;
        var page = await MusubiServer.ReadAsync<JsonElement>(await taxii.GetAsync(
            $"{TaxiiWorld.Root}collections/visible/objects/?match[id]={greenId},{amberId}"));
        var ids = page.GetProperty("objects").EnumerateArray().Select(o => o.GetProperty("id").GetString()).ToList();
        Assert.Equal([greenId], ids);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_misp_feed_pull_from_our_own_collection_as_a_feed_imports_its_events(DatabaseProvider provider)
    {
        var f = await Pair(provider);
        var (_, remoteToken, remote) = await f.RemoteAnalystAsync();
        var value = $"{Guid.NewGuid():N}.feed.example";
        var indicator = TaxiiObjects.NewId();
        var report = TaxiiObjects.NewId("report");
        await FederationPair.AddRemoteAsync(remote, "organisation", TaxiiObjects.Indicator(indicator, value: value),
            $$"""{"type":"report","spec_version":"2.1","id":"{{report}}","created":"2024-05-01T10:00:00.000Z","modified":"2024-05-01T10:00:00.000Z","name":"feed report","published":"2024-05-01T10:00:00Z","report_types":["threat-report"],"object_refs":["{{indicator}}"]}""");
        var member = await f.LocalOrgAsync();
        var community = await f.LocalCommunityAsync(member);
        using var memberAnalyst = await f.LocalAnalystAsync(member);
        var partner = await f.CreatePartnerAsync(new
        {
            name = FederationPair.Unique("Partner MISP"), kind = "misp-feed", url = new Uri(f.Remote.BaseAddress!, "api/v1/intel/misp-feed/organisation/").ToString(),
            auth = "bearer", secret = remoteToken, direction = "pull", defaultTlp = "amber", communities = new[] { community },
        });

        var pulled = await f.RunAsync(partner, "pull");
        Assert.True(!pulled.TryGetProperty("error", out _), pulled.ToString());
        Assert.True(pulled.GetProperty("objects").GetInt32() >= 1, pulled.ToString());
        var hits = await MusubiServer.ReadAsync<JsonElement>(await memberAnalyst.GetAsync($"/api/v1/intel/search?type=indicator&value={value}"));
        Assert.NotEmpty(hits.GetProperty("items").EnumerateArray());
        var checkpoint = (await f.PartnerAsync(partner)).GetProperty("status").GetProperty("pullCheckpoint").GetString();
        Assert.False(string.IsNullOrEmpty(checkpoint));

        // Again: the same event is at most fetched again as duplicates; nothing new is stored.
        var again = await f.RunAsync(partner, "pull");
        Assert.Equal(0, again.GetProperty("objects").GetInt32());
    }

    [Fact]
    public async Task Partner_input_is_checked_field_by_field_and_pushing_needs_the_partners_organisation()
    {
        var f = await Pair(DatabaseProvider.Sqlite);
        var response = await f.LocalAdmin.PostAsJsonAsync("/api/v1/federation/partners", new
        {
            name = FederationPair.Unique("Bad"), kind = "taxii", url = "ftp://example.org/x?y=1", direction = "push", auth = "basic",
        }, Principals.Json);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "url", "collectionId", "organisationId", "userName", "secret" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"{field} missing in {errors}");
        }

        var misp = await f.LocalAdmin.PostAsJsonAsync("/api/v1/federation/partners", new
        {
            name = FederationPair.Unique("Misp push"), kind = "misp-feed", url = "https://feed.example/misp/", direction = "both",
            organisationId = await f.LocalOrgAsync(),
        }, Principals.Json);
        Assert.Equal(HttpStatusCode.BadRequest, misp.StatusCode);
        Assert.Contains("direction", await misp.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
