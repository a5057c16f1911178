using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Musubi.Testing;

namespace Musubi.Server.Tests;

/// <summary>TAXII 2.1 conformance: collections (§5.1, §5.2) as communities and audiences, can_read/can_write per principal.</summary>
public sealed class TaxiiCollectionsTests(PostgresServer postgres, TaxiiWorlds worlds)
{
    private Task<TaxiiWorld> World(DatabaseProvider provider) => worlds.GetAsync(provider, postgres);

    private static async Task<List<JsonElement>> Collections(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>(TaxiiWorld.Root + "collections/")).GetProperty("collections").EnumerateArray().ToList();

    // TAXII 2.1 §5.1, §5.1.1, §5.2.1 (required properties), §3.3 (a consistent order)
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task S5_1_members_get_their_communitys_collection_and_outsiders_do_not(DatabaseProvider provider)
    {
        var w = await World(provider);
        var a = await Collections(w.AnalystA);
        var c = await Collections(w.AnalystC);

        foreach (var col in a.Concat(c))
        {
            Assert.True(Guid.TryParse(col.GetProperty("id").GetString(), out _));
            Assert.False(string.IsNullOrEmpty(col.GetProperty("title").GetString()));
            Assert.Equal(JsonValueKind.True, col.GetProperty("can_read").ValueKind);
            Assert.Contains("application/stix+json;version=2.1", col.GetProperty("media_types").EnumerateArray().Select(m => m.GetString()));
        }

        Assert.Contains(a, x => x.GetProperty("id").GetString() == w.Community.ToString());
        Assert.Contains(await Collections(w.AnalystB), x => x.GetProperty("id").GetString() == w.Community.ToString());
        Assert.DoesNotContain(c, x => x.GetProperty("id").GetString() == w.Community.ToString());
        Assert.Equal(["visible", "clear", "organisation"], c.Select(x => x.GetProperty("alias").GetString()));
        Assert.Equal(a.Select(x => x.GetProperty("id").GetString()), (await Collections(w.AnalystA)).Select(x => x.GetProperty("id").GetString()));
    }

    // TAXII 2.1 §5.2: an outsider asking for a community's collection gets 404, as for one that does not exist
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task S5_2_a_collection_by_id_or_alias_and_404_for_outsiders_and_unknown_ids(DatabaseProvider provider)
    {
        var w = await World(provider);
        var byId = await w.AnalystA.GetFromJsonAsync<JsonElement>($"{TaxiiWorld.Root}collections/{w.Community}/");
        var byAlias = await w.AnalystA.GetFromJsonAsync<JsonElement>($"{TaxiiWorld.Root}collections/community-taxii-tg/");

        Assert.Equal(w.Community.ToString(), byId.GetProperty("id").GetString());
        Assert.Equal(byId.ToString(), byAlias.ToString());
        Assert.True(byId.GetProperty("can_write").GetBoolean());
        await TaxiiAssert.Error(await w.AnalystC.GetAsync($"{TaxiiWorld.Root}collections/{w.Community}/"), HttpStatusCode.NotFound);
        await TaxiiAssert.Error(await w.AnalystC.GetAsync($"{TaxiiWorld.Root}collections/{w.Community}/objects/"), HttpStatusCode.NotFound);
        await TaxiiAssert.Error(await w.AnalystA.GetAsync($"{TaxiiWorld.Root}collections/{Guid.NewGuid()}/"), HttpStatusCode.NotFound);
    }

