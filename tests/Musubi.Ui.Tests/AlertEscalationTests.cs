using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Detection;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Musubi.Ui.Tests;

/// <summary>
/// The browser test: a national SOC analyst watches the alert queue, sees a new alert arrive without
/// reloading, escalates two alerts into one incident and assigns the mobile assistance team to it.
/// </summary>
public sealed class AlertEscalationTests(UiApp app) : IClassFixture<UiApp>
{
    /// <summary>An indicator alert as the detection worker writes it, in the server's database.</summary>
    private async Task<Guid> RaiseAlertAsync(Guid organisation, string value)
    {
        var alert = new AlertEntity
        {
            Id = Guid.NewGuid(), OrganisationId = organisation, Kind = "indicator", SourceId = "indicator--3f1b0a55-8f0e-4e44-9d1f-6a2b7c9d0e11",
            Title = $"Indicator ipv4-addr {value}", Level = "indicator", Severity = 72, Host = "scada-hist-07", GroupKey = Guid.NewGuid().ToString(),
            FirstSeen = DateTimeOffset.UtcNow, LastSeen = DateTimeOffset.UtcNow, Count = 4, Status = "new",
            Evidence = "{\"indicator\":{\"kind\":\"ipv4-addr\",\"value\":\"" + value + "\",\"confidence\":90}}",
        };
        await using var scope = app.Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusubiDbContext>();
        db.Set<AlertEntity>().Add(alert);
        await db.SaveChangesAsync();
        return alert.Id;
    }

    [Fact]
    public async Task An_analyst_turns_alerts_into_an_incident_and_assigns_the_mobile_assistance_team()
    {
        var victim = UiApp.Unique("Water Utility");
        var victimId = await app.CreateOrganisationAsync(victim);
        var team = UiApp.Unique("Mobile Assistance Team");
        await app.CreateOrganisationAsync(team);
        var analyst = UiApp.Unique("soc").Replace(' ', '-');
        await app.CreateUserAsync(analyst, Role.Analyst, "soc-analyst-passphrase");
        var first = await RaiseAlertAsync(victimId, "203.0.113.77");

        var page = await app.NewPageAsync();
        await UiApp.RunAsync(page, async () =>
        {
            await UiApp.SignInAsync(page, analyst, "soc-analyst-passphrase");
            await page.ClickAsync("nav >> text=Alerts");
            await UiApp.WaitForPathAsync(page, "/alerts");
            await page.SelectOptionAsync("#filter-alert-organisation", victimId.ToString());
            await page.ClickAsync("#alert-filter-submit");
            await Expect(page.Locator($"tr[data-alert-id='{first}']")).ToContainTextAsync("203.0.113.77");
            await Expect(page.Locator("#alerts-by-severity")).ToBeVisibleAsync();

            // A second alert arrives while the page is open: it appears without a reload.
            var second = await RaiseAlertAsync(victimId, "198.51.100.78");
            await Expect(page.Locator($"tr[data-alert-id='{second}']")).ToContainTextAsync("198.51.100.78", new() { Timeout = 30_000 });

            await page.CheckAsync($"tr[data-alert-id='{first}'] input[type=checkbox]");
            await page.CheckAsync($"tr[data-alert-id='{second}'] input[type=checkbox]");
            await page.FillAsync("#escalate-title", "C2 beaconing from the SCADA historian");
            await page.ClickAsync("#escalate-selected");

            await Expect(page.Locator("#notice")).ToContainTextAsync("The alerts were escalated into this incident.");
            await Expect(page.Locator("#incident-title")).ToContainTextAsync("C2 beaconing from the SCADA historian");
            await Expect(page.Locator("#incident-details")).ToContainTextAsync(victim);
            await Expect(page.Locator("#evidence-table")).ToContainTextAsync($"alert-{first}.json");
            await Expect(page.Locator("#timeline-list")).ToContainTextAsync("escalated from 2 alert(s)");

            await page.SelectOptionAsync("#team-organisation", new SelectOptionValue { Label = team });
            await page.SelectOptionAsync("#team-role", "MobileAssistanceTeam");
            await page.ClickAsync("#team-submit");
            await Expect(page.Locator("#team-table")).ToContainTextAsync(team);
            await Expect(page.Locator("#team-table")).ToContainTextAsync("Mobile assistance team");
            await Expect(page.Locator("#timeline-list")).ToContainTextAsync($"{team} assigned as mobile assistance team");
            var reference = (await page.Locator("#incident-title").TextContentAsync())!.Split(':')[0];
            await UiApp.ScreenshotAsync(page, "incident-from-alerts");

            await page.GotoAsync($"/alerts?organisation={victimId}");
            var row = page.Locator($"tr[data-alert-id='{first}']");
            await Expect(row).ToContainTextAsync("Escalated");
            await Expect(row.Locator("a.alert-incident")).ToHaveTextAsync(reference);
            await Expect(row.Locator("input[type=checkbox]")).ToBeDisabledAsync();

            await page.ClickAsync("#lang-ja");
            await Expect(page.Locator("h1")).ToHaveTextAsync("アラート");
            await Expect(row).ToContainTextAsync("引き上げ済み");
        });
    }

    [Fact]
    public async Task An_analyst_acknowledges_a_ticked_alert_and_the_status_filter_then_finds_it_under_acknowledged_only()
    {
        var victimId = await app.CreateOrganisationAsync(UiApp.Unique("Gas Operator"));
        var analyst = UiApp.Unique("ack").Replace(' ', '-');
        await app.CreateUserAsync(analyst, Role.Analyst, "ack-analyst-passphrase");
        var ticked = await RaiseAlertAsync(victimId, "203.0.113.91");
        var untouched = await RaiseAlertAsync(victimId, "203.0.113.92");

        var page = await app.NewPageAsync();
        await UiApp.RunAsync(page, async () =>
        {
            await UiApp.SignInAsync(page, analyst, "ack-analyst-passphrase");
            await page.GotoAsync($"/alerts?organisation={victimId}");
            await page.CheckAsync($"tr[data-alert-id='{ticked}'] input[type=checkbox]");
            await page.ClickAsync("#acknowledge-selected");

            await Expect(page.Locator("#notice")).ToContainTextAsync("The selected alerts were acknowledged.");
            await Expect(page.Locator($"tr[data-alert-id='{ticked}']")).ToContainTextAsync("Acknowledged");
            await Expect(page.Locator($"tr[data-alert-id='{untouched}']")).Not.ToContainTextAsync("Acknowledged");

            await page.SelectOptionAsync("#filter-alert-status", "acknowledged");
            await page.ClickAsync("#alert-filter-submit");
            await Expect(page.Locator($"tr[data-alert-id='{ticked}']")).ToBeVisibleAsync();
            await Expect(page.Locator($"tr[data-alert-id='{untouched}']")).ToHaveCountAsync(0);

            await page.SelectOptionAsync("#filter-alert-status", "new");
            await page.ClickAsync("#alert-filter-submit");
            await Expect(page.Locator($"tr[data-alert-id='{untouched}']")).ToBeVisibleAsync();
            await Expect(page.Locator($"tr[data-alert-id='{ticked}']")).ToHaveCountAsync(0);
        });

        await using var scope = app.Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusubiDbContext>();
        var stored = await db.Set<AlertEntity>().FindAsync([ticked], TestContext.Current.CancellationToken);
        Assert.Equal("acknowledged", stored!.Status);
    }
}
