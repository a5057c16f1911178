using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Feeds;
using Musubi.Infrastructure.Feeds.Tracking;
using Musubi.Infrastructure.Identity;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Musubi.Ui.Tests;

/// <summary>The ISP portal (/isp) and a clean-up campaign page, as an ISP's analyst sees them.</summary>
public sealed class IspPortalUiTests(UiApp app) : IClassFixture<UiApp>
{
    private const string Password = "isp-portal-passphrase";

    private async Task RecordAsync(string ticket, Guid organisation, params (string Ip, string Malware)[] hosts)
    {
        await using var scope = app.Server.Services.CreateAsyncScope();
        var now = DateTimeOffset.UtcNow;
        await scope.ServiceProvider.GetRequiredService<IInfectedHostTracker>().RecordAsync(new FeedReport(ticket, "org:" + organisation, organisation, null, "ja",
            now.AddHours(-1), now, hosts.Select(h => new FeedReportRow(now.AddMinutes(-10), h.Ip, null, 64500, null, "JP", "malicious-code",
                "infected-system", h.Malware, "Shadowserver sinkhole", null)).ToList()), CancellationToken.None);
        await scope.ServiceProvider.GetRequiredService<MusubiDbContext>().SaveChangesAsync();
    }

    private async Task<string> UserOfAsync(Guid organisation)
    {
        var name = "isp-" + Guid.NewGuid().ToString("N")[..8];
        await using var scope = app.Server.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<UserService>()
            .CreateAsync(Actor.System, new UserInput(name, null, null, organisation, Role.Analyst, Password), CancellationToken.None);
        return name;
    }

    [Fact]
    public async Task An_isp_sees_its_open_hosts_not_another_isps_downloads_the_csv_and_opens_a_campaign()
    {
        var ispA = await app.CreateOrganisationAsync(UiApp.Unique("Portal ISP A"));
        var ispB = await app.CreateOrganisationAsync(UiApp.Unique("Portal ISP B"));
        var userA = await UserOfAsync(ispA);
        await RecordAsync("MSB-UI-A1", ispA, ("192.0.2.61", "conficker"), ("192.0.2.62", "mirai"));
        await RecordAsync("MSB-UI-B1", ispB, ("198.51.100.71", "mirai"));
        Guid campaign;
        await using (var scope = app.Server.Services.CreateAsyncScope())
        {
            var now = DateTimeOffset.UtcNow;
            campaign = (await scope.ServiceProvider.GetRequiredService<CleanupCampaignService>().CreateAsync(Actor.System,
                new CampaignInput(UiApp.Unique("Clean day"), "Botnet clean-up", now.AddMinutes(-1), now.AddDays(14), [ispA, ispB], null, null, null),
                CancellationToken.None)).Id;
        }

        var page = await app.NewPageAsync();
        await UiApp.RunAsync(page, async () =>
        {
            await UiApp.SignInAsync(page, userA, Password);
            await page.GotoAsync("/isp");
            await Expect(page.Locator("#isp-hosts")).ToContainTextAsync("192.0.2.61");
            await Expect(page.Locator("#isp-hosts")).ToContainTextAsync("192.0.2.62");
            await Expect(page.Locator("#isp-hosts")).Not.ToContainTextAsync("198.51.100.71");
            await Expect(page.Locator("#isp-reports")).ToContainTextAsync("MSB-UI-A1");
            await Expect(page.Locator("#isp-reports")).Not.ToContainTextAsync("MSB-UI-B1");
            await Expect(page.Locator("#isp-weekly")).ToBeVisibleAsync();

            await page.SelectOptionAsync("#isp-malware", "mirai");
            await page.ClickAsync("#isp-show");
            await Expect(page.Locator("#isp-hosts tbody tr")).ToHaveCountAsync(1);
            await Expect(page.Locator("#isp-hosts")).ToContainTextAsync("192.0.2.62");

            await page.SelectOptionAsync("#isp-malware", "");
            await page.ClickAsync("#isp-show");
            var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#isp-csv"));
            var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
            var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(string.Join(',', InfectedHostQueries.CsvHeader), lines[0]);
            Assert.Equal(["192.0.2.61", "192.0.2.62"], lines.Skip(1).Select(l => l.Split(',')[0]).Order());

            await page.FillAsync("#isp-ticket", "MSB-UI-B1");
            await page.ClickAsync("#isp-ticket-find");
            await Expect(page.Locator("#isp-ticket-missing")).ToBeVisibleAsync();
            await page.FillAsync("#isp-ticket", "MSB-UI-A1");
            await page.ClickAsync("#isp-ticket-find");
            await Expect(page.Locator("#isp-ticket-detail")).ToContainTextAsync("192.0.2.61");

            // The CSV of another ISP is refused on the cookie too.
            var other = await page.APIRequest.GetAsync($"/isp/hosts.csv?org={ispB}");
            Assert.Equal(403, other.Status);

            await page.ClickAsync("#campaigns-link");
            await page.ClickAsync($"a[href='/isp/campaigns/{campaign}']");
            await Expect(page.Locator("#campaign-at-start")).ToHaveTextAsync("2");
            await Expect(page.Locator("#campaign-open")).ToHaveTextAsync("2");
            await Expect(page.Locator("#campaign-per-org tbody tr")).ToHaveCountAsync(1);
            await Expect(page.Locator("#campaign-days")).ToBeVisibleAsync();

            await page.GotoAsync("/culture?c=ja&returnUrl=/isp");
            await Expect(page.Locator("h1")).ToHaveTextAsync("感染端末");
        });
    }
}