    // TAXII 2.1 §5.2.1 can_read/can_write; §5.4 and §5.5: 403 when can_read / can_write is false
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task S5_2_1_can_read_and_can_write_follow_the_token_scopes_and_the_role(DatabaseProvider provider)
    {
        var w = await World(provider);
        var readOnly = await Collections(w.ReadOnlyA);
        var noIntel = await Collections(w.NoIntelA);

        Assert.All(readOnly, x => Assert.False(x.GetProperty("can_write").GetBoolean()));
        Assert.All(readOnly, x => Assert.True(x.GetProperty("can_read").GetBoolean()));
        Assert.All(noIntel, x => Assert.False(x.GetProperty("can_read").GetBoolean()));
        Assert.False((await Collections(w.AnalystA)).Single(x => x.GetProperty("alias").GetString() == "visible").GetProperty("can_write").GetBoolean());

        await TaxiiAssert.Error(await w.NoIntelA.GetAsync($"{TaxiiWorld.Root}collections/visible/objects/"), HttpStatusCode.Forbidden);
        await TaxiiAssert.Error(await w.NoIntelA.GetAsync($"{TaxiiWorld.Root}collections/clear/manifest/"), HttpStatusCode.Forbidden);
        await TaxiiAssert.Error(await w.NoIntelA.GetAsync($"{TaxiiWorld.Root}collections/clear/objects/{TaxiiObjects.NewId()}/"), HttpStatusCode.Forbidden);
        await TaxiiAssert.Error(await w.NoIntelA.GetAsync($"{TaxiiWorld.Root}collections/clear/objects/{TaxiiObjects.NewId()}/versions/"), HttpStatusCode.Forbidden);
        await TaxiiAssert.Error(await w.ReadOnlyA.PostAsync($"{TaxiiWorld.Root}collections/clear/objects/", TaxiiObjects.Envelope(TaxiiObjects.Indicator(TaxiiObjects.NewId()))), HttpStatusCode.Forbidden);
        await TaxiiAssert.Error(await w.AnalystA.PostAsync($"{TaxiiWorld.Root}collections/visible/objects/", TaxiiObjects.Envelope(TaxiiObjects.Indicator(TaxiiObjects.NewId()))), HttpStatusCode.Forbidden);
        await TaxiiAssert.Error(await w.ReadOnlyA.DeleteAsync($"{TaxiiWorld.Root}collections/clear/objects/{TaxiiObjects.NewId()}/"), HttpStatusCode.Forbidden);
        await TaxiiAssert.Error(await w.NoIntelA.DeleteAsync($"{TaxiiWorld.Root}collections/clear/objects/{TaxiiObjects.NewId()}/"), HttpStatusCode.NotFound);
    }

    // TAXII 2.1 §5 with the access policy: a collection never serves an object the caller may not see
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task S5_collections_never_leak_an_object_outside_its_tlp_and_scope(DatabaseProvider provider)
    {
        var w = await World(provider);
        var amber = TaxiiObjects.NewId();
        var red = TaxiiObjects.NewId();
        var own = TaxiiObjects.NewId();
        var post = await w.AnalystA.PostAsync($"{TaxiiWorld.Root}collections/{w.Community}/objects/", TaxiiObjects.Envelope(
            TaxiiObjects.Indicator(amber, marking: Musubi.Core.Sharing.TlpMarkings.AmberId),
            TaxiiObjects.Indicator(red, marking: Musubi.Core.Sharing.TlpMarkings.RedId)));
        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await w.AnalystA.PostAsync($"{TaxiiWorld.Root}collections/organisation/objects/",
            TaxiiObjects.Envelope(TaxiiObjects.Indicator(own)))).StatusCode);

        async Task<HashSet<string>> Ids(HttpClient client, string collection)
        {
            var body = await client.GetFromJsonAsync<JsonElement>($"{TaxiiWorld.Root}collections/{collection}/objects/?match[id]={amber},{red},{own}");
            return body.TryGetProperty("objects", out var list) ? list.EnumerateArray().Select(o => o.GetProperty("id").GetString()!).ToHashSet() : [];
        }

        Assert.Equal([amber, red], await Ids(w.AnalystA, w.Community.ToString()));
        Assert.Equal([amber, red, own], await Ids(w.AnalystA, "visible"));
        Assert.Equal([amber], await Ids(w.AnalystB, w.Community.ToString()));
        Assert.Equal([amber], await Ids(w.AnalystB, "visible"));
        Assert.Empty(await Ids(w.AnalystB, "organisation"));
        Assert.Empty(await Ids(w.AnalystC, "visible"));
        Assert.Empty(await Ids(w.AnalystC, "clear"));
        await TaxiiAssert.Error(await w.AnalystB.GetAsync($"{TaxiiWorld.Root}collections/visible/objects/{red}/"), HttpStatusCode.NotFound);
        await TaxiiAssert.Error(await w.AnalystC.GetAsync($"{TaxiiWorld.Root}collections/visible/objects/{amber}/"), HttpStatusCode.NotFound);
        await TaxiiAssert.Error(await w.AnalystC.GetAsync($"{TaxiiWorld.Root}collections/visible/objects/{amber}/versions/"), HttpStatusCode.NotFound);
        var manifestB = await w.AnalystB.GetStringAsync($"{TaxiiWorld.Root}collections/visible/manifest/?match[id]={red},{own}");
        Assert.DoesNotContain(red, manifestB, StringComparison.Ordinal);
        Assert.DoesNotContain(own, manifestB, StringComparison.Ordinal);
    }
}
