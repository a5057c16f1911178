using Xunit;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using OtpNet;
using static Microsoft.Playwright.Assertions;

namespace Musubi.Ui.Tests;

/// <summary>The issue's browser test: two-factor enrolment and sign-in, then an organisation with a network block.</summary>
public sealed partial class TotpSignInTests(UiApp app) : IClassFixture<UiApp>
{
    [Fact]
    public async Task Admin_signs_in_with_totp_and_creates_an_organisation_with_a_block()
    {
        var log = TestContext.Current.TestOutputHelper!;
        var page = await app.NewPageAsync();

        await UiApp.RunAsync(page, async () =>
        {
            await UiApp.SignInAsync(page, "admin", UiServer.AdminPassword);
            await Expect(page.Locator("h1")).ToHaveTextAsync("Welcome to Musubi");

            // Enrol: the key is on the page as text (and as a QR code); an authenticator app computes the code from it.
            await page.GotoAsync("/account");
            await Expect(page.Locator("#totp-status")).ToHaveAttributeAsync("data-enabled", "false");
            await page.ClickAsync("#totp-begin");
            await Expect(page.Locator("#totp-qr")).ToBeVisibleAsync();
            await UiApp.ScreenshotAsync(page, "totp-enrolment");
            var secret = (await page.Locator("#totp-secret").InnerTextAsync()).Replace(" ", "", StringComparison.Ordinal);
            var totp = new Totp(Base32Encoding.ToBytes(secret));
            var enrolStep = CurrentStep();
            await page.FillAsync("#totp-code", totp.ComputeTotp(DateTime.UtcNow));
            await page.ClickAsync("#totp-confirm-submit");

            // Turning two-factor on renews the session stamp, so the UI signs the user out and says why.
            await UiApp.WaitForPathAsync(page, "/signin", "notice=totp-on");
            await Expect(page.Locator("#notice")).ToBeVisibleAsync();
            await Expect(page.Locator("#signout")).ToHaveCountAsync(0);

            // Sign in again: password first, then a code. A code's 30-second step is accepted once, so wait for a new step.
            await page.FillAsync("#userName", "admin");
            await page.FillAsync("#password", UiServer.AdminPassword);
            await page.ClickAsync("#signin");
            await UiApp.WaitForPathAsync(page, "/signin/totp");
            if (CurrentStep() <= enrolStep)
            {
                log.WriteLine($"waiting {30 - (DateTimeOffset.UtcNow.ToUnixTimeSeconds() % 30)} s for the next TOTP step");
            }

            while (CurrentStep() <= enrolStep)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), TestContext.Current.CancellationToken);
            }

            await page.FillAsync("#code", totp.ComputeTotp(DateTime.UtcNow));
            await page.ClickAsync("#verify");
            await UiApp.WaitForPathAsync(page, "/");
            await page.GotoAsync("/account");
            await Expect(page.Locator("#totp-status")).ToHaveAttributeAsync("data-enabled", "true");

            // A critical-infrastructure operator with its first block.
            var name = UiApp.Unique("Kansai Water Authority");
            await page.GotoAsync("/organisations/new");
            await page.FillAsync("#org-name", name);
            await page.FillAsync("#org-nameJa", "関西水道局");
            await page.FillAsync("#org-shortName", "KWA");
            await page.SelectOptionAsync("#org-kind", "CriticalInfrastructureOperator");
            await page.SelectOptionAsync("#org-sector", "water");
            await page.FillAsync("#org-country", "JP");
            await page.SelectOptionAsync("#network-kind", "Cidr");
            await page.FillAsync("#network-value", "203.0.113.0/24");
            await UiApp.ScreenshotAsync(page, "new-organisation");
            await page.ClickAsync("#create");

            await page.WaitForURLAsync(OrganisationPage());
            await Expect(page.Locator("#notice")).ToBeVisibleAsync();
            await Expect(page.Locator("#org-title")).ToContainTextAsync(name);
            await Expect(page.Locator("#network-table")).ToContainTextAsync("203.0.113.0/24");
            await Expect(page.Locator("#communities")).ToContainTextAsync("Water sector");
            await UiApp.ScreenshotAsync(page, "organisation");

            // It is in the directory...
            await page.GotoAsync("/organisations");
            await page.FillAsync("#q", "Kansai Water");
            await page.ClickAsync("#search");
            await Expect(page.Locator("#organisations")).ToContainTextAsync(name);
            await Expect(page.Locator("#organisations")).ToContainTextAsync("関西水道局");

            // ...and owns an address inside its block.
            await page.FillAsync("#who", "203.0.113.77");
            await page.ClickAsync("#lookup");
            await Expect(page.Locator("#lookup-owner")).ToHaveTextAsync(name);
            await Expect(page.Locator("#lookup-result")).ToContainTextAsync("203.0.113.0/24");
            await UiApp.ScreenshotAsync(page, "directory");
        });
    }

    private static long CurrentStep() => DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30;

    [GeneratedRegex(@"/organisations/[0-9a-f-]{36}\?done=created")]
    private static partial Regex OrganisationPage();
}
