using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Musubi.Core.Constituency;
using Musubi.Infrastructure.Constituency;
using Musubi.Infrastructure.Feeds;
using Musubi.Testing;

namespace Musubi.Server.Tests.Feeds;

/// <summary>
/// The real server in a child process, fed files over HTTP, killed with SIGKILL at random moments (while files are
/// parsed and stored, windows closed, reports delivered) and restarted each time. At the end every row of every
/// accepted file is in exactly one report, and the out-of-process recording sender got each ticket at most once.
/// The same proof runs on the embedded (database) work queue and on NATS JetStream: with NATS, a file's message
/// leased by the killed process is delivered again once its AckWait runs out, and must not be counted twice.
/// </summary>
public sealed class FeedCrashTests(NatsServer nats) : IClassFixture<NatsServer>
{
    private const string Password = "crash-test-operator-passphrase";
    private static readonly string[] Prefixes = ["10.1", "10.2", "10.3"];

    [Theory]
    [InlineData("database")]
    [InlineData("nats")]
    public async Task Kill_9_at_random_moments_loses_no_accepted_row_and_sends_no_report_twice(string queue)
    {
        var ct = TestContext.Current.CancellationToken;
        var queueSettings = new Dictionary<string, string> { ["Musubi__Queue__Provider"] = queue };
        if (queue == "nats")
        {
            // A stream of its own (subjects must not overlap another stream's), a short AckWait so a message leased by
            // the killed process comes back quickly.
            var name = "CRASH" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
            queueSettings["Musubi__Queue__NatsUrl"] = await nats.GetUrlAsync(ct);
            queueSettings["Musubi__Queue__StreamName"] = name;
            queueSettings["Musubi__Queue__StreamSubjectPrefix"] = name.ToLowerInvariant();
            queueSettings["Musubi__Queue__NatsLease"] = "00:00:03";
        }

        var output = TestContext.Current.TestOutputHelper!;
        var data = Directory.CreateTempSubdirectory("musubi-crash-").FullName;
        var outbox = Path.Combine(data, "outbox.jsonl");
        var random = new Random(Environment.TickCount);
        var expected = new List<string>();
        var accepted = new List<Guid>();
        var port = FreePort.Get();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        Process? server = null;
        try
        {
            server = await StartAsync(data, outbox, port, queueSettings, http, ct);
            await ConfigureAsync(http, ct);
            var next = 0;
            for (var round = 0; round < 5; round++)
            {
                for (var f = 0; f < 3; f++)
                {
                    var (csv, routed) = MakeFile(ref next, 1200);
                    var response = await http.PostAsync($"/api/v1/feeds/shadowserver/files?name=2026-11-26-scan_smb-{round}-{f}.csv", new StringContent(csv, Encoding.UTF8), ct);
                    Assert.Equal(202, (int)response.StatusCode);
                    accepted.Add((await MusubiServer.ReadAsync<FeedFileDto>(response)).Id);
                    expected.AddRange(routed); // answered 202: accepted, so every routed row must reach a report
                }

                var delay = random.Next(0, 2500);
                await Task.Delay(delay, ct);
                var sentSoFar = System.IO.File.Exists(outbox) ? System.IO.File.ReadAllLines(outbox).Length : 0;
                output.WriteLine($"{queue}: round {round}: kill -9 after {delay} ms ({sentSoFar} report(s) in the outbox so far)");
                server.Kill(); // SIGKILL: no shutdown, no flush
                await server.WaitForExitAsync(ct);
                server.Dispose();
                server = await StartAsync(data, outbox, port, queueSettings, http, ct);
            }

            // Let the last process finish everything: all files processed, all windows closed, nothing pending or sending.
            FeedReportDto[] reports = [];
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (DateTime.UtcNow < deadline)
            {
                reports = await MusubiServer.ReadAsync<FeedReportDto[]>(await http.GetAsync("/api/v1/feeds/reports?limit=1000", ct));
                var files = await Task.WhenAll(accepted.Select(async id => await MusubiServer.ReadAsync<FeedFileDto>(await http.GetAsync($"/api/v1/feeds/files/{id}", ct))));
                if (files.All(x => x.State == FeedFileStates.Processed) && reports.Sum(r => r.RowCount) == expected.Count
                    && reports.All(r => r.State is FeedReportStates.Sent or FeedReportStates.Held))
                {
                    break;
                }

                await Task.Delay(200, ct);
            }

            foreach (var id in accepted)
            {
                Assert.Equal(FeedFileStates.Processed, (await MusubiServer.ReadAsync<FeedFileDto>(await http.GetAsync($"/api/v1/feeds/files/{id}", ct))).State);
            }

            var rows = new List<string>();
            foreach (var r in reports)
            {
                rows.AddRange((await MusubiServer.ReadAsync<FeedReportRow[]>(await http.GetAsync($"/api/v1/feeds/reports/{r.Id}/rows", ct))).Select(x => x.SourceIp));
            }

            output.WriteLine($"{reports.Length} reports: {reports.Count(r => r.State == FeedReportStates.Sent)} sent, {reports.Count(r => r.State == FeedReportStates.Held)} held");
            Assert.Equal(expected.Count, rows.Count);
            Assert.Equal(expected.Order(StringComparer.Ordinal), rows.Order(StringComparer.Ordinal)); // each accepted row exactly once
            Assert.All(reports, r => Assert.Contains(r.State, new[] { FeedReportStates.Sent, FeedReportStates.Held }));

            var tickets = System.IO.File.ReadAllLines(outbox).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("ticket").GetString()!).ToList();
            Assert.Equal(tickets.Count, tickets.Distinct().Count()); // no ticket delivered twice
            var byTicket = reports.ToDictionary(r => r.Ticket);
            Assert.All(tickets, t => Assert.True(byTicket.ContainsKey(t), $"{t} was sent but is not a report"));
            Assert.All(reports.Where(r => r.State == FeedReportStates.Sent), r => Assert.Contains(r.Ticket, tickets));
        }
        finally
        {
            if (server is { HasExited: false })
            {
                server.Kill();
                await server.WaitForExitAsync(CancellationToken.None);
            }

            server?.Dispose();
            Directory.Delete(data, recursive: true);
        }
    }

    private static (string Csv, List<string> Routed) MakeFile(ref int next, int rows)
    {
        var sb = new StringBuilder("\"timestamp\",\"ip\",\"port\",\"hostname\",\"tag\",\"asn\",\"geo\"\n");
        var routed = new List<string>();
        var at = DateTime.UtcNow.AddMinutes(-10);
        for (var i = 0; i < rows; i++, next++)
        {
            // Every seventh row belongs to nobody with a recipient (10.9/16): parsed, not routed, in no report.
            var prefix = i % 7 == 6 ? "10.9" : Prefixes[next % Prefixes.Length];
            var ip = $"{prefix}.{next / 250 % 250}.{next % 250 + 1}";
            sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"\"{at:yyyy-MM-dd HH:mm:ss}\",{ip},445,,smb,,JP\n");
            if (prefix != "10.9")
            {
                routed.Add(ip);
            }
        }

        return (sb.ToString(), routed);
    }

    private static async Task ConfigureAsync(HttpClient http, CancellationToken ct)
    {
        for (var i = 0; i < Prefixes.Length; i++)
        {
            var org = await MusubiServer.ReadAsync<OrganisationDetail>(await http.PostAsJsonAsync("/api/v1/organisations",
                new OrganisationInput($"Crash ISP {i}", null, null, OrganisationKind.Isp, null, "JP", null,
                    Networks: [new NetworkInput(NetworkKind.Cidr, Prefixes[i] + ".0.0/16", null)]), Principals.Json, ct));
            await MusubiServer.ReadAsync<FeedRecipientDto>(await http.PostAsJsonAsync("/api/v1/feeds/recipients",
                new FeedRecipientInput($"crash-isp-{i}", org.Id, $"abuse{i}@crash.example.jp", i % 2 == 0 ? "ja" : "en", 1 + i % 2, true), Principals.Json, ct));
        }

        await MusubiServer.ReadAsync<FeedSourceDto>(await http.PostAsJsonAsync("/api/v1/feeds/sources",
            new FeedSourceInput("shadowserver", null, "upload", null, null, true), Principals.Json, ct));
    }

    private static async Task<Process> StartAsync(string data, string outbox, int port, IReadOnlyDictionary<string, string> queue, HttpClient http, CancellationToken ct)
    {
        var dll = typeof(Program).Assembly.Location;
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll)! };
        start.ArgumentList.Add(dll);
        var env = start.Environment;
        env["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        env["MUSUBI_DATA"] = data;
        env["MUSUBI_ADMIN_PASSWORD"] = Password;
        env["Musubi__Identity__Argon2MemoryKiB"] = "1024";
        env["Musubi__Identity__Argon2Iterations"] = "1";
        env["Musubi__Feeds__RecordingSenderPath"] = outbox;
        env["Musubi__Feeds__TickInterval"] = "00:00:00.100";
        // One process at a time here, so any report still "sending" when a process starts was interrupted by the kill.
        env["Musubi__Feeds__HoldAfter"] = "00:00:00";
        // Files leased by a killed process come back after the lease.
        env["Musubi__Feeds__QueueLease"] = "00:00:03";
        env["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in queue)
        {
            env[key] = value;
        }

        var process = Process.Start(start)!;
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null && log.Count < 200) { log.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null && log.Count < 200) { log.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        for (var i = 0; i < 600; i++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the server exited with {process.ExitCode} while starting:\n{string.Join("\n", log)}");
            }

            try
            {
                if ((await http.GetAsync("/healthz", ct)).IsSuccessStatusCode)
                {
                    var signIn = await http.PostAsJsonAsync("/api/v1/auth/sign-in", new { userName = "admin", password = Password }, ct);
                    var token = JsonDocument.Parse(await signIn.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("token").GetString();
                    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
                    return process;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(100, ct);
        }

        process.Kill();
        throw new TimeoutException("the server did not become healthy within 60 s");
    }
}
