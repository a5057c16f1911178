using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Detection;
using Musubi.Infrastructure.Identity;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Musubi.Ui.Tests;

/// <summary>
/// The quarantine page: an organisation's administrator reaches it from the menu, sees its sensor's malformed line
/// (markup shown as text, not run), filters by sensor and pages back; another organisation's administrator does not see
/// the line, and an analyst of an ordinary organisation is denied the page.
/// </summary>
public sealed class QuarantineUiTests(UiApp app) : IClassFixture<UiApp>
{
    private const string Password = "quarantine-page-passphrase-4";

    private async Task<string> UserAsync(Guid organisation, Role role)
    {
        var name = UiApp.Unique("quarantine").Replace(' ', '-');
        await using var scope = app.Server.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<UserService>().CreateAsync(Actor.System,
            new UserInput(name, null, null, organisation, role, Password), CancellationToken.None);
        return name;
    }

    private async Task<SensorIdentity> SensorAsync(Guid organisation)
    {
        await using var scope = app.Server.Services.CreateAsyncScope();
        var created = await scope.ServiceProvider.GetRequiredService<SensorService>().CreateAsync(Actor.System,
            new SensorInput(organisation, UiApp.Unique("qsensor").Replace(' ', '-')), CancellationToken.None);
        return new SensorIdentity(created.Sensor.Id, created.Sensor.Name, organisation);
    }

    private Task QuarantineAsync(SensorIdentity sensor, string raw) =>
        app.Server.Services.GetRequiredService<EventIngestor>().QuarantineAsync(sensor, "http", "line 1: not JSON", Encoding.UTF8.GetBytes(raw), CancellationToken.None);

    [Fact]
    public async Task An_organisation_admin_sees_its_sensors_quarantined_lines_and_outsiders_do_not()
    {
        var orgA = await app.CreateOrganisationAsync(UiApp.Unique("Quarantine ministry"));
        var orgB = await app.CreateOrganisationAsync(UiApp.Unique("Other quarantine ministry"));
        var adminA = await UserAsync(orgA, Role.OrgAdmin);
        var adminB = await UserAsync(orgB, Role.OrgAdmin);
        var analystB = await UserAsync(orgB, Role.Analyst);
        var first = await SensorAsync(orgA);
        var second = await SensorAsync(orgA);
        var marker = Guid.NewGuid().ToString("N");
        await QuarantineAsync(first, $"<b id=\"injected\">{marker}</b> first");
        await QuarantineAsync(second, $"{marker} second");
        for (var i = 0; i < 55; i++)
        {
            await QuarantineAsync(first, $"{marker} filler {i}");
        }

        var page = await app.NewPageAsync();
        await UiApp.RunAsync(page, async () =>
        {
            await UiApp.SignInAsync(page, adminA, Password);
            await page.ClickAsync("nav.mainnav a[href='/detection/quarantine']");
            await Expect(page.Locator("h1")).ToHaveTextAsync("Quarantined events");
            await Expect(page.Locator("#quarantine-chart")).ToContainTextAsync(first.Name);
            // Newest first: the last filler line heads the list.
            await Expect(page.Locator("#quarantine-table pre.raw").First).ToHaveTextAsync($"{marker} filler 54");

            await page.SelectOptionAsync("#quarantine-sensor", first.Id.ToString());
            await page.ClickAsync("#quarantine-show");
            await UiApp.WaitForPathAsync(page, "/detection/quarantine", $"sensor={first.Id}");
            Assert.DoesNotContain($"{marker} second", await page.ContentAsync(), StringComparison.Ordinal);
            await page.ClickAsync("#quarantine-older");
            await UiApp.WaitForPathAsync(page, "/detection/quarantine", "before=");
            var raw = page.Locator("#quarantine-table pre.raw", new() { HasText = "first" });
            await Expect(raw).ToHaveTextAsync($"<b id=\"injected\">{marker}</b> first");
            await Expect(page.Locator("#quarantine-table tr.quarantine-row .sensor").Last).ToHaveTextAsync(first.Name);
            Assert.Equal(0, await page.Locator("#injected").CountAsync());
        });

        var ja = await app.NewPageAsync("ja-JP");
        await UiApp.RunAsync(ja, async () =>
        {
            await UiApp.SignInAsync(ja, adminA, Password);
            await ja.GotoAsync($"/detection/quarantine?sensor={second.Id}");
            await Expect(ja.Locator("h1")).ToHaveTextAsync("隔離されたイベント");
            await Expect(ja.Locator("#quarantine-table pre.raw")).ToHaveTextAsync($"{marker} second");
        }, "Quarantine_ja");

        // Another organisation's administrator reads its own (empty) quarantine, never this one's lines.
        var other = await app.NewPageAsync();
        await UiApp.RunAsync(other, async () =>
        {
            await UiApp.SignInAsync(other, adminB, Password);
            await other.GotoAsync("/detection/quarantine");
            await Expect(other.Locator("#quarantine-empty")).ToBeVisibleAsync();
            await other.GotoAsync($"/detection/quarantine?sensor={first.Id}");
            await Expect(other.Locator("#quarantine-error")).ToBeVisibleAsync();
            Assert.DoesNotContain(marker, await other.ContentAsync(), StringComparison.Ordinal);
        }, "Quarantine_other_admin");

        // An analyst of an ordinary organisation is neither a sensor administrator nor the national SOC: denied.
        var outsider = await app.NewPageAsync();
        await UiApp.RunAsync(outsider, async () =>
        {
            await UiApp.SignInAsync(outsider, analystB, Password);
            Assert.Equal(0, await outsider.Locator("nav.mainnav a[href='/detection/quarantine']").CountAsync());
            await outsider.GotoAsync("/detection/quarantine");
            await UiApp.WaitForPathAsync(outsider, "/denied");
            Assert.DoesNotContain(marker, await outsider.ContentAsync(), StringComparison.Ordinal);
        }, "Quarantine_outsider");
    }
}
