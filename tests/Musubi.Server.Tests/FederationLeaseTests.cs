using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Federation;
using Musubi.Testing;

namespace Musubi.Server.Tests;

/// <summary>
/// Issue 3: two servers on one PostgreSQL database never run the same partner at once (the lease row), and partner URLs
/// on private addresses are refused unless the operator allows them.
/// </summary>
public sealed class FederationLeaseTests(PostgresServer postgres)
{
    private static readonly Dictionary<string, string> Settings = new() { ["Musubi:Federation:Scheduler"] = "false" };

    [Fact]
    public async Task Two_servers_on_one_postgresql_database_never_pull_the_same_partner_at_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var connection = await postgres.CreateDatabaseAsync("twonodes");
        await using var first = MusubiServer.StartOn(DatabaseProvider.Postgres, connection, Settings);
        await using var second = MusubiServer.StartOn(DatabaseProvider.Postgres, connection, Settings);
        using var adminA = await first.SignInAsync("admin", MusubiServer.AdminPassword);
        using var adminB = await second.SignInAsync("admin", MusubiServer.AdminPassword);

        // A MISP feed whose manifest answer is held until the test lets it go, so a run stays in progress.
        var manifests = 0;
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var files = new Dictionary<string, (int, byte[], IReadOnlyDictionary<string, string>?)>
        {
            ["/feed/manifest.json"] = (200, "{}"u8.ToArray(), null),
            ["/feed/hashes.csv"] = (200, [], null),
        };
        await using var feed = await StaticHttpServer.StartAsync(files, async path =>
        {
            if (path == "/feed/manifest.json")
            {
                Interlocked.Increment(ref manifests);
                await hold.Task;
            }
        });
        var created = await adminA.PostAsJsonAsync("/api/v1/federation/partners", new
        {
            name = "Held feed", kind = "misp-feed", url = new Uri(feed.Address, "feed/").ToString(), direction = "pull", intervalMinutes = 5,
        }, Principals.Json, ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetGuid();

        // "Pull now" on the first server is in progress; the second server refuses its own "pull now".
        var running = adminA.PostAsync($"/api/v1/federation/partners/{id}/pull", null, ct);
        await WaitUntilAsync(() => Volatile.Read(ref manifests) == 1, running);
        var refused = await adminB.PostAsync($"/api/v1/federation/partners/{id}/pull", null, ct);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("another server", await refused.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        hold.SetResult();
        Assert.Equal(HttpStatusCode.OK, (await running).StatusCode);
        Assert.Equal(1, manifests);
        // Given back when done: the second server may run it now.
        Assert.Equal(HttpStatusCode.OK, (await adminB.PostAsync($"/api/v1/federation/partners/{id}/pull", null, ct)).StatusCode);
        Assert.Equal(2, manifests);

        // The scheduler on both servers at once: the partner is due (its last attempt is older than its interval).
        await using (var scope = first.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<MusubiDbContext>().Set<PartnerEntity>().Where(p => p.Id == id)
                .ExecuteUpdateAsync(u => u.SetProperty(p => p.LastAttemptAt, DateTimeOffset.UtcNow.AddHours(-1)), ct);
        }

        hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var scopeA = first.Services.CreateAsyncScope();
        await using var scopeB = second.Services.CreateAsyncScope();
        var tickA = scopeA.ServiceProvider.GetRequiredService<FederationRunner>().RunDueAsync(ct);
        await WaitUntilAsync(() => Volatile.Read(ref manifests) == 3, tickA);
        // While the first server's run holds the lease, the second server's tick skips the partner (and does not wait).
        Assert.Equal(0, await scopeB.ServiceProvider.GetRequiredService<FederationRunner>().RunDueAsync(ct));
        hold.SetResult();
        Assert.Equal(1, await tickA);
        // Afterwards it is no longer due, on either server: it ran once.
        await using var scopeB2 = second.Services.CreateAsyncScope();
        Assert.Equal(0, await scopeB2.ServiceProvider.GetRequiredService<FederationRunner>().RunDueAsync(ct));
        Assert.Equal(3, manifests);

        // A lease left by a crashed server blocks until it expires, then is taken over.
        await using (var scope = first.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MusubiDbContext>();
            await db.Set<FederationLeaseEntity>().Where(l => l.PartnerId == id)
                .ExecuteUpdateAsync(u => u.SetProperty(l => l.Holder, "crashed").SetProperty(l => l.ExpiresAt, DateTimeOffset.UtcNow.AddHours(1)), ct);
        }

        Assert.Equal(HttpStatusCode.Conflict, (await adminB.PostAsync($"/api/v1/federation/partners/{id}/pull", null, ct)).StatusCode);
        await using (var scope = first.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MusubiDbContext>();
            await db.Set<FederationLeaseEntity>().Where(l => l.PartnerId == id)
                .ExecuteUpdateAsync(u => u.SetProperty(l => l.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(-1)), ct);
        }

        Assert.Equal(HttpStatusCode.OK, (await adminB.PostAsync($"/api/v1/federation/partners/{id}/pull", null, ct)).StatusCode);
        Assert.Equal(4, manifests);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8443/taxii2/api/", "127.0.0.1, a loopback address")]
    [InlineData("http://localhost:8443/taxii2/api/", "localhost is this machine (loopback)")]
    [InlineData("https://10.1.2.3/taxii2/api/", "a private address (10.0.0.0/8)")]
    [InlineData("https://192.168.0.10/taxii2/api/", "a private address (192.168.0.0/16)")]
    [InlineData("http://169.254.169.254/latest/", "the cloud metadata address")]
    [InlineData("https://169.254.10.1/taxii2/api/", "a link-local address")]
    [InlineData("https://[::1]/taxii2/api/", "a loopback address")]
    [InlineData("https://[fe80::1]/taxii2/api/", "a link-local address")]
    [InlineData("https://[fd00:ec2::254]/taxii2/api/", "a unique-local address")]
    [InlineData("https://[::ffff:10.0.0.1]/taxii2/api/", "a private address (10.0.0.0/8)")]
    public async Task A_partner_url_on_a_private_address_is_refused_unless_the_operator_allows_it(string url, string why)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await MusubiServer.StartAsync(DatabaseProvider.Sqlite, null, new Dictionary<string, string>
        {
            ["Musubi:Federation:Scheduler"] = "false",
            ["Musubi:Federation:AllowPrivateAddresses"] = "false",
        });
        using var admin = await server.SignInAsync("admin", MusubiServer.AdminPassword);
        var response = await admin.PostAsJsonAsync("/api/v1/federation/partners", new
        {
            name = "Private", kind = "taxii", url, collectionId = "shared", direction = "pull",
        }, Principals.Json, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(why, body, StringComparison.Ordinal);
        Assert.Contains("Musubi:Federation:AllowPrivateAddresses", body, StringComparison.Ordinal);

        // A public address is accepted.
        var ok = await admin.PostAsJsonAsync("/api/v1/federation/partners", new
        {
            name = "Public", kind = "taxii", url = "https://192.0.2.10/taxii2/api/", collectionId = "shared", direction = "pull",
        }, Principals.Json, ct);
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
    }

    [Fact]
    public void The_connection_check_refuses_private_addresses_and_lets_public_ones_through()
    {
        Assert.Null(FederationAddresses.WhyRefused(IPAddress.Parse("192.0.2.10")));
        Assert.Null(FederationAddresses.WhyRefused(IPAddress.Parse("2001:db8::1")));
        Assert.Null(FederationAddresses.WhyRefused(IPAddress.Parse("172.32.0.1")));
        Assert.NotNull(FederationAddresses.WhyRefused(IPAddress.Parse("172.31.255.255")));
        Assert.NotNull(FederationAddresses.WhyRefused(IPAddress.Parse("100.100.100.200")));
        Assert.NotNull(FederationAddresses.WhyRefused(IPAddress.Parse("0.0.0.0")));
        Assert.NotNull(FederationAddresses.WhyRefused(IPAddress.IPv6Any));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, Task running)
    {
        // Bounded: waits for the run to reach the held request (not a timing assertion: only progress is checked).
        for (var i = 0; i < 6000 && !condition(); i++)
        {
            Assert.False(running.IsCompleted, "the run ended before reaching the feed");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.True(condition());
    }
}
