using System.IO.Compression;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Identity;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Musubi.Ui.Tests;

/// <summary>Detection rule management: a national SOC analyst uploads a zip of rules (one broken) and tries a rule in the browser; others are denied.</summary>
public sealed class DetectionRulesUiTests(UiApp app) : IClassFixture<UiApp>
{
    private const string Password = "detection-ui-passphrase-7";

    private const string Whoami = """
        title: Whoami run
        id: 0b5e5b1a-0000-4000-8000-0000000000aa
        level: high
        logsource:
          category: process_creation
        detection:
          selection:
            CommandLine|contains: whoami
          condition: selection
        """;

    [Fact]
    public async Task A_national_soc_analyst_uploads_a_rule_set_sees_its_load_errors_enables_it_and_tries_a_rule()
    {
        var analyst = await app.CreateUserAsync("soc." + Guid.NewGuid().ToString("N")[..6], Role.Analyst, Password);
        var name = UiApp.Unique("Windows set");
        var folder = Directory.CreateTempSubdirectory("musubi-ui-rules-").FullName;
        var zipPath = Path.Combine(folder, "rules.zip");
        using (var zip = ZipFile.Open(zipPath, ZipArchiveMode.Create))
        {
            using (var w = new StreamWriter(zip.CreateEntry("whoami.yml").Open()))
            {
                w.Write(Whoami);
            }

            using (var w = new StreamWriter(zip.CreateEntry("broken.yml").Open()))
            {
                w.Write("title: Broken\nlogsource:\n  category: x\ndetection:\n  sel:\n    a|nosuchmodifier: b\n  condition: sel\n");
            }
        }

        var page = await app.NewPageAsync();
        try
        {
            await UiApp.RunAsync(page, async () =>
            {
                await UiApp.SignInAsync(page, analyst.UserName, Password);
                await page.ClickAsync("nav.mainnav a[href='/detection/rules']");
                await page.FillAsync("#ruleset-name", name);
                await page.SetInputFilesAsync("#ruleset-file", zipPath);
                await page.ClickAsync("#ruleset-upload");
                await Expect(page.Locator("#notice")).ToContainTextAsync("The rule set was uploaded.");
                var set = page.Locator("section.ruleset", new() { HasText = name });
                await Expect(set).ToContainTextAsync("2 files, 1 failed to load");
                await Expect(set.Locator("tr.failed")).ToContainTextAsync("nosuchmodifier");
                await Expect(set.Locator("h2")).ToContainTextAsync("disabled");
                await Expect(page.Locator("#rules-chart")).ToContainTextAsync(name);

                await set.Locator(".scope-enabled").CheckAsync();
                await set.Locator(".scope-all").CheckAsync();
                await set.Locator(".scope-save").ClickAsync();
                await Expect(page.Locator("#notice")).ToContainTextAsync("The rule set's scope was saved.");
                await Expect(page.Locator("section.ruleset", new() { HasText = name }).Locator("h2")).ToContainTextAsync("enabled");

                await page.ClickAsync("#try-link");
                await page.FillAsync("#try-rule", Whoami);
                await page.FillAsync("#try-events", "{\"CommandLine\":\"cmd /c whoami /all\"}\n{\"CommandLine\":\"ipconfig\"}\n");
                await page.ClickAsync("#try-run");
                await Expect(page.Locator("#try-result h2")).ToContainTextAsync("1 of 2 events matched");
                var first = page.Locator("#try-results tr[data-index='0']");
                await Expect(first.Locator(".verdict")).ToHaveTextAsync("yes");
                await Expect(first).ToContainTextAsync("CommandLine = cmd /c whoami /all");
                await Expect(page.Locator("#try-results tr[data-index='1'] .verdict")).ToHaveTextAsync("no");

                // The same page in Japanese.
                await page.GotoAsync("/culture?c=ja&returnUrl=/detection/rules/try");
                await Expect(page.Locator("h1")).ToHaveTextAsync("ルールを試す");
            });
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Read_only_users_and_analysts_outside_the_national_centre_are_denied()
    {
        var reader = await app.CreateUserAsync("socreader." + Guid.NewGuid().ToString("N")[..6], Role.ReadOnly, Password);
        var orgId = await app.CreateOrganisationAsync(UiApp.Unique("Agency"));
        var outsiderName = "outsider." + Guid.NewGuid().ToString("N")[..6];
        await using (var scope = app.Server.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<UserService>()
                .CreateAsync(Actor.System, new UserInput(outsiderName, null, null, orgId, Role.Analyst, Password), CancellationToken.None);
        }

        foreach (var user in new[] { reader.UserName, outsiderName })
        {
            var page = await app.NewPageAsync();
            await UiApp.RunAsync(page, async () =>
            {
                await UiApp.SignInAsync(page, user, Password);
                foreach (var path in new[] { "/detection/rules", "/detection/rules/try" })
                {
                    await page.GotoAsync(path);
                    await UiApp.WaitForPathAsync(page, "/denied");
                    await Expect(page.Locator("h1")).ToHaveTextAsync("Access denied");
                }
            });
        }
    }
}
