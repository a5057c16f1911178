using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Identity;
using Musubi.Core.Sharing;
using Musubi.Infrastructure.Identity;
using Musubi.Infrastructure.Intelligence;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Musubi.Ui.Tests;

/// <summary>
/// The intelligence pages: search lists only what the reader may see (another organisation's AMBER object is not
/// listed), and the object page shows fields, TLP, versions, the relationship graph without invisible neighbours, a
/// manual sighting and the publish dialog that derives a sanitised copy.
/// </summary>
public sealed class IntelligenceUiTests(UiApp app) : IClassFixture<UiApp>
{
    private const string Password = "intel-analyst-passphrase";
    private const string T = "\"created\":\"2026-03-01T00:00:00.000Z\",\"modified\":\"2026-03-01T00:00:00.000Z\"";

    private async Task<(Actor Actor, string UserName)> AnalystAsync(Guid? organisation = null)
    {
        var name = UiApp.Unique("intel").Replace(' ', '-');
        UserDto user;
        if (organisation is { } org)
        {
            await using var scope = app.Server.Services.CreateAsyncScope();
            user = await scope.ServiceProvider.GetRequiredService<UserService>().CreateAsync(Actor.System,
                new UserInput(name, null, null, org, Role.Analyst, Password), CancellationToken.None);
        }
        else
        {
            user = await app.CreateUserAsync(name, Role.Analyst, Password);
        }

        return (new Actor(user.Id, user.UserName, user.OrganisationId, Role.Analyst), name);
    }

    private async Task PublishAsync(Actor actor, Tlp tlp, params string[] objects)
    {
        var bundle = $$"""{"type":"bundle","id":"bundle--{{Guid.NewGuid()}}","objects":[{{string.Join(",", objects)}}]}""";
        await using var scope = app.Server.Services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<StixImporter>().ImportAsync(actor, new MemoryStream(Encoding.UTF8.GetBytes(bundle)),
            new PublishOptions(tlp), CancellationToken.None);
        Assert.Empty(result.Failures);
    }

    private static string Indicator(string id, string name, string domain) =>
        $$"""{"type":"indicator","spec_version":"2.1","id":"{{id}}",{{T}},"name":"{{name}}","pattern":"[domain-name:value = '{{domain}}']","pattern_type":"stix","valid_from":"2026-03-01T00:00:00Z"}""";

    [Fact]
    public async Task Search_lists_own_intelligence_and_not_another_organisations_amber_object()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var (centre, userName) = await AnalystAsync();
        var (other, _) = await AnalystAsync(await app.CreateOrganisationAsync(UiApp.Unique("Other ministry")));
        var mine = $"indicator--{Guid.NewGuid()}";
        var theirs = $"indicator--{Guid.NewGuid()}";
        await PublishAsync(centre, Tlp.Amber, Indicator(mine, "Our phishing domain", $"mine-{tag}.example.net"));
        await PublishAsync(other, Tlp.Amber, Indicator(theirs, "Their phishing domain", $"theirs-{tag}.example.net"));

