using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Musubi.Cli.Tests.Fixtures;
using Musubi.Core.Queueing;
using Musubi.Infrastructure.Feeds;
using Musubi.Testing;
using Xunit;

namespace Musubi.Cli.Tests;

/// <summary>`musubi feed submit FILE --source NAME [--server URL --token T]` and `musubi feed prefix-table import`.</summary>
public sealed class FeedSubmitCommandTests(PostgresServer postgres)
{
    public static TheoryData<DatabaseProvider> Databases => new(DatabaseProvider.Sqlite, DatabaseProvider.Postgres);

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task A_file_is_stored_and_queued_for_its_source(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, postgres);
        await db.Run(sp => sp.GetRequiredService<FeedConfigService>().CreateSourceAsync(db.Actor, new FeedSourceInput("drop-list", "spamhaus-drop", "upload", null, null, true), CancellationToken.None));
        var file = db.WriteFile("drop.txt", "; Spamhaus DROP List\n192.0.2.0/24 ; SBL000001\n");

        var run = await CliRunner.RunAsync(["feed", "submit", file, "--source", "drop-list", .. db.CliArguments]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"Accepted {file} for source 'drop-list'", run.Output, StringComparison.Ordinal);
        var stored = await db.Db(d => d.Set<FeedFileEntity>().SingleAsync());
        Assert.Equal(("drop.txt", FeedFileStates.Queued), (stored.FileName, stored.State));
        Assert.Equal(1, await db.Run(sp => sp.GetRequiredService<IWorkQueue>().BacklogAsync(FeedIntake.Topic, CancellationToken.None)));

        var unknown = await CliRunner.RunAsync(["feed", "submit", file, "--source", "nope", .. db.CliArguments]);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("feed source 'nope' was not found", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(1, (await CliRunner.RunAsync(["feed", "submit", Path.Combine(db.Folder, "missing.csv"), "--source", "drop-list", .. db.CliArguments])).ExitCode);
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task Run_collects_a_drop_folder_now_and_refuses_an_upload_source(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, postgres);
        var folder = Path.Combine(db.Folder, "drop-in");
        Directory.CreateDirectory(folder);
        await db.Run(sp => sp.GetRequiredService<FeedConfigService>().CreateSourceAsync(db.Actor, new FeedSourceInput("drop-dir", "spamhaus-drop", "folder", folder, 86400, true), CancellationToken.None));
        await db.Run(sp => sp.GetRequiredService<FeedConfigService>().CreateSourceAsync(db.Actor, new FeedSourceInput("uploads", "spamhaus-drop", "upload", null, null, true), CancellationToken.None));
        await File.WriteAllTextAsync(Path.Combine(folder, "drop.txt"), "; Spamhaus DROP List\n192.0.2.0/24 ; SBL000001\n");

        var run = await CliRunner.RunAsync(["feed", "run", "--source", "drop-dir", .. db.CliArguments]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Ran feed source 'drop-dir' (folder): 1 files accepted", run.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(folder, "processed", "drop.txt")));
        var stored = await db.Db(d => d.Set<FeedFileEntity>().SingleAsync());
        Assert.Equal(("drop.txt", FeedFileStates.Queued), (stored.FileName, stored.State));

        var upload = await CliRunner.RunAsync(["feed", "run", "--source", "uploads", .. db.CliArguments]);
        Assert.Equal(1, upload.ExitCode);
        Assert.Contains("upload source", upload.Error, StringComparison.Ordinal);
        var unknown = await CliRunner.RunAsync(["feed", "run", "--source", "nope", .. db.CliArguments]);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("feed source 'nope' was not found", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(2, (await CliRunner.RunAsync(["feed", "run"])).ExitCode);
    }

    [Fact]
    public async Task A_bad_command_line_exits_2_and_a_bad_prefix_table_names_its_line()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, postgres);
        var file = db.WriteFile("ipasn.dat", "; comment\n192.0.2.0/24\t64500\n198.51.100.0/24 sixty\n");
        Assert.Equal(2, (await CliRunner.RunAsync(["feed", "submit", file])).ExitCode);
        var noToken = await CliRunner.RunAsync(["feed", "submit", file, "--source", "x", "--server", "http://127.0.0.1:9"]);
        Assert.Equal(2, noToken.ExitCode);
        Assert.Contains("--server needs --token", noToken.Error, StringComparison.Ordinal);
        Assert.Equal(2, (await CliRunner.RunAsync(["feed", "prefix-table", "import", file, "--kind", "maxmind"])).ExitCode);

        var bad = await CliRunner.RunAsync(["feed", "prefix-table", "import", file, "--kind", "pyasn", .. db.CliArguments]);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains($"{file}:3: the ASN is not a number above 0", bad.Error, StringComparison.Ordinal);
        Assert.Equal(0, await db.Db(d => d.Set<FeedPrefixTableEntity>().CountAsync()));

        var good = db.WriteFile("ipasn-good.dat", "192.0.2.0/24\t64500\n198.51.100.0/24\t64501\n");
        var ok = await CliRunner.RunAsync(["feed", "prefix-table", "import", good, "--kind", "pyasn", .. db.CliArguments]);
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Contains("Imported 2 prefixes", ok.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Over_http_the_file_is_posted_with_the_token_and_a_refusal_is_shown()
    {
        var requests = new List<(string Path, string Auth, int Bytes)>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.MapPost("/api/v1/feeds/{source}/files", async (HttpContext http, string source) =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body);
            requests.Add((http.Request.Path + http.Request.QueryString, http.Request.Headers.Authorization.ToString(), (int)body.Length));
            return source == "full"
                ? Results.Problem("the file is larger than 10 bytes", statusCode: 413)
                : Results.Accepted("/x", new FeedFileDto(Guid.NewGuid(), source, "f", "ab", body.Length, DateTimeOffset.UtcNow, "queued", 0, 0, 0, 0, null));
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var folder = Directory.CreateTempSubdirectory("musubi-feed-cli-").FullName;
        try
        {
            var file = Path.Combine(folder, "2026-11-26-scan_smb.csv");
            await File.WriteAllTextAsync(file, "\"timestamp\",\"ip\"\n", TestContext.Current.CancellationToken);
            var run = await CliRunner.RunAsync(["feed", "submit", file, "--source", "shadowserver", "--server", address, "--token", "msb_secret"]);
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Equal(("/api/v1/feeds/shadowserver/files?name=2026-11-26-scan_smb.csv", "Bearer msb_secret", 17), Assert.Single(requests));
            var refused = await CliRunner.RunAsync(["feed", "submit", file, "--source", "full", "--server", address, "--token", "msb_secret"]);
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("413: the file is larger than 10 bytes", refused.Error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
