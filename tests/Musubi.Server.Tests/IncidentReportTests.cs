using System.Net;
using System.Net.Http.Json;
using System.Text;
using Musubi.Core.Incidents;
using Musubi.Infrastructure.Incidents;
using static Musubi.Server.Tests.Who;

namespace Musubi.Server.Tests;

/// <summary>The post-incident report over REST: HTML and PDF, the lessons learned, and who may read it.</summary>
public sealed class IncidentReportTests(Principals p) : IClassFixture<Principals>
{
    private async Task<IncidentDto> WorkedIncidentAsync()
    {
        var analyst = p[AnalystA];
        var incident = await MusubiServer.ReadAsync<IncidentDto>(await analyst.PostAsJsonAsync("/api/v1/incidents",
            new IncidentInput($"Ransomware on file server {Guid.NewGuid():N}", "ランサムウェアによる暗号化", "malicious-code/infected-system"), Principals.Json));
        (await analyst.PostAsJsonAsync($"/api/v1/incidents/{incident.Id}/status", new StatusChange(IncidentStatus.Triaged, null), Principals.Json)).EnsureSuccessStatusCode();
        (await analyst.PostAsJsonAsync($"/api/v1/incidents/{incident.Id}/tasks", new TaskInput("Restore from the offline backup", null, null), Principals.Json)).EnsureSuccessStatusCode();
        var lessons = await analyst.PostAsJsonAsync($"/api/v1/incidents/{incident.Id}/lessons", new { lessonsLearned = "Offline backups saved the day; 教訓: 多要素認証を必須にする" }, Principals.Json);
        Assert.Equal(HttpStatusCode.OK, lessons.StatusCode);
        return incident;
    }

    [Fact]
    public async Task The_html_report_has_the_timeline_actions_metrics_and_lessons()
    {
        var incident = await WorkedIncidentAsync();
        using var response = await p[AnalystA].GetAsync($"/api/v1/incidents/{incident.Id}/report", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains(incident.Title, html);
        Assert.Contains("reported → triaged", html);
        Assert.Contains("Restore from the offline backup", html);
        Assert.Contains("lessons learned updated", html);
        Assert.Contains("多要素認証を必須にする", html);
        Assert.Contains("id=\"report-metrics\"", html);
        Assert.Contains("On time", html);

        var audit = await p[Admin].GetStringAsync("/api/v1/audit?action=incident.lessons", TestContext.Current.CancellationToken);
        Assert.Contains(incident.Reference, audit);
    }

    [Fact]
    public async Task The_pdf_report_is_a_pdf_with_the_incident_title()
    {
        var incident = await WorkedIncidentAsync();
        using var response = await p[AnalystA].GetAsync($"/api/v1/incidents/{incident.Id}/report.pdf", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType!.MediaType);
        var pdf = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        Assert.Equal("%PDF", Encoding.ASCII.GetString(pdf, 0, 4));
        // The document information dictionary carries the title, as a literal string or as UTF-16BE hex.
        var text = Encoding.Latin1.GetString(pdf);
        var utf16 = Convert.ToHexString(Encoding.BigEndianUnicode.GetBytes(incident.Title));
        Assert.True(text.Contains(incident.Title, StringComparison.Ordinal) || text.Contains(utf16, StringComparison.OrdinalIgnoreCase),
            "the PDF does not carry the incident title");
        Assert.True(pdf.Length > 2000);
    }

    [Fact]
    public async Task The_report_obeys_the_layers_police_get_no_tasks_or_lessons()
    {
        var incident = await WorkedIncidentAsync();
        (await p[AnalystA].PostAsJsonAsync($"/api/v1/incidents/{incident.Id}/teams", new TeamInput(p.OrgB, IncidentRole.Police), Principals.Json)).EnsureSuccessStatusCode();
        var police = await p[AnalystB].GetStringAsync($"/api/v1/incidents/{incident.Id}/report", TestContext.Current.CancellationToken);
        Assert.Contains(incident.Title, police);
        Assert.Contains("reported → triaged", police);
        Assert.DoesNotContain("Restore from the offline backup", police);
        Assert.DoesNotContain("多要素認証", police);
        Assert.DoesNotContain("id=\"report-lessons\"", police);
        var full = await p[AnalystA].GetStringAsync($"/api/v1/incidents/{incident.Id}/report", TestContext.Current.CancellationToken);
        Assert.Contains("id=\"report-lessons\"", full);
    }

    [Fact]
    public async Task Outsiders_get_404_and_read_only_users_read_but_cannot_write_lessons()
    {
        var incident = await WorkedIncidentAsync();
        foreach (var who in Principals.Everyone)
        {
            foreach (var path in new[] { "report", "report.pdf" })
            {
                using var response = await p[who].GetAsync($"/api/v1/incidents/{incident.Id}/{path}", TestContext.Current.CancellationToken);
                var expected = who switch { Anonymous => 401, OrgAdminB or AnalystB => 404, _ => 200 };
                Assert.True(expected == (int)response.StatusCode, $"{who} {path}: expected {expected}, got {(int)response.StatusCode}");
            }

            using var write = await p[who].PostAsJsonAsync($"/api/v1/incidents/{incident.Id}/lessons", new { lessonsLearned = "x" }, Principals.Json,
                TestContext.Current.CancellationToken);
            var writeExpected = who switch { Anonymous => 401, OrgAdminB or AnalystB => 404, ReadOnlyA => 403, _ => 200 };
            Assert.True(writeExpected == (int)write.StatusCode, $"{who} lessons: expected {writeExpected}, got {(int)write.StatusCode}");
        }
    }
}
