using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Musubi.Ui.Tests;

/// <summary>
/// The national centre opens an incident in the browser, triages it, assigns the mobile assistance team, gives it a
/// task, attaches evidence (its SHA-256 is shown) and sees all of it on the timeline; the board then lists it.
/// </summary>
public sealed class IncidentTests(UiApp app) : IClassFixture<UiApp>
{
    [Fact]
    public async Task An_analyst_reports_triages_and_staffs_an_incident_in_the_browser()
    {
        var team = UiApp.Unique("Mobile Assistance Team");
        await app.CreateOrganisationAsync(team);
        var title = UiApp.Unique("Ransomware at the ministry");
        var page = await app.NewPageAsync();
        await UiApp.RunAsync(page, async () =>
        {
            await UiApp.SignInAsync(page, "admin", UiServer.AdminPassword);
            await page.ClickAsync("nav >> text=Incidents");
            await UiApp.WaitForPathAsync(page, "/incidents");
            await page.FillAsync("#incident-title", title);
            await page.SelectOptionAsync("#incident-classification", "information-content-security/unauthorised-information-modification");
            await page.FillAsync("#incident-criticality", "5");
            await page.SelectOptionAsync("#incident-sensitivity", "Confidential");
            await page.FillAsync("#incident-confidence", "90");
            await page.FillAsync("#incident-description", "File server encrypted; ransom note found.");
            await page.ClickAsync("#report-submit");

            await Expect(page.Locator("#notice")).ToContainTextAsync("The incident was reported.");
            await Expect(page.Locator("#incident-title")).ToContainTextAsync(title);
            await Expect(page.Locator("#incident-status")).ToHaveTextAsync("Reported");
            // criticality 5, not CI (.4), one organisation, confidential: impact .58, confidence 90 → .94: 54.5 → 55, high
            await Expect(page.Locator("#incident-severity")).ToHaveTextAsync("High");
            await Expect(page.Locator("#incident-deadline")).ToContainTextAsync("Triaged");

            await page.SelectOptionAsync("#move-status", "Triaged");
            await page.ClickAsync("#move-submit");
            await Expect(page.Locator("#incident-status")).ToHaveTextAsync("Triaged");

            await page.SelectOptionAsync("#team-organisation", new Microsoft.Playwright.SelectOptionValue { Label = team });
            await page.SelectOptionAsync("#team-role", "MobileAssistanceTeam");
            await page.ClickAsync("#team-submit");
            await Expect(page.Locator("#team-table")).ToContainTextAsync(team);
            await Expect(page.Locator("#team-table")).ToContainTextAsync("Mobile assistance team");

            await page.FillAsync("#task-title", "Image the file server");
            await page.ClickAsync("#task-submit");
            await Expect(page.Locator("#task-table")).ToContainTextAsync("Image the file server");

            await page.SetInputFilesAsync("#evidence-file", new Microsoft.Playwright.FilePayload
            {
                Name = "ransom-note.txt", MimeType = "text/plain", Buffer = "pay 5 BTC"u8.ToArray(),
            });
            await page.ClickAsync("#evidence-submit");
            var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("pay 5 BTC"u8));
            await Expect(page.Locator("#evidence-table")).ToContainTextAsync(sha);
            // The evidence link downloads the file on the session cookie, unchanged.
            var download = await page.APIRequest.GetAsync((await page.Locator("#evidence-table a.evidence-link").First.GetAttributeAsync("href"))!);
            Assert.Equal(200, download.Status);
            Assert.Equal(sha, download.Headers["x-content-sha256"]);
            Assert.Equal("pay 5 BTC"u8.ToArray(), await download.BodyAsync());

            await page.SelectOptionAsync("#move-status", "Closed");
            await page.ClickAsync("#move-submit");
            await Expect(page.Locator("#incident-status")).ToHaveTextAsync("Closed");
            var timeline = page.Locator("#timeline-list");
            await Expect(timeline).ToContainTextAsync("reported → triaged");
            await Expect(timeline).ToContainTextAsync("assigned as mobile assistance team");
            await Expect(timeline).ToContainTextAsync("ransom-note.txt");
            await UiApp.ScreenshotAsync(page, "incident");

            await page.GotoAsync("/incidents?status=all");
            await Expect(page.Locator("#incident-table")).ToContainTextAsync(title);
            await Expect(page.Locator("#incidents-by-severity")).ToBeVisibleAsync();
            await page.ClickAsync("#metrics-link");
            await Expect(page.Locator("#metrics-summary")).ToContainTextAsync("incidents reported between");
            await Expect(page.Locator("#metrics-severity-acknowledge")).ToBeVisibleAsync();
            await page.ClickAsync("#lang-ja");
            await Expect(page.Locator("h1")).ToHaveTextAsync("対応指標");
            await page.GotoAsync("/incidents");
            await Expect(page.Locator("h1")).ToHaveTextAsync("インシデント");
        });
    }
}
