using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Musubi.Stix.Misp;
using Musubi.Testing;

namespace Musubi.Server.Tests;

/// <summary>A plain HTTP server on a free loopback port serving fixed files (a MISP feed, TAXII pages made by hand).</summary>
public sealed class StaticHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StaticHttpServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>Each path maps to (status, body, extra headers); anything else is 404.</summary>
    public static async Task<StaticHttpServer> StartAsync(IReadOnlyDictionary<string, (int Status, byte[] Body, IReadOnlyDictionary<string, string>? Headers)> files)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(async http =>
        {
            if (!files.TryGetValue(http.Request.Path.Value ?? "", out var file))
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            http.Response.StatusCode = file.Status;
            http.Response.ContentType = "application/json";
            foreach (var (k, v) in file.Headers ?? new Dictionary<string, string>())
            {
                http.Response.Headers[k] = v;
            }

            await http.Response.Body.WriteAsync(file.Body);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new StaticHttpServer(app, new Uri(address.TrimEnd('/') + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Issue 3: a MISP feed built from the corpus, and TAXII answers that carry bad objects or bad JSON.</summary>
public sealed class FederationFeedTests(PostgresServer postgres, FederationServers servers) : IClassFixture<FederationServers>
{
    private static (int, byte[], IReadOnlyDictionary<string, string>?) Json(string text, IReadOnlyDictionary<string, string>? headers = null) =>
        (200, Encoding.UTF8.GetBytes(text), headers);

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_misp_feed_from_the_corpus_is_imported_event_by_event_and_bad_events_are_reported_with_a_reason(DatabaseProvider provider)
    {
        var events = new[]
        {
            Corpora.Require("misp", "MISP", "tests", "event.json"),
            Corpora.Require("misp", "PyMISP", "tests", "57c4445b-c548-4654-af0b-4be3950d210f.json"),
        };
        var f = await servers.GetAsync(provider, postgres);
        var files = new Dictionary<string, (int, byte[], IReadOnlyDictionary<string, string>?)>();
        var manifest = new Dictionary<string, object>();
        var expectedObjects = 0;
        foreach (var path in events)
        {
            var bytes = await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken);
            using var doc = JsonDocument.Parse(bytes);
            var e = doc.RootElement.GetProperty("Event");
            var uuid = e.GetProperty("uuid").GetString()!;
            manifest[uuid] = new { info = e.GetProperty("info").GetString(), timestamp = e.GetProperty("timestamp").GetString() };
            files[$"/feed/{uuid}.json"] = (200, bytes, null);
            var converted = MispToStix.Convert(bytes);
            Assert.True(converted.Indicators > 0, $"{path} has no indicators");
            expectedObjects += converted.Objects.Count;
        }

        var malformed = Guid.NewGuid().ToString();
        var missing = Guid.NewGuid().ToString();
        manifest[malformed] = new { info = "broken", timestamp = "1400000000" };
        manifest[missing] = new { info = "gone", timestamp = "1400000001" };
        manifest["not-a-uuid"] = new { info = "odd", timestamp = "1" };
        files[$"/feed/{malformed}.json"] = Json("{\"Event\": {\"uuid\": ");
        files["/feed/manifest.json"] = Json(JsonSerializer.Serialize(manifest));
        await using var feed = await StaticHttpServer.StartAsync(files);

        var member = await f.LocalOrgAsync();
        var community = await f.LocalCommunityAsync(member);
        var partner = await f.CreatePartnerAsync(new
        {
            name = FederationPair.Unique("Corpus feed"), kind = "misp-feed", url = new Uri(feed.Address, "feed/").ToString(),
            direction = "pull", defaultTlp = "green", communities = new[] { community },
        });

        var run = await f.RunAsync(partner, "pull");
        Assert.True(!run.TryGetProperty("error", out _), run.ToString());
        var failures = run.GetProperty("failures").EnumerateArray()
            .ToDictionary(x => x.GetProperty("id").GetString()!, x => x.GetProperty("reason").GetString()!);
        Assert.Contains("not a valid MISP event", failures[malformed], StringComparison.Ordinal);
        Assert.Contains("404", failures[missing], StringComparison.Ordinal);
        Assert.Contains("not an event UUID", failures["not-a-uuid"], StringComparison.Ordinal);
        Assert.Equal(3, failures.Count);
        // Every object of both corpus events is stored (an object two events share is stored once, then a duplicate).
        Assert.Equal(expectedObjects, run.GetProperty("objects").GetInt32() + run.GetProperty("duplicates").GetInt32());
        Assert.True(run.GetProperty("objects").GetInt32() > 0);

        using var analyst = await f.LocalAnalystAsync(member);
        var indicators = await MusubiServer.ReadAsync<JsonElement>(await analyst.GetAsync("/api/v1/intel/search?type=indicator&limit=1000"));
        Assert.NotEmpty(indicators.GetProperty("items").EnumerateArray());

        var status = (await f.PartnerAsync(partner)).GetProperty("status");
        var newest = events.Select(p => long.Parse(JsonDocument.Parse(File.ReadAllBytes(p)).RootElement.GetProperty("Event").GetProperty("timestamp").GetString()!,
            System.Globalization.CultureInfo.InvariantCulture)).Max();
        Assert.Equal(newest.ToString(System.Globalization.CultureInfo.InvariantCulture), status.GetProperty("pullCheckpoint").GetString());

        var again = await f.RunAsync(partner, "pull");
        Assert.Equal(0, again.GetProperty("objects").GetInt32());
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_taxii_page_with_an_invalid_object_stores_the_valid_ones_and_malformed_json_stores_nothing(DatabaseProvider provider)
    {
        var f = await servers.GetAsync(provider, postgres);
        var good = TaxiiObjects.NewId();
        var bad = TaxiiObjects.NewId();
        var badObject = TaxiiObjects.Indicator(bad).Replace("\"created\":\"2024-05-01T10:00:00.000Z\"", "\"created\":\"yesterday\"", StringComparison.Ordinal);
        var headers = new Dictionary<string, string> { ["X-TAXII-Date-Added-First"] = "2026-01-01T00:00:00.000000Z", ["X-TAXII-Date-Added-Last"] = "2026-01-01T00:00:01.000000Z" };
        var lost = TaxiiObjects.NewId();
        await using var remote = await StaticHttpServer.StartAsync(new Dictionary<string, (int, byte[], IReadOnlyDictionary<string, string>?)>
        {
            ["/api/collections/mixed/objects/"] = Json($"{{\"more\":false,\"objects\":[{TaxiiObjects.Indicator(good)},{badObject}]}}", headers),
            ["/api/collections/broken/objects/"] = Json($"{{\"more\":false,\"objects\":[{TaxiiObjects.Indicator(lost)},", headers),
        });
        var member = await f.LocalOrgAsync();
        var community = await f.LocalCommunityAsync(member);
        using var analyst = await f.LocalAnalystAsync(member);
        var mixed = await f.CreatePartnerAsync(new
        {
            name = FederationPair.Unique("Mixed"), kind = "taxii", url = new Uri(remote.Address, "api/").ToString(), collectionId = "mixed",
            direction = "pull", communities = new[] { community },
        });
        var run = await f.RunAsync(mixed, "pull");
        Assert.Equal(1, run.GetProperty("objects").GetInt32());
        var failure = Assert.Single(run.GetProperty("failures").EnumerateArray());
        Assert.Equal(bad, failure.GetProperty("id").GetString());
        Assert.Contains("created", failure.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await analyst.GetAsync($"/api/v1/intel/objects/{good}")).StatusCode);
        Assert.Equal("2026-01-01T00:00:01.000000Z", (await f.PartnerAsync(mixed)).GetProperty("status").GetProperty("pullCheckpoint").GetString());
        Assert.Equal(bad, (await f.PartnerAsync(mixed)).GetProperty("status").GetProperty("lastFailures")[0].GetProperty("id").GetString());

        var broken = await f.CreatePartnerAsync(new
        {
            name = FederationPair.Unique("Broken"), kind = "taxii", url = new Uri(remote.Address, "api/").ToString(), collectionId = "broken",
            direction = "pull", communities = new[] { community },
        });
        var failed = await f.RunAsync(broken, "pull");
        Assert.False(string.IsNullOrEmpty(failed.GetProperty("error").GetString()));
        Assert.Equal(0, failed.GetProperty("objects").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await analyst.GetAsync($"/api/v1/intel/objects/{lost}")).StatusCode);
        var status = (await f.PartnerAsync(broken)).GetProperty("status");
        Assert.False(status.TryGetProperty("pullCheckpoint", out _));
        Assert.False(string.IsNullOrEmpty(status.GetProperty("lastError").GetString()));
    }
}
