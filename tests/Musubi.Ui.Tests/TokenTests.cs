using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Musubi.Ui.Tests;

/// <summary>A token made on the tokens page is shown once, works for the REST API within its scopes, and stops when revoked.</summary>
public sealed class TokenTests(UiApp app) : IClassFixture<UiApp>
{
    private static readonly string[] ScopesToUntick = ["constituency-write", "users-read", "users-write", "audit-read", "incidents-read", "incidents-write"];

    [Fact]
    public async Task Token_created_in_the_ui_is_shown_once_and_works_for_the_api_until_revoked()
    {
        var tokenName = UiApp.Unique("sensor");
        var orgName = UiApp.Unique("Tohoku Telecom");
        var page = await app.NewPageAsync();
        await UiApp.RunAsync(page, async () =>
        {
            await UiApp.SignInAsync(page, "admin", UiServer.AdminPassword);
            await page.GotoAsync("/organisations/new");
            await page.FillAsync("#org-name", orgName);
            await page.SelectOptionAsync("#org-kind", "Isp");
            await page.SelectOptionAsync("#network-kind", "Asn");
            await page.FillAsync("#network-value", "as64511");
            await page.ClickAsync("#create");
            await Expect(page.Locator("#network-table")).ToContainTextAsync("AS64511");

            await page.GotoAsync("/tokens");
            await page.FillAsync("#token-name", tokenName);
            foreach (var scope in ScopesToUntick)
            {
                await page.UncheckAsync($"#scope-{scope}");
            }

            await page.FillAsync("#token-days", "7");
            await page.ClickAsync("#create-token");
            var secret = await page.Locator("#token-secret").InnerTextAsync();
            Assert.StartsWith("msb_", secret, StringComparison.Ordinal);
            await Expect(page.Locator("#tokens")).ToContainTextAsync(tokenName);
            await UiApp.ScreenshotAsync(page, "token-created");

            using var api = new HttpClient { BaseAddress = app.Server.BaseAddress };
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
            var answer = await api.GetAsync("/api/v1/ownership?q=AS64511", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            using (var body = JsonDocument.Parse(await answer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)))
            {
                Assert.Equal(orgName, body.RootElement.GetProperty("owner").GetProperty("name").GetString());
            }

            // Only constituency:read was granted.
            Assert.Equal(HttpStatusCode.Forbidden, (await api.GetAsync("/api/v1/audit", TestContext.Current.CancellationToken)).StatusCode);

            // Shown once: a fresh visit lists the token by name and prefix, never the secret.
            await page.GotoAsync("/tokens");
            await Expect(page.Locator("#token-secret")).ToHaveCountAsync(0);
            Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);

            var row = page.Locator("#tokens tr", new() { HasText = tokenName });
            await row.Locator("button[name=RevokeToken]").ClickAsync();
            await Expect(page.Locator("#notice")).ToBeVisibleAsync();
            await Expect(row).ToContainTextAsync("Revoked");
            Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/v1/ownership?q=AS64511", TestContext.Current.CancellationToken)).StatusCode);
        });
    }
}
