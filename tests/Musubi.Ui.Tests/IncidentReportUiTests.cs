using Microsoft.Playwright;
using Musubi.Core.Identity;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Musubi.Ui.Tests;

/// <summary>
/// On the incident page the national centre adds an indicator, publishes it sanitised to a community, writes the
/// lessons learned and opens the post-incident report (HTML page and PDF link).
/// </summary>
public sealed class IncidentReportUiTests(UiApp app) : IClassFixture<UiApp>
{
    [Fact]
    public async Task An_analyst_publishes_indicators_writes_lessons_and_reads_the_report()
    {
        var analyst = UiApp.Unique("soc").Replace(' ', '-');
        await app.CreateUserAsync(analyst, Role.Analyst, "soc-analyst-passphrase");
        var title = UiApp.Unique("Phishing kit");
        var page = await app.NewPageAsync();
        await UiApp.RunAsync(page, async () =>
        {
            await UiApp.SignInAsync(page, analyst, "soc-analyst-passphrase");
            await page.GotoAsync("/incidents");
            await page.FillAsync("#incident-title", title);
            await page.SelectOptionAsync("#incident-classification", "fraud/phishing");
            await page.ClickAsync("#report-submit");
            await Expect(page.Locator("#incident-title")).ToContainTextAsync(title);

            await page.SelectOptionAsync("#indicator-type", "domain-name");
            await page.FillAsync("#indicator-value", "login-secure-portal.example.net");
            await page.ClickAsync("#indicator-submit");
            await Expect(page.Locator("#indicator-table")).ToContainTextAsync("login-secure-portal.example.net");

            await page.SelectOptionAsync("#publish-tlp", "Green");
            await page.CheckAsync("#incident-publish input[value='sector-finance']");
            await page.ClickAsync("#publish-submit");
            await Expect(page.Locator("#notice")).ToContainTextAsync("The indicators were published to the intelligence store.");
            await Expect(page.Locator("#indicator-table")).ToContainTextAsync("indicator--");
            await Expect(page.Locator("#timeline-list")).ToContainTextAsync("published 1 indicator(s) to the intelligence store as TLP:GREEN");

            await page.FillAsync("#lessons-text", "Take down requests went out within the hour. 教訓: 早期の通報が有効");
            await page.ClickAsync("#lessons-submit");
            await Expect(page.Locator("#timeline-list")).ToContainTextAsync("lessons learned updated");

            await page.ClickAsync("#report-link");
            await Expect(page.Locator("#report-title")).ToContainTextAsync(title);
            await Expect(page.Locator("#report-lessons")).ToContainTextAsync("早期の通報が有効");
            await Expect(page.Locator("#report-timeline")).ToContainTextAsync("lessons learned updated");
            await Expect(page.Locator("#report-metrics")).ToBeVisibleAsync();
            var pdf = await page.APIRequest.GetAsync((await page.Locator("#report-pdf").GetAttributeAsync("href"))!);
            // The download uses the session cookie (the API takes tokens only).
            Assert.Equal(200, pdf.Status);
            Assert.Equal("application/pdf", pdf.Headers["content-type"]);
            Assert.Equal("%PDF"u8.ToArray(), (await pdf.BodyAsync())[..4]);
            await UiApp.ScreenshotAsync(page, "incident-report");
        });
    }
}
