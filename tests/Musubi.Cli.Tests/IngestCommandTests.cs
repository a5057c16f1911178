using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Musubi.Cli.Tests.Fixtures;
using Musubi.Core.Constituency;
using Musubi.Core.Queueing;
using Musubi.Infrastructure.Detection;
using Musubi.Testing;
using Xunit;

namespace Musubi.Cli.Tests;

/// <summary>`musubi ingest FILE --sensor NAME [--format …] [--server URL --token T]`: exit 0 all accepted, 1 some malformed or failed, 2 usage.</summary>
public sealed class IngestCommandTests(PostgresServer postgres)
{
    public static TheoryData<DatabaseProvider> Databases => new(DatabaseProvider.Sqlite, DatabaseProvider.Postgres);

    private static async Task<string> SensorAsync(TestDatabase db, string name)
    {
        var centre = await db.Db(d => d.Organisations.Where(o => o.Kind == OrganisationKind.NationalCentre).Select(o => o.Id).SingleAsync());
        await db.Run(sp => sp.GetRequiredService<SensorService>().CreateAsync(db.Actor, new SensorInput(centre, name), CancellationToken.None));
        return name;
    }

    private static Task<long> BacklogAsync(TestDatabase db) =>
        db.Run(sp => sp.GetRequiredService<IWorkQueue>().BacklogAsync(EventIngestor.Topic, CancellationToken.None));

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task Good_lines_are_queued_and_malformed_ones_are_quarantined_and_listed_by_line_number(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, postgres);
        var sensor = await SensorAsync(db, "file-sensor");
        var file = db.WriteFile("events.jsonl",
            "{\"src_ip\":\"192.0.2.1\",\"dst_ip\":\"203.0.113.9\"}\n{\"broken\": \n\n{\"CommandLine\":\"whoami\"}\r\n[1,2]\n{\"query\":\"evil.example\"}");

        var run = await CliRunner.RunAsync(["ingest", file, "--sensor", sensor, .. db.CliArguments]);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains($"{file}: line 2: malformed JSON", run.Error, StringComparison.Ordinal);
        Assert.Contains($"{file}: line 5: ", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("line 3:", run.Error, StringComparison.Ordinal);
        Assert.Contains($"Ingested {file} as sensor {sensor}: 3 accepted, 2 quarantined (malformed) of 5 lines", run.Output, StringComparison.Ordinal);
        Assert.Equal(3, await BacklogAsync(db));
        var quarantined = await db.Db(d => d.Set<QuarantinedEventEntity>().OrderBy(q => q.Id).ToListAsync());
        Assert.Equal(["{\"broken\": ", "[1,2]"], quarantined.Select(q => q.Raw));
        Assert.All(quarantined, q => Assert.Equal("file", q.Source));

        var good = db.WriteFile("good.log", "<13>Nov 25 10:00:00 gw sshd[1]: Failed password for root from 203.0.113.5\n");
        var ok = await CliRunner.RunAsync(["ingest", good, "--sensor", sensor, "--format", "syslog", .. db.CliArguments]);
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Equal(4, await BacklogAsync(db));
    }

    [Fact]
    public async Task Evtx_json_objects_are_counted_one_by_one_even_when_pretty_printed()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, postgres);
        var sensor = await SensorAsync(db, "evtx-sensor");
        var file = db.WriteFile("events.json", """
            {
              "Event": { "System": { "EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational" },
                         "EventData": { "CommandLine": "whoami /all", "Image": "C:\\Windows\\System32\\whoami.exe" } }
            }
            {
              "Event": { "System": { "EventID": 4625, "Channel": "Security" }, "EventData": { "TargetUserName": "root" } }
            }
            """);

        var run = await CliRunner.RunAsync(["ingest", file, "--sensor", sensor, "--format", "evtx-json", .. db.CliArguments]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("2 accepted, 0 quarantined (malformed) of 2 events", run.Output, StringComparison.Ordinal);
        Assert.Equal(2, await BacklogAsync(db));
    }

    [Fact]
    public async Task An_unknown_sensor_fails_with_1_and_a_malformed_command_line_with_2()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, postgres);
        var file = db.WriteFile("e.jsonl", "{\"a\":1}\n");

        var unknown = await CliRunner.RunAsync(["ingest", file, "--sensor", "nobody", .. db.CliArguments]);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("--sensor 'nobody': no active sensor has this name", unknown.Error, StringComparison.Ordinal);

        Assert.Equal(2, (await CliRunner.RunAsync(["ingest", file, "--sensor", "x", "--format", "xml"])).ExitCode);
        Assert.Equal(2, (await CliRunner.RunAsync(["ingest", file])).ExitCode);
        var noToken = await CliRunner.RunAsync(["ingest", file, "--sensor", "x", "--server", "http://127.0.0.1:9"]);
        Assert.Equal(2, noToken.ExitCode);
        Assert.Contains("--server needs --token", noToken.Error, StringComparison.Ordinal);
        Assert.Equal(1, (await CliRunner.RunAsync(["ingest", Path.Combine(db.Folder, "missing.jsonl"), "--sensor", "x", .. db.CliArguments])).ExitCode);
    }

    [Fact]
    public async Task Over_http_batches_carry_the_token_and_a_busy_server_is_retried_after_its_retry_after()
    {
        var requests = new List<(string Auth, string Format, int Lines)>();
        var busyOnce = true;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.MapPost("/api/ingest/events", async (HttpContext http) =>
        {
            var body = await new StreamReader(http.Request.Body).ReadToEndAsync();
            if (busyOnce)
            {
                busyOnce = false;
                http.Response.Headers.RetryAfter = "0";
                return Results.StatusCode(503);
            }

            var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            lock (requests)
            {
                requests.Add((http.Request.Headers.Authorization.ToString(), http.Request.Query["format"].ToString(), lines.Length));
            }

            var bad = lines.Count(l => !l.StartsWith('{'));
            return Results.Json(new { accepted = lines.Length - bad, quarantined = bad, errors = Array.Empty<object>() }, statusCode: 202);
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var folder = Directory.CreateTempSubdirectory("musubi-ingest-http-").FullName;
        try
        {
            var file = Path.Combine(folder, "big.jsonl");
            var text = new StringBuilder();
            for (var i = 0; i < 12_000; i++)
            {
                text.Append("{\"n\":").Append(i).Append("}\n");
            }

            await File.WriteAllTextAsync(file, text.ToString(), TestContext.Current.CancellationToken);

            var run = await CliRunner.RunAsync(["ingest", file, "--sensor", "remote", "--server", address, "--token", "mss_secret"]);

            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains("12,000 accepted, 0 quarantined (malformed) of 12,000 lines", run.Output, StringComparison.Ordinal);
            Assert.Contains("the server is busy (503)", run.Error, StringComparison.Ordinal);
            Assert.Equal([5_000, 5_000, 2_000], requests.Select(r => r.Lines));
            Assert.All(requests, r => Assert.Equal(("Bearer mss_secret", "jsonl"), (r.Auth, r.Format)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
            await app.StopAsync(TestContext.Current.CancellationToken);
        }
    }
}
