using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Ledger;
using Musubi.Ledger;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Musubi.Ui.Tests;

/// <summary>The ledger pages: the proof of an audit entry, retention and holds, and a monitor alert on the dashboard.</summary>
public sealed class LedgerUiTests(UiApp app) : IClassFixture<UiApp>
{
    [Fact]
    public async Task The_audit_page_shows_the_proof_of_an_entry_verified_in_the_server()
    {
        var page = await app.NewPageAsync();
        await UiApp.RunAsync(page, async () =>
        {
            await UiApp.SignInAsync(page, "admin", UiServer.AdminPassword);
            await page.GotoAsync("/audit?action=user.create");
            await page.Locator("#audit .proof-link").Last.ClickAsync();
            await Expect(page.Locator("#proof-verdict")).ToContainTextAsync("Verified in the server");

            // What the page shows is a real RFC 9162 proof: check it here, independently of the server.
            var index = ulong.Parse(await page.Locator("#entry-index").InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture);
            var size = ulong.Parse(await page.Locator("#proof-size").InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture);
            var leaf = Convert.FromHexString((await page.Locator("#leaf-hash").InnerTextAsync()).Trim());
            var root = Convert.FromHexString((await page.Locator("#proof-root").InnerTextAsync()).Trim());
            var proof = (await page.Locator("#proof-hashes code").AllInnerTextsAsync()).SelectMany(h => Convert.FromHexString(h.Trim())).ToArray();
            Assert.True(MerkleVerifier.VerifyInclusion(index, size, leaf, proof, root).IsValid);
            await Expect(page.Locator("#payload")).ToContainTextAsync("user.create");
            await Expect(page.Locator("#proof-checkpoint")).ToContainTextAsync("musubi.local/ledger");
            await Expect(page.Locator("#proof-command")).ToContainTextAsync($"--index {index}");

            await page.GotoAsync($"/culture?c=ja&returnUrl=/ledger/entries/{index}");
            await Expect(page.Locator("#proof-verdict")).ToContainTextAsync("サーバーで検証済み");
        });
    }

    [Fact]
    public async Task Administrators_place_and_release_legal_holds_and_set_retention()
    {
        var reason = UiApp.Unique("Case");
        var page = await app.NewPageAsync();
        await UiApp.RunAsync(page, async () =>
        {
            await UiApp.SignInAsync(page, "admin", UiServer.AdminPassword);
            await page.GotoAsync("/ledger/retention");
            await page.SelectOptionAsync("#policy-category", "raw-event");
            await page.FillAsync("#policy-days", "0");
            await page.ClickAsync("#policy-save");
            await Expect(page.Locator("#policy-form")).ToContainTextAsync("must be 1 to");
            await page.FillAsync("#policy-days", "90");
            await page.ClickAsync("#policy-save");
            await Expect(page.Locator("#notice")).ToContainTextAsync("The retention policy was saved.");
            await Expect(page.Locator("#policy-table")).ToContainTextAsync("raw-event");

            await page.FillAsync("#hold-reason", reason);
            await page.ClickAsync("#hold-place");
            await Expect(page.Locator("#notice")).ToContainTextAsync("The legal hold was placed.");
            var row = page.Locator("#hold-table tr", new() { HasText = reason });
            await row.Locator("button").ClickAsync();
            await Expect(page.Locator("#notice")).ToContainTextAsync("The legal hold was released.");
            await Expect(page.Locator("#hold-table tr", new() { HasText = reason })).ToContainTextAsync("Released");
        });
    }

    [Fact]
    public async Task A_changed_payload_raises_an_alert_on_the_ledger_page_and_the_dashboard()
    {
        long index;
        await using (var scope = app.Server.Services.CreateAsyncScope())
        {
            index = await scope.ServiceProvider.GetRequiredService<ILedger>().AppendAsync(
                [new LedgerRecord(LedgerCategories.Notification, null, "notified 192.0.2.7"u8.ToArray())], CancellationToken.None);
            await LedgerStoreTampering.OverwriteAsync(scope.ServiceProvider.GetRequiredService<MusubiDbContext>(), index,
                e => e.Payload = "notified 192.0.2.8"u8.ToArray(), CancellationToken.None);
        }

        var page = await app.NewPageAsync();
        await UiApp.RunAsync(page, async () =>
        {
            await UiApp.SignInAsync(page, "admin", UiServer.AdminPassword);
            await page.GotoAsync("/ledger");
            await page.ClickAsync("#monitor-now");
            await Expect(page.Locator("#notice")).ToContainTextAsync("The monitor has checked the ledger.");
            await Expect(page.Locator("#stat-monitor")).ToContainTextAsync("Problem");
            await Expect(page.Locator("#ledger-alerts")).ToContainTextAsync($"entry {index}: the payload does not hash to the leaf hash");
            await page.GotoAsync("/");
            await Expect(page.Locator("#ledger-alert-banner")).ToContainTextAsync("payload");
        });
    }
}
