using Microsoft.Extensions.DependencyInjection;
using Musubi.Core;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Feeds.Tracking;
using Musubi.Testing;
using static Musubi.Infrastructure.Tests.Feeds.InfectedHostTrackerTests;

namespace Musubi.Infrastructure.Tests.Feeds;

public sealed class CleanupFiguresTests(PostgresServer postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Weekly_per_isp_and_campaign_figures_follow_the_cleaned_rule(DatabaseProvider provider)
    {
        await using var host = await StartAsync(provider, postgres);
        var isp = await host.CreateOrgAsync(Builders.Org("Figures ISP", OrganisationKind.Isp));
        var other = await host.CreateOrgAsync(Builders.Org("Figures other ISP", OrganisationKind.Isp));
        var analyst = await host.CreateUserAsync(isp.Id, Role.Analyst);
        var outsider = await host.CreateUserAsync(other.Id, Role.Analyst);
        var centre = await host.CreateUserAsync(host.Admin.OrganisationId, Role.OrgAdmin);
        var t0 = host.Time.GetUtcNow(); // Wednesday 2026-04-01 09:00: its week starts Monday 2026-03-30
        Assert.Equal(new DateTimeOffset(2026, 3, 30, 0, 0, 0, TimeSpan.Zero), CleanupFigures.WeekStart(t0));

        await RecordAsync(host, "MSB-F-1", isp.Id, Row(t0, "192.0.2.1"), Row(t0, "192.0.2.2"), Row(t0, "192.0.2.3"),
            Row(t0, "192.0.2.4", "vulnerable-system", null, "vulnerable"));
        await RecordAsync(host, "MSB-F-X", other.Id, Row(t0, "198.51.100.1"));
        host.Time.Advance(TimeSpan.FromDays(3));
        await RecordAsync(host, "MSB-F-2", isp.Id, Row(host.Time.GetUtcNow(), "192.0.2.1"));
        host.Time.Advance(TimeSpan.FromDays(5));
        await RecordAsync(host, "MSB-F-3", isp.Id, Row(host.Time.GetUtcNow(), "192.0.2.1"));
        host.Time.Advance(TimeSpan.FromDays(4)); // day 12: .2, .3, .4 quiet for 12 days, .1 for 4
        await host.Run(sp => sp.GetRequiredService<InfectedHostTracker>().EvaluateCleanedAsync(None));
        host.Time.Advance(TimeSpan.FromDays(2)); // day 14: .2 is back
        await RecordAsync(host, "MSB-F-4", isp.Id, Row(host.Time.GetUtcNow(), "192.0.2.2"));

        var figures = (IServiceProvider sp) => sp.GetRequiredService<CleanupFigures>();
        var weeks = await host.Run(sp => figures(sp).WeeklyAsync(analyst, null, t0, t0.AddDays(15), None));
        Assert.Equal(3, weeks.Count);
        Assert.Equal((4, 4, 3, 0, 1), (weeks[0].Reported, weeks[0].New, weeks[0].Cleaned, weeks[0].Reinfected, weeks[0].OpenAtEnd));
        Assert.Equal(0.75, weeks[0].CumulativeRate);
        Assert.Equal((1, 0, 0, 0, 1), (weeks[1].Reported, weeks[1].New, weeks[1].Cleaned, weeks[1].Reinfected, weeks[1].OpenAtEnd));
        Assert.Equal((1, 0, 0, 1, 2), (weeks[2].Reported, weeks[2].New, weeks[2].Cleaned, weeks[2].Reinfected, weeks[2].OpenAtEnd));
        Assert.Equal(0.6, weeks[2].CumulativeRate!.Value, 6);
        Assert.Equal(weeks.Select(w => w.OpenAtEnd), (await host.Run(sp => figures(sp).WeeklyAsync(centre, isp.Id, t0, t0.AddDays(15), None))).Select(w => w.OpenAtEnd));
        await Assert.ThrowsAsync<ForbiddenException>(() => host.Run(sp => figures(sp).WeeklyAsync(outsider, isp.Id, t0, t0.AddDays(15), None)));
        await Assert.ThrowsAsync<ValidationFailedException>(() => host.Run(sp => figures(sp).WeeklyAsync(analyst, null, t0, t0.AddDays(7 * 200), None)));

        var perIsp = await host.Run(sp => figures(sp).PerOrganisationAsync(centre, CleanupFigures.WeekStart(t0), CleanupFigures.WeekStart(t0).AddDays(21), None));
        var mine = Assert.Single(perIsp, s => s.OrganisationId == isp.Id);
        Assert.Equal((4, 3, 1, 2, 0.6), (mine.Reported, mine.Cleaned, mine.Reinfected, mine.OpenNow, Math.Round(mine.Rate!.Value, 6)));
        Assert.Contains(perIsp, s => s.OrganisationId == other.Id);
        Assert.Equal([isp.Id], (await host.Run(sp => figures(sp).PerOrganisationAsync(analyst, t0, t0.AddDays(21), None))).Select(s => s.OrganisationId));

        // A clean day from t0 to day 10 for infected systems of this ISP: .1, .2, .3 open at its start; .2 and .3 cleaned during it.
        var campaigns = (IServiceProvider sp) => sp.GetRequiredService<CleanupCampaignService>();
        var input = new CampaignInput("Clean day April", null, t0, t0.AddDays(10), [isp.Id], null, "infected-system", null);
        await Assert.ThrowsAsync<ForbiddenException>(() => host.Run(sp => campaigns(sp).CreateAsync(analyst, input, None)));
        await Assert.ThrowsAsync<ValidationFailedException>(() => host.Run(sp => campaigns(sp).CreateAsync(centre, input with { End = t0 }, None)));
        var created = await host.Run(sp => campaigns(sp).CreateAsync(centre, input, None));
        var f = await host.Run(sp => campaigns(sp).FiguresAsync(centre, created.Id, None));
        Assert.Equal((3, 2, 1, 0), (f.HostsAtStart, f.CleanedDuring, f.StillOpen, f.NewDuring));
        Assert.Equal(2 / 3.0, f.Rate!.Value, 6);
        Assert.Equal(11, f.Days.Count);
        Assert.Equal(1, f.Days[0].OpenOfStart);
        var row = Assert.Single(f.Organisations);
        Assert.Equal((isp.Id, 3, 2, 1), (row.OrganisationId, row.HostsAtStart, row.CleanedDuring, row.StillOpen));
        Assert.Equal(f.HostsAtStart, (await host.Run(sp => campaigns(sp).FiguresAsync(analyst, created.Id, None))).HostsAtStart);
        await Assert.ThrowsAsync<NotFoundException>(() => host.Run(sp => campaigns(sp).FiguresAsync(outsider, created.Id, None)));
        Assert.Empty(await host.Run(sp => campaigns(sp).ListAsync(outsider, None)));
        Assert.Single(await host.Run(sp => campaigns(sp).ListAsync(analyst, None)));
    }
}
