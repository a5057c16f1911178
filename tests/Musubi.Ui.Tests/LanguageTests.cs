using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Musubi.Ui.Tests;

/// <summary>The UI speaks Japanese when asked by the switch, and by default to a Japanese browser.</summary>
public sealed class LanguageTests(UiApp app) : IClassFixture<UiApp>
{
    [Fact]
    public async Task Language_switch_shows_japanese_texts_and_back()
    {
        var page = await app.NewPageAsync();
        await UiApp.RunAsync(page, async () =>
        {
            await page.GotoAsync("/signin");
            await Expect(page.Locator("h1")).ToHaveTextAsync("Sign in");

            await page.ClickAsync("#lang-ja");
            await Expect(page.Locator("h1")).ToHaveTextAsync("サインイン");
            await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "ja");

            // The choice sticks (a cookie) through sign-in, and reaches enum names and sector names too.
            await UiApp.SignInAsync(page, "admin", UiServer.AdminPassword);
            await Expect(page.Locator("h1")).ToHaveTextAsync("Musubiへようこそ");
            await Expect(page.Locator("nav.mainnav")).ToContainTextAsync("組織");
            await Expect(page.Locator("nav.mainnav")).ToContainTextAsync("監査ログ");
            await Expect(page.Locator("#sector-chart")).ToContainTextAsync("電力");
            await page.GotoAsync("/organisations");
            await Expect(page.Locator("#organisations")).ToContainTextAsync("国の調整機関（ナショナルセンター）");
            await Expect(page.Locator("#sector")).ToContainTextAsync("医療");
            await page.GotoAsync("/account");
            await Expect(page.Locator("#two-factor h2")).ToHaveTextAsync("二要素認証");
            await UiApp.ScreenshotAsync(page, "account-ja");

            await page.ClickAsync("#lang-en");
            await Expect(page.Locator("#two-factor h2")).ToHaveTextAsync("Two-factor authentication");
        });
    }

    [Fact]
    public async Task Japanese_browser_gets_japanese_by_default()
    {
        var page = await app.NewPageAsync(locale: "ja-JP");
        await UiApp.RunAsync(page, async () =>
        {
            await page.GotoAsync("/signin");
            await Expect(page.Locator("h1")).ToHaveTextAsync("サインイン");
            await Expect(page.Locator("label", new() { HasText = "パスワード" })).ToBeVisibleAsync();
            await Expect(page.Locator("#signin")).ToHaveTextAsync("サインイン");
        });
    }
}
