using Musubi.Core.Identity;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Musubi.Ui.Tests;

/// <summary>What a read-only user sees: the directory, without the buttons and pages that would only be refused.</summary>
public sealed class PermissionTests(UiApp app) : IClassFixture<UiApp>
{
    private const string Password = "read-only-passphrase-42";
    private static readonly string[] AdministratorPages = ["/organisations/new", "/users", "/users/new", "/audit"];

    [Fact]
    public async Task Read_only_user_sees_no_new_organisation_form_and_is_denied_admin_pages()
    {
        var user = await app.CreateUserAsync("reader." + Guid.NewGuid().ToString("N")[..6], Role.ReadOnly, Password);
        var page = await app.NewPageAsync();
        await UiApp.RunAsync(page, async () =>
        {
            await UiApp.SignInAsync(page, user.UserName, Password);

            await page.GotoAsync("/organisations");
            await Expect(page.Locator("#organisations")).ToBeVisibleAsync();
            await Expect(page.Locator("#new-organisation")).ToHaveCountAsync(0);
            await Expect(page.Locator("nav.mainnav a[href='/users']")).ToHaveCountAsync(0);
            await Expect(page.Locator("nav.mainnav a[href='/audit']")).ToHaveCountAsync(0);

            // Its own organisation's page has no edit, contact or network forms for a read-only user.
            await page.GotoAsync($"/organisations/{user.OrganisationId}");
            await Expect(page.Locator("#org-title")).ToBeVisibleAsync();
            await Expect(page.Locator("#org-edit")).ToHaveCountAsync(0);
            await Expect(page.Locator("#network-add")).ToHaveCountAsync(0);
            await Expect(page.Locator("#contact-add")).ToHaveCountAsync(0);

            foreach (var path in AdministratorPages)
            {
                await page.GotoAsync(path);
                await UiApp.WaitForPathAsync(page, "/denied");
                await Expect(page.Locator("h1")).ToHaveTextAsync("Access denied");
            }
        });
    }

    [Fact]
    public async Task Organisation_admin_edits_own_details_and_networks_but_not_kind_or_other_organisations()
    {
        var admin = await app.CreateUserAsync("orgadmin." + Guid.NewGuid().ToString("N")[..6], Role.OrgAdmin, Password);
        var other = await app.CreateOrganisationAsync(UiApp.Unique("Other Agency"));
        var description = UiApp.Unique("Coordinates national incident response");
        var page = await app.NewPageAsync();
        await UiApp.RunAsync(page, async () =>
        {
            await UiApp.SignInAsync(page, admin.UserName, Password);
            await page.GotoAsync($"/organisations/{admin.OrganisationId}");

            // Kind and sector are shown, not offered: only platform administrators classify organisations.
            await page.ClickAsync("#edit-details summary");
            await Expect(page.Locator("select#org-kind")).ToHaveCountAsync(0);
            await Expect(page.Locator("span#org-kind")).ToBeVisibleAsync();
            await page.FillAsync("#org-description", description);
            await page.ClickAsync("#save");
            await Expect(page.Locator("#notice")).ToContainTextAsync("The changes were saved.");
            await Expect(page.Locator("#details")).ToContainTextAsync(description);

            await page.FillAsync("#add-network-value", "example-ncc.jp");
            await page.SelectOptionAsync("#add-network-kind", "Domain");
            await page.ClickAsync("#add-network");
            await Expect(page.Locator("#network-table")).ToContainTextAsync("example-ncc.jp");

            await page.GotoAsync($"/organisations/{other}");
            await Expect(page.Locator("#org-title")).ToBeVisibleAsync();
            await Expect(page.Locator("#org-edit")).ToHaveCountAsync(0);
            await Expect(page.Locator("#network-add")).ToHaveCountAsync(0);
        });
    }
}
