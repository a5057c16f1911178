using System.Net.Http.Json;
using System.Text.Json;
using Musubi.Infrastructure.Feeds;
using Musubi.Testing;

namespace Musubi.Server.Tests.Feeds;

/// <summary>
/// "Run now" (POST /api/v1/feeds/sources/{id}/run) on SQLite and PostgreSQL: a drop folder's file is collected at
/// once through the scheduler's collector (accepted, moved to processed/), the run is audited, and sources that have
/// nothing to collect are refused precisely.
/// </summary>
public sealed class FeedRunNowTests(PostgresServer postgres)
{
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Run_now_collects_a_drop_folder_at_once_and_refuses_sources_with_nothing_to_collect(DatabaseProvider provider)
    {
        var ct = TestContext.Current.CancellationToken;
        // No tick at start and the next one an hour away: the scheduler never gets to the folder, so the run itself is
        // what collects it.
        await using var server = await MusubiServer.StartAsync(provider, postgres, new Dictionary<string, string>
        {
            ["Musubi:Feeds:TickInterval"] = "01:00:00",
            ["Musubi:Feeds:TickAtStart"] = "false",
        });
        using var admin = await server.SignInAsync("admin", MusubiServer.AdminPassword);
        var folder = Directory.CreateTempSubdirectory("musubi-run-now-").FullName;
        try
        {
            var source = await MusubiServer.ReadAsync<FeedSourceDto>(await admin.PostAsJsonAsync("/api/v1/feeds/sources",
                new FeedSourceInput("drop-run", "spamhaus-drop", "folder", folder, 86400, true), Principals.Json, ct));
            await File.WriteAllTextAsync(Path.Combine(folder, "drop.txt"), "; Spamhaus DROP\n192.0.2.0/24 ; SBL1\n", ct);

            var run = await MusubiServer.ReadAsync<FeedRunResult>(await admin.PostAsync($"/api/v1/feeds/sources/{source.Id}/run", null, ct));
            Assert.Null(run.Error);
            Assert.Equal(1, run.Files);
            Assert.Equal(source.Id, run.Source.Id);
            Assert.False(File.Exists(Path.Combine(folder, "drop.txt")));
            Assert.True(File.Exists(Path.Combine(folder, "processed", "drop.txt")));

            // Nothing new: a second run accepts nothing.
            var again = await MusubiServer.ReadAsync<FeedRunResult>(await admin.PostAsync($"/api/v1/feeds/sources/{source.Id}/run", null, ct));
            Assert.Equal(0, again.Files);

            var audit = await admin.GetFromJsonAsync<JsonElement>("/api/v1/audit?action=feed-source.run", ct);
            Assert.Equal(2, audit.GetProperty("total").GetInt32());

            // A folder that does not exist: the run answers with the collector's error, recorded on the source.
            var gone = await MusubiServer.ReadAsync<FeedSourceDto>(await admin.PostAsJsonAsync("/api/v1/feeds/sources",
                new FeedSourceInput("gone-run", "spamhaus-drop", "folder", Path.Combine(folder + "-gone", "in"), 86400, true), Principals.Json, ct));
            var failed = await MusubiServer.ReadAsync<FeedRunResult>(await admin.PostAsync($"/api/v1/feeds/sources/{gone.Id}/run", null, ct));
            Assert.Contains("does not exist", failed.Error);
            Assert.Contains("does not exist", failed.Source.LastError);

            var upload = await MusubiServer.ReadAsync<FeedSourceDto>(await admin.PostAsJsonAsync("/api/v1/feeds/sources",
                new FeedSourceInput("upload-run", "spamhaus-drop", "upload", null, null, true), Principals.Json, ct));
            var refused = await admin.PostAsync($"/api/v1/feeds/sources/{upload.Id}/run", null, ct);
            Assert.Equal(409, (int)refused.StatusCode);
            Assert.Contains("upload source", await refused.Content.ReadAsStringAsync(ct));

            var disabled = await MusubiServer.ReadAsync<FeedSourceDto>(await admin.PostAsJsonAsync("/api/v1/feeds/sources",
                new FeedSourceInput("http-off", "spamhaus-drop", "http", "https://feeds.example.invalid/drop.txt", 3600, false), Principals.Json, ct));
            var off = await admin.PostAsync($"/api/v1/feeds/sources/{disabled.Id}/run", null, ct);
            Assert.Equal(409, (int)off.StatusCode);
            Assert.Contains("disabled", await off.Content.ReadAsStringAsync(ct));
            Assert.Equal(404, (int)(await admin.PostAsync($"/api/v1/feeds/sources/{Guid.NewGuid()}/run", null, ct)).StatusCode);
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}
