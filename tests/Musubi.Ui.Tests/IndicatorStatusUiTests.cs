using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Identity;
using Musubi.Core.Sharing;
using Musubi.Infrastructure.Detection;
using Musubi.Infrastructure.Identity;
using Musubi.Infrastructure.Intelligence;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Musubi.Ui.Tests;

/// <summary>
/// The indicator status page: a national SOC analyst sees its organisation's indicators as active (with how they are
/// applied), expired, or rejected with the reason, and never another organisation's AMBER indicator; an analyst of
/// another organisation is denied the page.
/// </summary>
public sealed class IndicatorStatusUiTests(UiApp app) : IClassFixture<UiApp>
{
    private const string Password = "indicator-status-passphrase-3";
    private const string T = "\"created\":\"2026-03-01T00:00:00.000Z\",\"modified\":\"2026-03-01T00:00:00.000Z\"";

    private static string Indicator(string id, string pattern, string? validUntil = null) =>
        $$"""{"type":"indicator","spec_version":"2.1","id":"{{id}}",{{T}},"pattern":"{{pattern}}","pattern_type":"stix","valid_from":"{{(validUntil is null ? "2026-03-01T00:00:00Z" : "2019-01-01T00:00:00Z")}}"{{(validUntil is null ? "" : $",\"valid_until\":\"{validUntil}\"")}}}""";

    private async Task<(Actor Actor, string UserName)> AnalystAsync(Guid? organisation = null)
    {
        var name = UiApp.Unique("status").Replace(' ', '-');
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

    private async Task PublishAsync(Actor actor, params string[] objects)
    {
        var bundle = $$"""{"type":"bundle","id":"bundle--{{Guid.NewGuid()}}","objects":[{{string.Join(",", objects)}}]}""";
        await using var scope = app.Server.Services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<StixImporter>().ImportAsync(actor, new MemoryStream(Encoding.UTF8.GetBytes(bundle)),
            new PublishOptions(Tlp.Amber), CancellationToken.None);
        Assert.Empty(result.Failures);
    }

    [Fact]
    public async Task A_national_soc_analyst_sees_active_expired_and_rejected_indicators_but_not_another_organisations_amber_one()
    {
        var (centre, userName) = await AnalystAsync();
        var (other, otherName) = await AnalystAsync(await app.CreateOrganisationAsync(UiApp.Unique("Other ministry")));
        var across = $"indicator--{Guid.NewGuid()}";
        var expired = $"indicator--{Guid.NewGuid()}";
        var rejected = $"indicator--{Guid.NewGuid()}";
        var theirs = $"indicator--{Guid.NewGuid()}";
        var theirsExpired = $"indicator--{Guid.NewGuid()}";
        await PublishAsync(centre,
            Indicator(across, "[ipv4-addr:value = '203.0.113.41'] FOLLOWEDBY [ipv4-addr:value = '203.0.113.42']"),
            Indicator(expired, "[domain-name:value = 'old.example.org']", "2020-01-01T00:00:00Z"),
            Indicator(rejected, "([ipv4-addr:value = '203.0.113.43'] AND [ipv4-addr:value = '203.0.113.44']) WITHIN 100000 SECONDS"));
        await PublishAsync(other,
            Indicator(theirs, "[ipv4-addr:value = '203.0.113.45'] REPEATS 2 TIMES"),
            Indicator(theirsExpired, "[domain-name:value = 'theirs-old.example.org']", "2020-01-01T00:00:00Z"));
        await app.Server.Services.GetRequiredService<StoreIndicators>().RefreshAsync(CancellationToken.None, force: true);

        var page = await app.NewPageAsync();
        await UiApp.RunAsync(page, async () =>
        {
            await UiApp.SignInAsync(page, userName, Password);
            await page.ClickAsync("nav.mainnav a[href='/detection/indicators']");
            await Expect(page.Locator("h1")).ToHaveTextAsync("Indicator status");
            await Expect(page.Locator("#indicator-chart")).ToContainTextAsync("Evaluated across events");
            var row = page.Locator($"#indicator-list tr[data-id='{across}']");
            await Expect(row.Locator(".mode")).ToHaveTextAsync("pattern, across events");
            await Expect(row).ToContainTextAsync("FOLLOWEDBY");

            await page.ClickAsync("#tab-inactive");
            await Expect(page.Locator("#indicator-list")).ToHaveAttributeAsync("data-state", "inactive");
            await Expect(page.Locator($"#indicator-list tr[data-id='{expired}'] .reason")).ToContainTextAsync("expired: valid_until 2020-01-01T00:00:00Z has passed");

            await page.ClickAsync("#tab-rejected");
            await Expect(page.Locator($"#indicator-list tr[data-id='{rejected}'] .reason"))
                .ToContainTextAsync("WITHIN 100000 SECONDS is longer than the longest window detection keeps events for (86400 seconds)");

            // The other organisation's AMBER indicators appear in no list.
            foreach (var state in new[] { "active", "inactive", "rejected" })
            {
                await page.GotoAsync($"/detection/indicators?state={state}");
                await Expect(page.Locator("#indicator-list")).ToHaveAttributeAsync("data-state", state);
                var html = await page.ContentAsync();
                Assert.DoesNotContain(theirs, html, StringComparison.Ordinal);
                Assert.DoesNotContain(theirsExpired, html, StringComparison.Ordinal);
                Assert.DoesNotContain("203.0.113.45", html, StringComparison.Ordinal);
            }
        });

        // The same page in Japanese.
        var ja = await app.NewPageAsync("ja-JP");
        await UiApp.RunAsync(ja, async () =>
        {
            await UiApp.SignInAsync(ja, userName, Password);
            await ja.GotoAsync("/detection/indicators?state=rejected");
            await Expect(ja.Locator("h1")).ToHaveTextAsync("インジケーターの状態");
            await Expect(ja.Locator("#tab-active")).ToContainTextAsync("有効");
            await Expect(ja.Locator("#tab-rejected")).ToContainTextAsync("非対応");
            await Expect(ja.Locator($"#indicator-list tr[data-id='{rejected}']")).ToBeVisibleAsync();
        }, "IndicatorStatus_ja");

        // An analyst of another organisation is not the national SOC: denied.
        var outsider = await app.NewPageAsync();
        await UiApp.RunAsync(outsider, async () =>
        {
            await UiApp.SignInAsync(outsider, otherName, Password);
            await outsider.GotoAsync("/detection/indicators");
            await UiApp.WaitForPathAsync(outsider, "/denied");
            Assert.DoesNotContain(theirs, await outsider.ContentAsync(), StringComparison.Ordinal);
        }, "IndicatorStatus_outsider");
    }
}
