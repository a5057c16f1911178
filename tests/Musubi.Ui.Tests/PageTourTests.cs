using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Identity;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Musubi.Ui.Tests;

/// <summary>Every page opens (200, a heading, no error box) for an administrator, in English and in Japanese; and the admin flows work.</summary>
public sealed class PageTourTests(UiApp app) : IClassFixture<UiApp>
{
    private static readonly string[] Languages = ["en", "ja"];

    [Fact]
    public async Task Every_page_opens_for_an_administrator_in_english_and_japanese()
    {
        var admin = await AdminAsync();
        string[] pages =
        [
            "/", "/intel", "/intel?q=x&tlp=Amber&time=created&from=2026-01-01", "/organisations", "/organisations/new", $"/organisations/{admin.OrganisationId}", "/organisations?kind=NationalCentre&page=1",
            "/organisations?who=192.0.2.1", "/communities", "/communities/layer-technical", "/communities/sector-finance", "/users", "/users/new",
            $"/users/{admin.Id}", "/account", "/tokens", $"/tokens?user={admin.Id}", "/audit", "/audit?action=user.&from=2000-01-01",
            "/ledger", "/ledger/checkpoints", "/ledger/retention", "/ledger/entries/0", "/ledger/audit/1",
        ];
        var page = await app.NewPageAsync();
        await UiApp.RunAsync(page, async () =>
        {
            await UiApp.SignInAsync(page, "admin", UiServer.AdminPassword);
            foreach (var language in Languages)
            {
                await page.GotoAsync($"/culture?c={language}&returnUrl=/");
                foreach (var path in pages)
                {
                    var response = await page.GotoAsync(path);
                    Assert.True(response?.Status == 200, $"{path} ({language}) answered {response?.Status}");
                    Assert.Equal(path.Split('?')[0], new Uri(page.Url).AbsolutePath);
                    await Expect(page.Locator("main h1")).ToBeVisibleAsync();
                    await Expect(page.Locator("main .error")).ToHaveCountAsync(0);
                    if (language == "ja")
                    {
                        await UiApp.ScreenshotAsync(page, "tour-ja" + path.Split('?')[0].Replace('/', '-').TrimEnd('-'));
                    }
                }
            }
        });
    }

    [Fact]
    public async Task Unknown_organisation_community_and_user_pages_answer_not_found()
    {
        var page = await app.NewPageAsync();
        await UiApp.RunAsync(page, async () =>
        {
            await UiApp.SignInAsync(page, "admin", UiServer.AdminPassword);
            string[] unknown = [$"/organisations/{Guid.NewGuid()}", "/communities/no-such-group", $"/users/{Guid.NewGuid()}"];
            foreach (var path in unknown)
            {
                var response = await page.GotoAsync(path);
                Assert.Equal(404, response?.Status);
                await Expect(page.Locator("h1")).ToHaveTextAsync("Page not found");
            }
        });
    }

    [Fact]
    public async Task Admin_creates_a_trust_group_with_a_member_and_a_user_it_then_disables()
    {
        var slug = "tg-" + Guid.NewGuid().ToString("N")[..8];
        var userName = "analyst." + Guid.NewGuid().ToString("N")[..6];
        var page = await app.NewPageAsync();
        await UiApp.RunAsync(page, async () =>
        {
            await UiApp.SignInAsync(page, "admin", UiServer.AdminPassword);

            await page.GotoAsync("/communities");
            await page.FillAsync("#community-slug", slug);
            await page.FillAsync("#community-nameEn", "Financial ISAC liaison");
            await page.FillAsync("#community-nameJa", "金融ISAC連絡会");
            await page.ClickAsync("#create-community");
            await UiApp.WaitForPathAsync(page, "/communities/" + slug);
            await page.SelectOptionAsync("#member-organisation", new Microsoft.Playwright.SelectOptionValue { Index = 1 });
            await page.ClickAsync("#add-member");
            await Expect(page.Locator("#member-table tbody tr")).ToHaveCountAsync(1);
            await Expect(page.Locator("#notice")).ToBeVisibleAsync();
            await UiApp.ScreenshotAsync(page, "community");

            await page.GotoAsync("/users/new");
            await page.FillAsync("#user-userName", userName);
            await page.SelectOptionAsync("#user-organisation", new Microsoft.Playwright.SelectOptionValue { Index = 1 });
            await page.SelectOptionAsync("#user-role", "Analyst");
            await page.FillAsync("#user-password", "short");
            await page.ClickAsync("#create-user");
            var password = page.Locator(".field").Filter(new() { Has = page.Locator("#user-password") });
            await Expect(password.Locator(".field-error")).ToContainTextAsync("at least 12 characters");

            await page.FillAsync("#user-password", "a-long-enough-passphrase");
            await page.ClickAsync("#create-user");
            await Expect(page.Locator("#user-title")).ToContainTextAsync(userName);
            await page.ClickAsync("#disable");
            await Expect(page.Locator("#user-status")).ToContainTextAsync("Disabled");
            await page.ClickAsync("#enable");
            await Expect(page.Locator("#user-status")).ToContainTextAsync("Active");
            await UiApp.ScreenshotAsync(page, "user");

            await page.GotoAsync($"/audit?actor=admin&action=user.update");
            await Expect(page.Locator("#audit tbody tr")).ToHaveCountAsync(2);
        });
    }

    [Fact]
    public async Task Password_change_checks_the_current_password_then_asks_to_sign_in_again()
    {
        var user = await app.CreateUserAsync("changer." + Guid.NewGuid().ToString("N")[..6], Role.Analyst, "first-passphrase-123");
        var page = await app.NewPageAsync();
        await UiApp.RunAsync(page, async () =>
        {
            await UiApp.SignInAsync(page, user.UserName, "first-passphrase-123");
            await page.GotoAsync("/account");
            await page.FillAsync("#current-password", "not-my-passphrase");
            await page.FillAsync("#new-password", "second-passphrase-456");
            await page.FillAsync("#confirm-password", "second-passphrase-456");
            await page.ClickAsync("#change-password");
            var current = page.Locator(".field").Filter(new() { Has = page.Locator("#current-password") });
            await Expect(current.Locator(".field-error")).ToHaveTextAsync("is not correct");

            await page.FillAsync("#current-password", "first-passphrase-123");
            await page.FillAsync("#new-password", "second-passphrase-456");
            await page.FillAsync("#confirm-password", "second-passphrase-456");
            await page.ClickAsync("#change-password");
            await UiApp.WaitForPathAsync(page, "/signin", "notice=password-changed");

            await UiApp.SignInAsync(page, user.UserName, "second-passphrase-456");
            await Expect(page.Locator("#account-link")).ToHaveTextAsync(user.UserName);
        });
    }

    private async Task<UserDto> AdminAsync()
    {
        await using var scope = app.Server.Services.CreateAsyncScope();
        var users = await scope.ServiceProvider.GetRequiredService<UserService>().ListAsync(Actor.System, null, CancellationToken.None);
        return users.Single(u => u.UserName == "admin");
    }
}
