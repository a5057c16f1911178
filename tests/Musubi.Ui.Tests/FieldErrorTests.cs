using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Musubi.Ui.Tests;

/// <summary>A refused form shows why next to the field, keeps what was typed, and changes nothing.</summary>
public sealed class FieldErrorTests(UiApp app) : IClassFixture<UiApp>
{
    [Fact]
    public async Task Invalid_cidr_is_shown_next_to_the_field_and_nothing_is_created()
    {
        var name = UiApp.Unique("Host Bits Trading");
        var page = await app.NewPageAsync();
        await UiApp.RunAsync(page, async () =>
        {
            await UiApp.SignInAsync(page, "admin", UiServer.AdminPassword);
            await page.GotoAsync("/organisations/new");
            await page.FillAsync("#org-name", name);
            await page.SelectOptionAsync("#org-kind", "Enterprise");
            await page.FillAsync("#network-value", "10.0.0.1/8");
            await page.ClickAsync("#create");

            var field = page.Locator(".field").Filter(new() { Has = page.Locator("#network-value") });
            await Expect(field.Locator(".field-error")).ToContainTextAsync("host bits are set: did you mean 10.0.0.0/8?");
            await Expect(page.Locator("#form-error")).ToBeVisibleAsync();
            await Expect(page.Locator("#network-value")).ToHaveValueAsync("10.0.0.1/8");
            await Expect(page.Locator("#org-name")).ToHaveValueAsync(name);
            await UiApp.ScreenshotAsync(page, "field-error");
        });

        Assert.Equal(0, (await app.FindOrganisationsAsync(name)).Total);
    }

    [Fact]
    public async Task Block_claimed_by_another_organisation_is_refused_with_the_holder_named()
    {
        var first = UiApp.Unique("First Holder");
        var second = UiApp.Unique("Second Claimant");
        var page = await app.NewPageAsync();
        await UiApp.RunAsync(page, async () =>
        {
            await UiApp.SignInAsync(page, "admin", UiServer.AdminPassword);
            await CreateWithBlockAsync(first);
            await Expect(page.Locator("#notice")).ToContainTextAsync("The network block was added.");
            await CreateWithBlockAsync(second);

            // The second claim: 409, shown above the form, naming the first holder; the block stays where it was.
            await Expect(page.Locator("#network-error")).ToContainTextAsync(first);
            await Expect(page.Locator("#network-table")).ToHaveCountAsync(0);
            await UiApp.ScreenshotAsync(page, "network-conflict");
        });

        async Task CreateWithBlockAsync(string name)
        {
            await page.GotoAsync("/organisations/new");
            await page.FillAsync("#org-name", name);
            await page.SelectOptionAsync("#org-kind", "Isp");
            await page.ClickAsync("#create");
            await page.FillAsync("#add-network-value", "198.51.100.0/24");
            await page.ClickAsync("#add-network");
        }
    }
}
