using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Musubi.Testing;

namespace Musubi.Server.Tests;

/// <summary>TAXII 2.1 conformance: objects, manifest, versions, add, delete, filtering and pagination (§3.4, §3.5, §3.7, §5.3–§5.8).</summary>
public sealed class TaxiiObjectsTests(PostgresServer postgres, TaxiiWorlds worlds)
{
    private const string Org = TaxiiWorld.Root + "collections/organisation/";

    private Task<TaxiiWorld> World(DatabaseProvider provider) => worlds.GetAsync(provider, postgres);

    private static async Task<JsonElement> Add(HttpClient client, string collection, params string[] objects)
    {
        var response = await client.PostAsync($"{collection}objects/", TaxiiObjects.Envelope(objects));
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static List<JsonElement> Objects(JsonElement envelope) =>
        envelope.TryGetProperty("objects", out var list) ? list.EnumerateArray().ToList() : [];

    // TAXII 2.1 §5.5 (202 and a status), §4.3.1 (counts and status-details), "a duplicate is not an error"
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task S5_5_adding_answers_202_with_a_complete_status_listing_successes_and_failures_one_by_one(DatabaseProvider provider)
    {
        var w = await World(provider);
        var good = TaxiiObjects.Indicator(TaxiiObjects.NewId());
        var badId = TaxiiObjects.NewId();
        var bad = TaxiiObjects.Indicator(badId).Replace("\"created\":\"2024-05-01T10:00:00.000Z\"", "\"created\":\"yesterday\"", StringComparison.Ordinal);

        var status = await Add(w.AnalystA, Org, good, bad, good);

        Assert.True(Guid.TryParse(status.GetProperty("id").GetString(), out _));
        Assert.Equal("complete", status.GetProperty("status").GetString());
        Assert.Equal(3, status.GetProperty("total_count").GetInt32());
        Assert.Equal(2, status.GetProperty("success_count").GetInt32());
        Assert.Equal(1, status.GetProperty("failure_count").GetInt32());
        Assert.Equal(0, status.GetProperty("pending_count").GetInt32());
        var failure = Assert.Single(status.GetProperty("failures").EnumerateArray());
        Assert.Equal(badId, failure.GetProperty("id").GetString());
        Assert.Equal("2024-05-01T10:00:00.000Z", failure.GetProperty("version").GetString());
        Assert.Contains("created", failure.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.All(status.GetProperty("successes").EnumerateArray(), s => Assert.Equal("2024-05-01T10:00:00.000Z", s.GetProperty("version").GetString()));
        await TaxiiAssert.Error(await w.AnalystA.GetAsync($"{Org}objects/{badId}/"), HttpStatusCode.NotFound);
    }

    // TAXII 2.1 §5.5: 415 for a content type the server does not read, 400 for malformed JSON, 422 for a body that is
    // JSON but not an envelope, 413 over max_content_length (§4.2.1)
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task S5_5_wrong_media_type_malformed_json_non_envelopes_and_oversized_bodies_are_refused_whole(DatabaseProvider provider)
    {
        var w = await World(provider);
        var id = TaxiiObjects.NewId();
        var envelope = $"{{\"objects\":[{TaxiiObjects.Indicator(id)}]}}";

        await TaxiiAssert.Error(await w.AnalystA.PostAsync($"{Org}objects/", new StringContent(envelope, Encoding.UTF8, "application/json")), HttpStatusCode.UnsupportedMediaType);
        await TaxiiAssert.Error(await w.AnalystA.PostAsync($"{Org}objects/", Taxii($"{{\"objects\":[{TaxiiObjects.Indicator(id)}")), HttpStatusCode.BadRequest);
        await TaxiiAssert.Error(await w.AnalystA.PostAsync($"{Org}objects/", Taxii(TaxiiObjects.Indicator(id))), HttpStatusCode.UnprocessableEntity);
        await TaxiiAssert.Error(await w.AnalystA.PostAsync($"{Org}objects/", Taxii("{\"objects\":{}}")), HttpStatusCode.UnprocessableEntity);
        var huge = new ByteArrayContent(new byte[65 * 1024 * 1024]);
        huge.Headers.ContentType = new("application/taxii+json");
        await TaxiiAssert.Error(await w.AnalystA.PostAsync($"{Org}objects/", huge), HttpStatusCode.RequestEntityTooLarge);
        await TaxiiAssert.Error(await w.AnalystA.GetAsync($"{Org}objects/{id}/"), HttpStatusCode.NotFound);
    }

    // TAXII 2.1 §3.4.1 match[version]: last by default, first, all, exact values, and combinations; 400 for duplicates or all with others
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task S3_4_1_match_version_selects_last_by_default_first_all_and_exact_versions(DatabaseProvider provider)
    {
        var w = await World(provider);
        var id = TaxiiObjects.NewId();
        string[] v = ["2024-05-01T10:00:00.000Z", "2024-06-01T10:00:00.000Z", "2024-07-01T10:00:00.000Z"];
        await Add(w.AnalystA, Org, TaxiiObjects.Indicator(id, v[1]));
        await Add(w.AnalystA, Org, TaxiiObjects.Indicator(id, v[2]), TaxiiObjects.Indicator(id, v[0]));

        async Task<List<string>> Versions(string query)
        {
            var body = await w.AnalystA.GetFromJsonAsync<JsonElement>($"{Org}objects/?match[id]={id}{query}");
            return Objects(body).Select(o => o.GetProperty("modified").GetString()!).Order(StringComparer.Ordinal).ToList();
        }

        Assert.Equal([v[2]], await Versions(""));
        Assert.Equal([v[2]], await Versions("&match[version]=last"));
        Assert.Equal([v[0]], await Versions("&match[version]=first"));
        Assert.Equal(v, await Versions("&match[version]=all"));
        Assert.Equal([v[1]], await Versions("&match[version]=2024-06-01T10:00:00Z"));
        Assert.Equal([v[0], v[1], v[2]], await Versions($"&match[version]=first,{v[1]},last"));
        var byId = await w.AnalystA.GetFromJsonAsync<JsonElement>($"{Org}objects/{id}/?match[version]=first");
        Assert.Equal(v[0], Assert.Single(Objects(byId)).GetProperty("modified").GetString());
        await TaxiiAssert.Error(await w.AnalystA.GetAsync($"{Org}objects/?match[version]=all,last"), HttpStatusCode.BadRequest);
        await TaxiiAssert.Error(await w.AnalystA.GetAsync($"{Org}objects/?match[version]=last,last"), HttpStatusCode.BadRequest);
        await TaxiiAssert.Error(await w.AnalystA.GetAsync($"{Org}objects/?match[version]=yesterday"), HttpStatusCode.BadRequest);
    }

    // STIX 2.1 §3.2: any number of sub-second digits; stored and served byte for byte, selectable by match[version]
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task S3_4_1_versions_with_40_and_60_fraction_digits_round_trip_and_match_version_finds_them(DatabaseProvider provider)
    {
        var w = await World(provider);
        var id = TaxiiObjects.NewId();
        var forty = "2024-05-01T10:00:00." + new string('7', 40) + "Z";
        var sixty = "2024-05-02T10:00:00." + string.Concat(Enumerable.Repeat("0123456789", 6)) + "Z";
        var older = TaxiiObjects.Indicator(id, forty);
        var newer = TaxiiObjects.Indicator(id, sixty);
        var status = await Add(w.AnalystA, Org, older, newer);
        Assert.Equal(2, status.GetProperty("success_count").GetInt32());

        async Task<string> Body(string url) => await w.AnalystA.GetStringAsync(url);
        Assert.Contains(newer, await Body($"{Org}objects/?match[id]={id}"), StringComparison.Ordinal);
        var exact = await Body($"{Org}objects/?match[id]={id}&match[version]={forty}");
        Assert.Contains(older, exact, StringComparison.Ordinal);
        Assert.DoesNotContain(newer, exact, StringComparison.Ordinal);
        var all = await Body($"{Org}objects/{id}/?match[version]=all");
        Assert.Contains(older, all, StringComparison.Ordinal);
        Assert.Contains(newer, all, StringComparison.Ordinal);
        var versions = await w.AnalystA.GetFromJsonAsync<JsonElement>($"{Org}objects/{id}/versions/");
        Assert.Equal([forty, sixty], versions.GetProperty("versions").EnumerateArray().Select(x => x.GetString()!).Order(StringComparer.Ordinal));
    }

    // TAXII 2.1 §3.4.1 match[id], match[type] (comma = OR), match[spec_version]; §3.4: repeated or malformed parameters are 400
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task S3_4_match_id_type_and_spec_version_filter_and_malformed_parameters_are_400(DatabaseProvider provider)
    {
        var w = await World(provider);
        var indicator = TaxiiObjects.NewId();
        var malware = TaxiiObjects.NewId("malware");
        await Add(w.AnalystA, Org, TaxiiObjects.Indicator(indicator), TaxiiObjects.Malware(malware));

        async Task<List<string>> Ids(string query) =>
            Objects(await w.AnalystA.GetFromJsonAsync<JsonElement>($"{Org}objects/?match[id]={indicator},{malware}{query}"))
                .Select(o => o.GetProperty("id").GetString()!).ToList();

        Assert.Equal([indicator, malware], await Ids(""));
        Assert.Equal([malware], await Ids("&match[type]=malware"));
        Assert.Equal([indicator, malware], await Ids("&match[type]=malware,indicator"));
        Assert.Empty(await Ids("&match[type]=campaign"));
        Assert.Equal([indicator, malware], await Ids("&match[spec_version]=2.1"));
        Assert.Empty(await Ids("&match[spec_version]=2.0"));
        foreach (var bad in new[] { "limit=0", "limit=-1", "limit=ten", "added_after=yesterday", "added_after=2024-01-01T00:00:00Z&added_after=2024-01-02T00:00:00Z",
                     "match[type]=indicator&match[type]=malware", "match[type]=indicator,%20malware", "next=not-a-cursor" })
        {
            await TaxiiAssert.Error(await w.AnalystA.GetAsync($"{Org}objects/?{bad}"), HttpStatusCode.BadRequest);
        }
    }

    // TAXII 2.1 §3.4 added_after (strictly after), §3.2 X-TAXII-Date-Added-First/Last, §3.3 sorted by date added
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task S3_4_added_after_is_strictly_after_and_the_date_added_headers_bound_the_page(DatabaseProvider provider)
    {
        var w = await World(provider);
        var first = TaxiiObjects.NewId();
        var second = TaxiiObjects.NewId();
        await Add(w.AnalystA, Org, TaxiiObjects.Indicator(first));
        var after = (await w.AnalystA.GetAsync($"{Org}objects/?match[id]={first}")).Headers.GetValues("X-TAXII-Date-Added-Last").Single();
        await Add(w.AnalystA, Org, TaxiiObjects.Indicator(second));

        var response = await w.AnalystA.GetAsync($"{Org}objects/?match[id]={first},{second}");
        var all = Objects(await response.Content.ReadFromJsonAsync<JsonElement>()).Select(o => o.GetProperty("id").GetString()).ToList();
        var later = Objects(await w.AnalystA.GetFromJsonAsync<JsonElement>($"{Org}objects/?match[id]={first},{second}&added_after={after}"))
            .Select(o => o.GetProperty("id").GetString()).ToList();

        Assert.Equal([first, second], all);
        Assert.Equal([second], later);
        var firstHeader = response.Headers.GetValues("X-TAXII-Date-Added-First").Single();
        var lastHeader = response.Headers.GetValues("X-TAXII-Date-Added-Last").Single();
        Assert.Equal(after, firstHeader);
        Assert.True(string.CompareOrdinal(firstHeader, lastHeader) < 0);
        var manifest = await w.AnalystA.GetFromJsonAsync<JsonElement>($"{Org}manifest/?match[id]={first},{second}");
        Assert.Equal([firstHeader, lastHeader], Objects(manifest).Select(m => m.GetProperty("date_added").GetString()));
    }

    // TAXII 2.1 §3.5 pagination: limit, more, next; the cursor is stable while objects are added between pages
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task S3_5_limit_more_and_next_page_through_every_object_once_while_others_are_added(DatabaseProvider provider)
    {
        var w = await World(provider);
        var ids = Enumerable.Range(0, 7).Select(_ => TaxiiObjects.NewId()).ToList();
        await Add(w.AnalystA, Org, ids.Take(3).Select(i => TaxiiObjects.Indicator(i)).ToArray());
        await Add(w.AnalystA, Org, ids.Skip(3).Take(2).Select(i => TaxiiObjects.Indicator(i)).ToArray());
        var filter = $"match[id]={string.Join(',', ids)}";

        var seen = new List<string>();
        string? next = null;
        var pages = 0;
        do
        {
            var page = await w.AnalystA.GetFromJsonAsync<JsonElement>($"{Org}objects/?{filter}&limit=2{(next is null ? "" : $"&next={next}")}");
            var objects = Objects(page);
            Assert.True(objects.Count <= 2);
            seen.AddRange(objects.Select(o => o.GetProperty("id").GetString()!));
            var more = page.TryGetProperty("more", out var m) && m.GetBoolean();
            next = more ? page.GetProperty("next").GetString() : null;
            if (++pages == 1)
            {
                // Objects added while a client pages arrive after what it has not read yet, never before.
                await Add(w.AnalystA, Org, ids.Skip(5).Select(i => TaxiiObjects.Indicator(i)).ToArray());
            }
        }
        while (next is not null);

        Assert.Equal(ids, seen);
        Assert.Equal(4, pages);
    }

    // TAXII 2.1 §5.3 manifest records; §5.6 an object (an envelope, 404 when unknown); §5.8 versions
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task S5_3_S5_6_S5_8_manifest_object_and_versions_describe_the_same_versions(DatabaseProvider provider)
    {
        var w = await World(provider);
        var id = TaxiiObjects.NewId();
        var original = TaxiiObjects.Indicator(id, "2024-05-01T10:00:00.000Z").Replace(",", " , ", StringComparison.Ordinal);
        await Add(w.AnalystA, Org, original);
        await Add(w.AnalystA, Org, TaxiiObjects.Indicator(id, "2024-05-02T10:00:00.000Z"));

        var manifest = await w.AnalystA.GetFromJsonAsync<JsonElement>($"{Org}manifest/?match[id]={id}&match[version]=all");
        var records = Objects(manifest);
        Assert.Equal(["2024-05-01T10:00:00.000Z", "2024-05-02T10:00:00.000Z"], records.Select(r => r.GetProperty("version").GetString()));
        Assert.All(records, r => Assert.Equal("application/stix+json;version=2.1", r.GetProperty("media_type").GetString()));
        Assert.All(records, r => Assert.Equal(id, r.GetProperty("id").GetString()));

        var versions = await w.AnalystA.GetAsync($"{Org}objects/{id}/versions/");
        Assert.NotNull(versions.Headers.GetValues("X-TAXII-Date-Added-First").Single());
        Assert.Equal(["2024-05-01T10:00:00.000Z", "2024-05-02T10:00:00.000Z"],
            (await versions.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("versions").EnumerateArray().Select(x => x.GetString()));

        var all = await w.AnalystA.GetStringAsync($"{Org}objects/{id}/?match[version]=all");
        Assert.Contains(original, all, StringComparison.Ordinal);
        await TaxiiAssert.Error(await w.AnalystA.GetAsync($"{Org}objects/{TaxiiObjects.NewId()}/"), HttpStatusCode.NotFound);
        await TaxiiAssert.Error(await w.AnalystA.GetAsync($"{Org}objects/{TaxiiObjects.NewId()}/versions/"), HttpStatusCode.NotFound);
        var empty = await w.AnalystA.GetFromJsonAsync<JsonElement>($"{Org}objects/?match[id]={TaxiiObjects.NewId()}");
        Assert.False(empty.TryGetProperty("objects", out _));
    }

    // TAXII 2.1 §5.7: delete by the publisher; then the object is 404 and absent from the manifest; another member who may
    // read and write the collection gets 403; an outsider 404
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task S5_7_only_the_publisher_deletes_and_a_deleted_object_is_gone(DatabaseProvider provider)
    {
        var w = await World(provider);
        var community = $"{TaxiiWorld.Root}collections/{w.Community}/";
        var id = TaxiiObjects.NewId();
        await Add(w.AnalystA, community, TaxiiObjects.Indicator(id, "2024-05-01T10:00:00.000Z"), TaxiiObjects.Indicator(id, "2024-05-02T10:00:00.000Z"));

        await TaxiiAssert.Error(await w.AnalystB.DeleteAsync($"{community}objects/{id}/"), HttpStatusCode.Forbidden);
        await TaxiiAssert.Error(await w.AnalystC.DeleteAsync($"{community}objects/{id}/"), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await w.AnalystA.DeleteAsync($"{community}objects/{id}/?match[version]=2024-05-02T10:00:00.000Z")).StatusCode);
        var left = await w.AnalystB.GetFromJsonAsync<JsonElement>($"{community}objects/{id}/");
        Assert.Equal("2024-05-01T10:00:00.000Z", Assert.Single(Objects(left)).GetProperty("modified").GetString());
        Assert.Equal(HttpStatusCode.OK, (await w.AnalystA.DeleteAsync($"{community}objects/{id}/")).StatusCode);

        await TaxiiAssert.Error(await w.AnalystB.GetAsync($"{community}objects/{id}/"), HttpStatusCode.NotFound);
        await TaxiiAssert.Error(await w.AnalystA.GetAsync($"{community}objects/{id}/"), HttpStatusCode.NotFound);
        Assert.DoesNotContain(id, await w.AnalystA.GetStringAsync($"{community}manifest/?match[id]={id}&match[version]=all"), StringComparison.Ordinal);
    }

    private static StringContent Taxii(string body) =>
        new(body, Encoding.UTF8, new System.Net.Http.Headers.MediaTypeHeaderValue("application/taxii+json"));
}
