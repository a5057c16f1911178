using System.Net;
using System.Net.Http.Json;
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
    /// <param name="onRequest">Awaited before each answer with the request path (to count requests, or hold one).</param>
    public static async Task<StaticHttpServer> StartAsync(IReadOnlyDictionary<string, (int Status, byte[] Body, IReadOnlyDictionary<string, string>? Headers)> files,
        Func<string, Task>? onRequest = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(async http =>
        {
            if (onRequest is not null)
            {
                await onRequest(http.Request.Path.Value ?? "");
            }

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
        files["/feed/hashes.csv"] = (200, Encoding.UTF8.GetBytes(HashesCsv(events.Select(File.ReadAllBytes))), null);
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

    /// <summary>
    /// hashes.csv as a MISP feed publishes it, written here independently of the code under test: the MD5 of every
    /// attribute value (the event's and its objects'), a composite value once per part, with the event's uuid.
    /// </summary>
    internal static string HashesCsv(IEnumerable<byte[]> eventFiles)
    {
        var csv = new StringBuilder();
        foreach (var bytes in eventFiles)
        {
            using var doc = JsonDocument.Parse(bytes);
            var e = doc.RootElement.GetProperty("Event");
            var uuid = e.GetProperty("uuid").GetString()!;
            var attributes = new List<JsonElement>();
            if (e.TryGetProperty("Attribute", out var own))
            {
                attributes.AddRange(own.EnumerateArray());
            }

            if (e.TryGetProperty("Object", out var objects))
            {
                attributes.AddRange(objects.EnumerateArray().Where(o => o.TryGetProperty("Attribute", out _)).SelectMany(o => o.GetProperty("Attribute").EnumerateArray()));
            }

            foreach (var a in attributes)
            {
                foreach (var part in a.GetProperty("value").GetString()!.Split('|'))
                {
#pragma warning disable CA5351
                    csv.Append(Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(Encoding.UTF8.GetBytes(part)))).Append(',').Append(uuid).Append("\r\n");
#pragma warning restore CA5351
                }
            }
        }

        return csv.ToString();
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_misp_feed_in_a_local_folder_is_checked_against_hashes_csv_and_a_tampered_or_unlisted_event_is_refused(DatabaseProvider provider)
    {
        var f = await servers.GetAsync(provider, postgres);
        var ct = TestContext.Current.CancellationToken;
        var goodPath = Corpora.Require("misp", "PyMISP", "tests", "57c4445b-c548-4654-af0b-4be3950d210f.json");
        var tamperedPath = Corpora.Require("misp", "MISP", "tests", "event.json");
        var good = await File.ReadAllBytesAsync(goodPath, ct);
        var original = await File.ReadAllBytesAsync(tamperedPath, ct);
        string Uuid(byte[] b) => JsonDocument.Parse(b).RootElement.GetProperty("Event").GetProperty("uuid").GetString()!;
        string Timestamp(byte[] b) => JsonDocument.Parse(b).RootElement.GetProperty("Event").GetProperty("timestamp").GetString()!;

        // The tampered copy: one attribute value changed after hashes.csv was written (in a temp folder, never the corpus).
        var node = System.Text.Json.Nodes.JsonNode.Parse(original)!;
        var firstValue = node["Event"]!["Attribute"]![0]!["value"]!.GetValue<string>();
        node["Event"]!["Attribute"]![0]!["value"] = "tampered.example.net";
        var tampered = Encoding.UTF8.GetBytes(node.ToJsonString());
        Assert.NotEqual("tampered.example.net", firstValue);

        // An event hashes.csv does not list at all: the good event under another uuid.
        var unlistedNode = System.Text.Json.Nodes.JsonNode.Parse(good)!;
        var unlistedUuid = Guid.NewGuid().ToString();
        unlistedNode["Event"]!["uuid"] = unlistedUuid;
        var unlisted = Encoding.UTF8.GetBytes(unlistedNode.ToJsonString());

        var folder = Directory.CreateDirectory(Path.Combine(servers.FeedRoot, Guid.NewGuid().ToString("N"))).FullName;
        await File.WriteAllBytesAsync(Path.Combine(folder, $"{Uuid(good)}.json"), good, ct);
        await File.WriteAllBytesAsync(Path.Combine(folder, $"{Uuid(original)}.json"), tampered, ct);
        await File.WriteAllBytesAsync(Path.Combine(folder, $"{unlistedUuid}.json"), unlisted, ct);
        await File.WriteAllTextAsync(Path.Combine(folder, "hashes.csv"), HashesCsv([good, original]), ct);
        await File.WriteAllTextAsync(Path.Combine(folder, "manifest.json"), JsonSerializer.Serialize(new Dictionary<string, object>
        {
            [Uuid(good)] = new { info = "good", timestamp = Timestamp(good) },
            [Uuid(original)] = new { info = "tampered", timestamp = Timestamp(original) },
            [unlistedUuid] = new { info = "unlisted", timestamp = Timestamp(good) },
        }), ct);

        var member = await f.LocalOrgAsync();
        var community = await f.LocalCommunityAsync(member);
        // A folder outside Musubi:Federation:FeedFolders is refused with a precise 400.
        var outside = await f.LocalAdmin.PostAsJsonAsync("/api/v1/federation/partners", new
        {
            name = FederationPair.Unique("Outside"), kind = "misp-feed", url = Path.GetTempPath(), direction = "pull", communities = new[] { community },
        }, Principals.Json);
        Assert.Equal(HttpStatusCode.BadRequest, outside.StatusCode);
        Assert.Contains("Musubi:Federation:FeedFolders", await outside.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);

        var partner = await f.CreatePartnerAsync(new
        {
            name = FederationPair.Unique("Folder feed"), kind = "misp-feed", url = folder, direction = "pull", defaultTlp = "green",
            communities = new[] { community },
        });
        Assert.StartsWith("file:///", partner.GetProperty("url").GetString(), StringComparison.Ordinal);

        var run = await f.RunAsync(partner, "pull");
        Assert.True(!run.TryGetProperty("error", out _), run.ToString());
        var failures = run.GetProperty("failures").EnumerateArray()
            .ToDictionary(x => x.GetProperty("id").GetString()!, x => x.GetProperty("reason").GetString()!);
        Assert.Equal(2, failures.Count);
        Assert.StartsWith("refused: the event does not match hashes.csv: 1 value(s) of the event are not listed, 1 listed value(s) are not in the event",
            failures[Uuid(original)], StringComparison.Ordinal);
        Assert.StartsWith("refused: hashes.csv lists no value of this event", failures[unlistedUuid], StringComparison.Ordinal);
        // The partner's status keeps the same per-event failures.
        var status = (await f.PartnerAsync(partner)).GetProperty("status");
        Assert.Equal(2, status.GetProperty("lastFailures").GetArrayLength());

        // Only the matching event was imported: exactly its objects, none of the tampered one's.
        Assert.Equal(MispToStix.Convert(good).Objects.Count, run.GetProperty("objects").GetInt32() + run.GetProperty("duplicates").GetInt32());
        using var analyst = await f.LocalAnalystAsync(member);
        var goodReport = $"report--{Uuid(good)}";
        Assert.Equal(HttpStatusCode.OK, (await analyst.GetAsync($"/api/v1/intel/objects/{goodReport}", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await analyst.GetAsync($"/api/v1/intel/objects/report--{Uuid(original)}", ct)).StatusCode);

        // A malformed hashes.csv stops the run, naming the line.
        await File.AppendAllTextAsync(Path.Combine(folder, "hashes.csv"), "not-a-hash,also-not-a-uuid\n", ct);
        var broken = await f.RunAsync(partner, "pull");
        var error = broken.GetProperty("error").GetString()!;
        Assert.Contains("hashes.csv is malformed", error, StringComparison.Ordinal);
        Assert.Contains($"hashes.csv line {HashesCsv([good, original]).Split('\n').Length}", error, StringComparison.Ordinal);

        // No hashes.csv at all: nothing can be checked, so the run stops and says why.
        File.Delete(Path.Combine(folder, "hashes.csv"));
        var none = await f.RunAsync(partner, "pull");
        Assert.Contains("hashes.csv: the feed has none", none.GetProperty("error").GetString(), StringComparison.Ordinal);
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
