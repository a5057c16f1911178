using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Musubi.Ui.Tests;

/// <summary>The exercise director starts the agency drill in the console; its first inject arrives as an EXERCISE incident.</summary>
public sealed class ExerciseTests(UiApp app) : IClassFixture<UiApp>
{
    [Fact]
    public async Task A_drill_started_in_the_console_opens_an_exercise_incident_and_shows_its_score()
    {
        var agency = UiApp.Unique("Drill Agency");
        await app.CreateOrganisationAsync(agency);
        var page = await app.NewPageAsync();
        await UiApp.RunAsync(page, async () =>
        {
            await UiApp.SignInAsync(page, "admin", UiServer.AdminPassword);
            await page.GotoAsync("/exercises?scenario=agency-ir-drill");
            await page.SelectOptionAsync("#role-agency-csirt", new Microsoft.Playwright.SelectOptionValue { Label = agency });
            await page.ClickAsync("#exercise-start-submit");

            await Expect(page.Locator("#exercise-title")).ToHaveTextAsync("Agency incident-response drill");
            await Expect(page.Locator("#exercise-state")).ToContainTextAsync("Running");
            await Expect(page.Locator("#exercise-score")).ToContainTextAsync("0 / 80");
            await Expect(page.Locator("#action-table")).ToContainTextAsync("call-mobile-team");
            var first = page.Locator("#inject-table tr", new() { HasText = "Suspicious e-mail" });
            await first.Locator("a").ClickAsync();

            await Expect(page.Locator("#exercise-banner")).ToBeVisibleAsync();
            await Expect(page.Locator("#incident-title")).ToContainTextAsync("[EXERCISE] Suspicious e-mail");
            await Expect(page.Locator("#incident-details")).ToContainTextAsync(agency);
            await page.SelectOptionAsync("#move-status", "Triaged");
            await page.ClickAsync("#move-submit");
            await Expect(page.Locator("#incident-status")).ToHaveTextAsync("Triaged");

            await page.GotoAsync("/exercises");
            await page.Locator("#run-table a").First.ClickAsync();
            await Expect(page.Locator("#exercise-score")).ToContainTextAsync("10 / 80");
            await UiApp.ScreenshotAsync(page, "exercise");

            // Exercise incidents stay off the real board.
            await page.GotoAsync("/incidents?status=all");
            await Expect(page.Locator("body")).Not.ToContainTextAsync("[EXERCISE] Suspicious e-mail");
        });
    }
}
