using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Constituency;
using Musubi.Infrastructure.Identity;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Musubi.Ui.Tests;

/// <summary>
/// Partner administration in the browser: a platform administrator adds a second Musubi server (on its own free port)
/// as a TAXII partner, pulls now, and sees the status change; other roles are refused the page.
/// </summary>
public sealed class FederationUiTests(UiApp app) : IClassFixture<UiApp>
{
    private const string Password = "federation-ui-passphrase-3";

    [Fact]
    public async Task An_administrator_adds_a_taxii_partner_pulls_now_and_sees_the_status_change()
    {
        await using var remote = UiServer.Start();
        var (token, indicatorId) = await RemoteWithOneObjectAsync(remote);
        var admin = await app.CreateUserAsync("fed.admin." + Guid.NewGuid().ToString("N")[..6], Role.PlatformAdmin, Password);
        var name = UiApp.Unique("CERT partner");
        await WarmUpAsync(app.Server);

        var page = await app.NewPageAsync();
        try
        {
            await UiApp.RunAsync(page, async () =>
            {
                await UiApp.SignInAsync(page, admin.UserName, Password);
                await page.ClickAsync("nav.mainnav a[href='/federation/partners']");
                await page.FillAsync("#partner-name", name);
                await page.SelectOptionAsync("#partner-kind", "Taxii");
                await page.FillAsync("#partner-url", new Uri(remote.BaseAddress, "taxii2/api/").ToString());
                await page.FillAsync("#partner-collection", "organisation");
                await page.SelectOptionAsync("#partner-direction", "Pull");
                await page.SelectOptionAsync("#partner-ceiling", "Green");
                await page.SelectOptionAsync("#partner-auth", "Bearer");
                await page.FillAsync("#partner-secret", token);
                await page.ClickAsync("#create-partner");
                await Expect(page.Locator("#notice")).ToContainTextAsync("The partner was added.");
                await Expect(page.Locator("#partner-title")).ToHaveTextAsync(name);
                await Expect(page.Locator("#last-success")).ToHaveTextAsync("—");
                await Expect(page.Locator("#objects-pulled")).ToHaveTextAsync("0");
                // The secret is write-only: not in the page.
                Assert.DoesNotContain(token, await page.ContentAsync(), StringComparison.Ordinal);

                await page.ClickAsync("#pull-now");
                await Expect(page.Locator("#notice")).ToContainTextAsync("1 objects, 0 already present, 0 failures.");
                await Expect(page.Locator("#objects-pulled")).ToHaveTextAsync("1");
                await Expect(page.Locator("#last-success")).Not.ToHaveTextAsync("—");
                await Expect(page.Locator("#pull-checkpoint")).Not.ToHaveTextAsync("—");

                await page.ClickAsync("p.crumbs a[href='/federation/partners']");
                var row = page.Locator("#partner-table tr", new() { HasText = name });
                await Expect(row.Locator(".objects-pulled")).ToHaveTextAsync("1");
                await Expect(row.Locator(".last-error")).ToHaveTextAsync("");
                await Expect(page.Locator("#partner-chart")).ToContainTextAsync(name);

                // The same page in Japanese.
                await page.ClickAsync("#lang-ja");
                await Expect(page.Locator("h1")).ToHaveTextAsync("連携パートナー");
            });
        }
        finally
        {
            await page.Context.CloseAsync();
        }

        Assert.StartsWith("indicator--", indicatorId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Organisation_administrators_and_analysts_are_refused_the_partner_pages()
    {
        var analyst = await app.CreateUserAsync("fed.analyst." + Guid.NewGuid().ToString("N")[..6], Role.Analyst, Password);
        await WarmUpAsync(app.Server);
        var page = await app.NewPageAsync();
        try
        {
            await UiApp.RunAsync(page, async () =>
            {
                await UiApp.SignInAsync(page, analyst.UserName, Password);
                await Expect(page.Locator("nav.mainnav a[href='/federation/partners']")).ToHaveCountAsync(0);
                await page.GotoAsync("/federation/partners");
                await UiApp.WaitForPathAsync(page, "/denied");
            });
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    /// <summary>
    /// The first page a fresh server renders can take longer than the browser's step timeout on a loaded machine: render
    /// it once without a browser first (no timing is asserted either way).
    /// </summary>
    private static async Task WarmUpAsync(UiServer server)
    {
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromMinutes(3) };
        using var response = await http.GetAsync("/signin");
        Assert.True(response.IsSuccessStatusCode, $"GET /signin: {(int)response.StatusCode}");
    }

    /// <summary>At the remote: an organisation, an analyst with an intel token, and one indicator in its organisation collection.</summary>
    private static async Task<(string Token, string IndicatorId)> RemoteWithOneObjectAsync(UiServer remote)
    {
        string secret;
        await using (var scope = remote.Services.CreateAsyncScope())
        {
            var org = await scope.ServiceProvider.GetRequiredService<OrganisationService>().CreateAsync(Actor.System,
                new OrganisationInput("Partner CSIRT " + Guid.NewGuid().ToString("N")[..6], null, null, OrganisationKind.MinistryAgency, null, "JP", null),
                CancellationToken.None);
            var user = await scope.ServiceProvider.GetRequiredService<UserService>().CreateAsync(Actor.System,
                new UserInput("partner." + Guid.NewGuid().ToString("N")[..6], null, null, org.Id, Role.Analyst, Password), CancellationToken.None);
            secret = (await scope.ServiceProvider.GetRequiredService<TokenService>().CreateAsync(Actor.System,
                new TokenInput("federation", [Scopes.IntelRead, Scopes.IntelWrite], 30, user.Id), CancellationToken.None)).Secret;
        }

        var id = $"indicator--{Guid.NewGuid()}";
        var indicator = $$"""{"type":"indicator","spec_version":"2.1","id":"{{id}}","created":"2024-05-01T10:00:00.000Z","modified":"2024-05-01T10:00:00.000Z","name":"federation ui","pattern":"[domain-name:value = '{{Guid.NewGuid():N}}.example']","pattern_type":"stix","valid_from":"2024-05-01T10:00:00Z"}""";
        using var http = new HttpClient { BaseAddress = remote.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        http.DefaultRequestHeaders.Accept.ParseAdd("application/taxii+json;version=2.1");
        var content = new StringContent($"{{\"objects\":[{indicator}]}}", Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/taxii+json;version=2.1");
        var response = await http.PostAsync("/taxii2/api/collections/organisation/objects/", content);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (secret, id);
    }
}
