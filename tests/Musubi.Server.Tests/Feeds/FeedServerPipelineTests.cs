using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Musubi.Core.Constituency;
using Musubi.Infrastructure.Constituency;
using Musubi.Infrastructure.Feeds;
using Musubi.Testing;

namespace Musubi.Server.Tests.Feeds;

/// <summary>The server's feed worker: an uploaded file becomes a report, delivered once, without anyone calling the worker.</summary>
public sealed class FeedServerPipelineTests
{
    [Fact]
    public async Task An_uploaded_shadowserver_file_reaches_the_recipient_as_one_report()
    {
        var outbox = Path.Combine(Path.GetTempPath(), $"musubi-outbox-{Guid.NewGuid():N}.jsonl");
        await using var server = await MusubiServer.StartAsync(DatabaseProvider.Sqlite, settings: new Dictionary<string, string>
        {
            ["Musubi:Feeds:RecordingSenderPath"] = outbox,
            ["Musubi:Feeds:TickInterval"] = "00:00:00.200",
        });
        using var admin = await server.SignInAsync("admin", MusubiServer.AdminPassword);
        var ct = TestContext.Current.CancellationToken;
        var isp = await MusubiServer.ReadAsync<OrganisationDetail>(await admin.PostAsJsonAsync("/api/v1/organisations",
            new OrganisationInput("ISP Pipeline", null, null, OrganisationKind.Isp, null, "JP", null,
                Networks: [new NetworkInput(NetworkKind.Cidr, "192.0.2.0/24", null)]), Principals.Json, ct));
        await MusubiServer.ReadAsync<FeedRecipientDto>(await admin.PostAsJsonAsync("/api/v1/feeds/recipients",
            new FeedRecipientInput("isp-pipeline", isp.Id, "abuse@pipeline.example.jp", "ja", 1, true), Principals.Json, ct));
        await MusubiServer.ReadAsync<FeedSourceDto>(await admin.PostAsJsonAsync("/api/v1/feeds/sources",
            new FeedSourceInput("shadowserver", null, "upload", null, null, true), Principals.Json, ct));

        var now = DateTimeOffset.UtcNow;
        var csv = "\"timestamp\",\"ip\",\"port\",\"hostname\",\"tag\",\"asn\",\"geo\"\n"
            + $"\"{now.AddMinutes(-5):yyyy-MM-dd HH:mm:ss}\",192.0.2.7,445,,smb,,JP\n"
            + $"\"{now.AddMinutes(-4):yyyy-MM-dd HH:mm:ss}\",192.0.2.8,445,,smb,,JP\n"
            + $"\"{now.AddMinutes(-4):yyyy-MM-dd HH:mm:ss}\",198.51.100.1,445,,smb,,JP\n";
        var accepted = await admin.PostAsync("/api/v1/feeds/shadowserver/files?name=2026-11-26-scan_smb-jp.csv", new StringContent(csv, Encoding.UTF8), ct);
        Assert.Equal(202, (int)accepted.StatusCode);
        var file = await MusubiServer.ReadAsync<FeedFileDto>(accepted);

        FeedReportDto[] reports = [];
        for (var i = 0; i < 300 && (reports.Length == 0 || reports[0].State != FeedReportStates.Sent); i++)
        {
            await Task.Delay(100, ct);
            reports = await MusubiServer.ReadAsync<FeedReportDto[]>(await admin.GetAsync("/api/v1/feeds/reports", ct));
        }

        var report = Assert.Single(reports);
        Assert.Equal(FeedReportStates.Sent, report.State);
        Assert.Equal(2, report.RowCount);
        var processed = await MusubiServer.ReadAsync<FeedFileDto>(await admin.GetAsync($"/api/v1/feeds/files/{file.Id}", ct));
        Assert.Equal((3, 2), (processed.Accepted, processed.Routed));
        var rows = await MusubiServer.ReadAsync<FeedReportRow[]>(await admin.GetAsync($"/api/v1/feeds/reports/{report.Id}/rows", ct));
        Assert.Equal(["192.0.2.7", "192.0.2.8"], rows.Select(r => r.SourceIp).Order());
        var line = Assert.Single(await File.ReadAllLinesAsync(outbox, ct));
        Assert.Equal(report.Ticket, JsonDocument.Parse(line).RootElement.GetProperty("ticket").GetString());
        File.Delete(outbox);
    }
}
