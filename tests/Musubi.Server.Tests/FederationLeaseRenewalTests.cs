using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Federation;
using Musubi.Testing;

namespace Musubi.Server.Tests;

/// <summary>
/// Issue 3: a run longer than the lease keeps it by renewing it (two servers on one database, a short lease), and a run whose
/// lease was taken by another run stops at its next safe point and says so.
/// </summary>
public sealed class FederationLeaseRenewalTests(PostgresServer postgres)
{
    // A lease of 3 s is renewed every second; the scheduler is off so only the test's runs happen.
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Musubi:Federation:Scheduler"] = "false",
        ["Musubi:Federation:LeaseDuration"] = "00:00:03",
    };

    private const string EventUuid = "5a3c1f0e-8f4b-4c55-9a60-2b1f3e4d5c6a";

    private async Task<(MusubiServer First, MusubiServer Second)> TwoServersAsync(DatabaseProvider provider)
    {
        var connection = provider == DatabaseProvider.Postgres
            ? await postgres.CreateDatabaseAsync("leaserenew")
            : SqliteFiles.NewConnectionString("leaserenew");
        var first = MusubiServer.StartOn(provider, connection, Settings);
        var second = MusubiServer.StartOn(provider, connection, Settings);
        return (first, second);
    }

    private static async Task<Guid> CreateFeedAsync(HttpClient admin, Uri feed, CancellationToken ct)
    {
        var created = await admin.PostAsJsonAsync("/api/v1/federation/partners", new
        {
            name = "Slow feed", kind = "misp-feed", url = new Uri(feed, "feed/").ToString(), direction = "pull", intervalMinutes = 5,
        }, Principals.Json, ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetGuid();
    }

    private static async Task<FederationLeaseEntity> LeaseAsync(MusubiServer server, Guid partner)
    {
        await using var scope = server.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<MusubiDbContext>().Set<FederationLeaseEntity>().AsNoTracking()
            .SingleAsync(l => l.PartnerId == partner, TestContext.Current.CancellationToken);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_run_longer_than_the_lease_renews_it_so_another_server_cannot_take_the_partner(DatabaseProvider provider)
    {
        var ct = TestContext.Current.CancellationToken;
        var (first, second) = await TwoServersAsync(provider);
        await using var _1 = first;
        await using var _2 = second;
        using var adminA = await first.SignInAsync("admin", MusubiServer.AdminPassword);
        using var adminB = await second.SignInAsync("admin", MusubiServer.AdminPassword);

        // Only the first manifest request is held, so a run that wrongly got through on the second server ends by itself.
        var manifests = 0;
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var files = new Dictionary<string, (int, byte[], IReadOnlyDictionary<string, string>?)>
        {
            ["/feed/manifest.json"] = (200, "{}"u8.ToArray(), null),
            ["/feed/hashes.csv"] = (200, [], null),
        };
        await using var feed = await StaticHttpServer.StartAsync(files, async path =>
        {
            if (path == "/feed/manifest.json" && Interlocked.Increment(ref manifests) == 1)
            {
                await hold.Task;
            }
        });
        var id = await CreateFeedAsync(adminA, feed.Address, ct);

        var running = adminA.PostAsync($"/api/v1/federation/partners/{id}/pull", null, ct);
        await WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref manifests) == 1), running);
        var taken = await LeaseAsync(first, id);

        // Wait (on progress, not on a measured time) until the first expiry has passed and the lease was renewed beyond it.
        await WaitUntilAsync(async () => DateTimeOffset.UtcNow > taken.ExpiresAt.AddMilliseconds(500)
                                         && (await LeaseAsync(first, id)).ExpiresAt > taken.ExpiresAt, running);
        var renewed = await LeaseAsync(second, id);
        Assert.Equal(taken.Holder, renewed.Holder);

        // The original lease has expired, but the renewed one still holds: the second server is refused.
        var refused = await adminB.PostAsync($"/api/v1/federation/partners/{id}/pull", null, ct);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("another server", await refused.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Equal(1, Volatile.Read(ref manifests));

        hold.SetResult();
        var done = await running;
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        var finished = await done.Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.True(!finished.TryGetProperty("error", out _), finished.ToString());
        // Given back when done (holder cleared), and the second server may run it now.
        Assert.Equal("", (await LeaseAsync(second, id)).Holder);
        Assert.Equal(HttpStatusCode.OK, (await adminB.PostAsync($"/api/v1/federation/partners/{id}/pull", null, ct)).StatusCode);
        Assert.Equal(2, Volatile.Read(ref manifests));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_run_whose_lease_was_taken_by_another_run_stops_at_the_next_safe_point_and_reports_it(DatabaseProvider provider)
    {
        var ct = TestContext.Current.CancellationToken;
        var (first, second) = await TwoServersAsync(provider);
        await using var _1 = first;
        await using var _2 = second;
        using var adminA = await first.SignInAsync("admin", MusubiServer.AdminPassword);

        var manifests = 0;
        var events = 0;
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var files = new Dictionary<string, (int, byte[], IReadOnlyDictionary<string, string>?)>
        {
            ["/feed/manifest.json"] = (200, System.Text.Encoding.UTF8.GetBytes("{\"" + EventUuid + "\":{\"timestamp\":\"1700000000\",\"info\":\"x\"}}"), null),
            ["/feed/hashes.csv"] = (200, [], null),
        };
        await using var feed = await StaticHttpServer.StartAsync(files, async path =>
        {
            if (path == "/feed/manifest.json" && Interlocked.Increment(ref manifests) == 1)
            {
                await hold.Task;
            }

            if (path == $"/feed/{EventUuid}.json")
            {
                Interlocked.Increment(ref events);
            }
        });
        var id = await CreateFeedAsync(adminA, feed.Address, ct);

        var running = adminA.PostAsync($"/api/v1/federation/partners/{id}/pull", null, ct);
        await WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref manifests) == 1), running);
        // Another run (e.g. on a server that saw the lease expire while this one was stalled) now holds the partner.
        await using (var scope = second.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<MusubiDbContext>().Set<FederationLeaseEntity>().Where(l => l.PartnerId == id)
                .ExecuteUpdateAsync(u => u.SetProperty(l => l.Holder, "other-run").SetProperty(l => l.ExpiresAt, DateTimeOffset.UtcNow.AddHours(1)), ct);
        }

        hold.SetResult();
        var response = await running;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.Contains("another run took over the lease", result.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("another run took over the lease", result.GetProperty("partner").GetProperty("status").GetProperty("lastError").GetString(), StringComparison.Ordinal);
        // Stopped before the event: nothing fetched, nothing stored, and the other run's lease is left alone.
        Assert.Equal(0, Volatile.Read(ref events));
        Assert.Equal(0, result.TryGetProperty("objects", out var objects) ? objects.GetInt32() : 0);
        var lease = await LeaseAsync(first, id);
        Assert.Equal("other-run", lease.Holder);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, Task running)
    {
        // Bounded: waits for progress (the run reaching the held request, the clock passing an expiry); nothing is timed.
        for (var i = 0; i < 6000; i++)
        {
            if (await condition())
            {
                return;
            }

            Assert.False(running.IsCompleted, "the run ended before the awaited point");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.True(await condition());
    }
}