        var page = await app.NewPageAsync();
        await UiApp.RunAsync(page, async () =>
        {
            await UiApp.SignInAsync(page, userName, Password);
            await page.GotoAsync("/intel");
            await page.FillAsync("#filter-q", tag);
            await page.SelectOptionAsync("#filter-type", "indicator");
            await page.SelectOptionAsync("#filter-tlp", "Amber");
            await page.ClickAsync("#filter-submit");
            await UiApp.WaitForPathAsync(page, "/intel", tag);

            await Expect(page.Locator($"#intel-results tr[data-id='{mine}']")).ToBeVisibleAsync();
            await Expect(page.Locator("#intel-results tbody tr")).ToHaveCountAsync(1);
            Assert.DoesNotContain(theirs, await page.ContentAsync(), StringComparison.Ordinal);
            Assert.DoesNotContain("Their phishing domain", await page.ContentAsync(), StringComparison.Ordinal);

            await page.GotoAsync($"/intel?q={tag}&tlp=Green");
            await Expect(page.Locator("#no-results")).ToBeVisibleAsync();
            var response = await page.GotoAsync($"/intel/{theirs}");
            Assert.Equal(404, response?.Status);
        });
    }

    [Fact]
    public async Task The_object_page_shows_the_graph_without_hidden_neighbours_records_a_sighting_and_publishes_a_sanitised_copy()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var (centre, userName) = await AnalystAsync();
        var (other, _) = await AnalystAsync(await app.CreateOrganisationAsync(UiApp.Unique("Other agency")));
        var indicator = $"indicator--{Guid.NewGuid()}";
        var malware = $"malware--{Guid.NewGuid()}";
        var hiddenActor = $"threat-actor--{Guid.NewGuid()}";
        await PublishAsync(centre, Tlp.Amber,
            Indicator(indicator, $"Loader C2 {tag}", $"loader-{tag}.example.net"),
            $$"""{"type":"malware","spec_version":"2.1","id":"{{malware}}",{{T}},"name":"SmokeLoader {{tag}}","is_family":true}""",
            $$"""{"type":"relationship","spec_version":"2.1","id":"relationship--{{Guid.NewGuid()}}",{{T}},"relationship_type":"indicates","source_ref":"{{indicator}}","target_ref":"{{malware}}"}""");
        // Another organisation attributes the indicator privately: its actor must not be drawn or named for us.
        await PublishAsync(other, Tlp.Amber,
            $$"""{"type":"threat-actor","spec_version":"2.1","id":"{{hiddenActor}}",{{T}},"name":"Hidden Crew {{tag}}"}""",
            $$"""{"type":"relationship","spec_version":"2.1","id":"relationship--{{Guid.NewGuid()}}",{{T}},"relationship_type":"attributed-to","source_ref":"{{indicator}}","target_ref":"{{hiddenActor}}"}""");

        var page = await app.NewPageAsync();
        await UiApp.RunAsync(page, async () =>
        {
            await UiApp.SignInAsync(page, userName, Password);
            await page.GotoAsync($"/intel/{indicator}");
            await Expect(page.Locator("#intel-title")).ToHaveTextAsync($"Loader C2 {tag}");
            await Expect(page.Locator("#intel-tlp")).ToHaveTextAsync("TLP:AMBER");
            await Expect(page.Locator("#intel-fields")).ToContainTextAsync($"loader-{tag}.example.net");
            await Expect(page.Locator($"#graph-svg a.graph-node[data-id='{malware}']")).ToHaveCountAsync(1);
            await Expect(page.Locator("#graph-svg a.graph-node")).ToHaveCountAsync(1);
            await Expect(page.Locator("#graph-svg")).ToContainTextAsync("indicates");
            var html = await page.ContentAsync();
            Assert.DoesNotContain(hiddenActor, html, StringComparison.Ordinal);
            Assert.DoesNotContain("Hidden Crew", html, StringComparison.Ordinal);
            await Expect(page.Locator("#intel-score")).ToContainTextAsync("75.0");
            await Expect(page.Locator("#intel-versions li")).ToHaveCountAsync(1);

            await page.FillAsync("#sighting-count", "3");
            await page.ClickAsync("#sighting-submit");
            await Expect(page.Locator("#notice")).ToContainTextAsync("Your sighting was recorded.");
            await Expect(page.Locator("#sightings-table tbody tr")).ToHaveCountAsync(1);
            await Expect(page.Locator("#sightings-table")).ToContainTextAsync("3");

            await page.ClickAsync($"#graph-svg a.graph-node[data-id='{malware}']");
            await UiApp.WaitForPathAsync(page, $"/intel/{malware}");
            await Expect(page.Locator("#intel-title")).ToHaveTextAsync($"SmokeLoader {tag}");
            await page.GotoAsync($"/intel/{indicator}");
            await Expect(page.Locator("#intel-title")).ToHaveTextAsync($"Loader C2 {tag}");

            await page.SelectOptionAsync("#publish-tlp", "Green");
            await page.CheckAsync("#publish-communities input[value='sector-finance']");
            await page.ClickAsync("#publish-submit");
            await Expect(page.Locator("#notice")).ToContainTextAsync("A sanitised copy was published by the national centre.");
            Assert.NotEqual($"/intel/{indicator}", new Uri(page.Url).AbsolutePath);
            await Expect(page.Locator("#intel-tlp")).ToHaveTextAsync("TLP:GREEN");
            await Expect(page.Locator("#intel-scope")).ToContainTextAsync("Finance sector");
            Assert.DoesNotContain(indicator, await page.Locator("#intel-fields").InnerTextAsync(), StringComparison.Ordinal);

            await page.GotoAsync($"/intel/{indicator}");
            await Expect(page.Locator("#intel-copies li")).ToHaveCountAsync(1);
            await UiApp.ScreenshotAsync(page, "intel-object");
        });
    }
}
