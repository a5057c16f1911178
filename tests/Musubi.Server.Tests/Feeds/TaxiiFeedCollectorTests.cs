using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Musubi.Infrastructure.Feeds;
using Musubi.Testing;

namespace Musubi.Server.Tests.Feeds;

/// <summary>Two real servers per provider: the remote serves TAXII; the local one's feed worker (fast ticks) runs the taxii collector.</summary>
public sealed class TaxiiFeedServers : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<DatabaseProvider, FederationPair> _pairs = [];

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
                    ["Musubi:Feeds:TickInterval"] = "00:00:00.200",
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
    }
}

public sealed class TaxiiFeedCollectorTests(PostgresServer postgres, TaxiiFeedServers servers) : IClassFixture<TaxiiFeedServers>
{
    private static string Stamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static string Indicator(string pattern, string types, DateTimeOffset modified) =>
        $$"""{"type":"indicator","spec_version":"2.1","id":"indicator--{{Guid.NewGuid()}}","created":"{{Stamp(modified)}}","modified":"{{Stamp(modified)}}","name":"feed test","indicator_types":[{{types}}],"pattern":"{{pattern}}","pattern_type":"stix","valid_from":"{{Stamp(modified)}}"}""";

    private static async Task<FeedSourceDto> SourceAsync(FederationPair f, string name) =>
        (await MusubiServer.ReadAsync<FeedSourceDto[]>(await f.LocalAdmin.GetAsync("/api/v1/feeds/sources"))).Single(s => s.Name == name);

    private static async Task<FeedSourceDto> WaitAsync(FederationPair f, string name, Func<FeedSourceDto, bool> done)
    {
        var source = await SourceAsync(f, name);
        for (var i = 0; i < 600 && !done(source); i++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            source = await SourceAsync(f, name);
        }

        Assert.True(done(source), JsonSerializer.Serialize(source));
        return source;
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_taxii_source_turns_a_partner_collection_into_events_then_takes_only_what_was_added_after(DatabaseProvider provider)
    {
        var f = await servers.GetAsync(provider, postgres);
        var (remoteUser, remoteToken, remote) = await f.RemoteAnalystAsync();
        var now = DateTimeOffset.UtcNow.AddMinutes(-10);
        var sco = $"ipv4-addr--{Guid.NewGuid()}";
        await FederationPair.AddRemoteAsync(remote, "organisation",
            Indicator("[ipv4-addr:value = '192.0.2.77']", "\"compromised\"", now),
            $$"""{"type":"ipv4-addr","spec_version":"2.1","id":"{{sco}}","value":"198.51.100.23"}""",
            $$"""{"type":"observed-data","spec_version":"2.1","id":"observed-data--{{Guid.NewGuid()}}","created":"{{Stamp(now)}}","modified":"{{Stamp(now)}}","first_observed":"{{Stamp(now)}}","last_observed":"{{Stamp(now)}}","number_observed":3,"object_refs":["{{sco}}"]}""",
            TaxiiObjects.Malware(TaxiiObjects.NewId("malware")));
        var partner = await f.CreatePartnerAsync(new
        {
            name = FederationPair.Unique("Feed partner"), kind = "taxii", url = f.RemoteApiRoot, collectionId = "organisation",
            auth = "basic", userName = remoteUser, secret = remoteToken, direction = "pull", intervalMinutes = 60,
        });
        var partnerName = partner.GetProperty("name").GetString();

        // Validation: a partner that does not exist is a 400 naming options.partner.
        var refused = await f.LocalAdmin.PostAsJsonAsync("/api/v1/feeds/sources",
            new { name = FederationPair.Unique("taxii-bad"), collector = "taxii", options = new { partner = "nobody-" + Guid.NewGuid() } }, Principals.Json);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("options.partner", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var name = FederationPair.Unique("taxii-feed");
        var created = await f.LocalAdmin.PostAsJsonAsync("/api/v1/feeds/sources",
            new { name, collector = "taxii", intervalSeconds = 1, options = new { partner = partnerName } }, Principals.Json);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());

        var first = await WaitAsync(f, name, s => s.RowsAccepted >= 2);
        Assert.Equal((2, 0), (first.RowsAccepted, first.RowsRejected));
        Assert.NotNull(first.Cursor);
        Assert.Null(first.LastError);

        // Added later: only the new objects become events (the malware and the first two are not read again).
        await FederationPair.AddRemoteAsync(remote, "organisation",
            Indicator("[ipv4-addr:value = '192.0.2.78'] OR [url:value = 'http://203.0.113.5/x.bin']", "\"malicious-activity\"", now));
        var second = await WaitAsync(f, name, s => s.RowsAccepted >= 4);
        Assert.True(second.Cursor > first.Cursor);
        var runAt = second.LastRunAt;
        await WaitAsync(f, name, s => s.LastRunAt > runAt.GetValueOrDefault().AddSeconds(1.5)); // at least one more run
        Assert.Equal(4, (await SourceAsync(f, name)).RowsAccepted);
    }
}
