using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Feeds;
using Musubi.Infrastructure.Feeds.Delivery;
using Musubi.Infrastructure.Feeds.Tracking;
using Musubi.Testing;

namespace Musubi.Infrastructure.Tests.Feeds;

public sealed class InfectedHostTrackerTests(PostgresServer postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    internal static Task<TestHost> StartAsync(DatabaseProvider provider, PostgresServer postgres) =>
        TestHost.StartAsync(provider, postgres, configure: s => s.AddFeedDelivery(new FeedDeliveryOptions { CleanedAfterDays = 7 }));

    internal static FeedReportRow Row(DateTimeOffset? at, string ip, string type = "infected-system", string? malware = "conficker",
        string taxonomy = "malicious-code") => new(at, ip, null, 64500, null, "JP", taxonomy, type, malware, "Shadowserver sinkhole", null);

    /// <summary>Records a report the way the pipeline does: stage, then one save.</summary>
    internal static Task RecordAsync(TestHost host, string ticket, Guid? organisation, params FeedReportRow[] rows) => host.Run(async sp =>
    {
        var now = host.Time.GetUtcNow();
        await sp.GetRequiredService<IInfectedHostTracker>().RecordAsync(
            new FeedReport(ticket, organisation is { } o ? "org:" + o : "mail:abuse@elsewhere.example", organisation, "abuse@isp.example.jp", "ja",
                now.AddHours(-1), now, rows), None);
        await sp.GetRequiredService<MusubiDbContext>().SaveChangesAsync(None);
    });

    private static Task<int> CleanAsync(TestHost host) => host.Run(sp => sp.GetRequiredService<InfectedHostTracker>().EvaluateCleanedAsync(None));

    private static Task<InfectedHostPage> HostsAsync(TestHost host, Actor actor, InfectedHostQuery query) =>
        host.Run(sp => sp.GetRequiredService<InfectedHostQueries>().HostsAsync(actor, query, None));

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Hosts_are_tracked_per_address_type_and_malware_cleaned_after_quiet_days_and_reopened_as_reinfections(DatabaseProvider provider)
    {
        await using var host = await StartAsync(provider, postgres);
        var ispA = await host.CreateOrgAsync(Builders.Org("Tracked ISP A", OrganisationKind.Isp));
        var ispB = await host.CreateOrgAsync(Builders.Org("Tracked ISP B", OrganisationKind.Isp));
        var analystA = await host.CreateUserAsync(ispA.Id, Role.Analyst);
        var serviceA = await host.CreateUserAsync(ispA.Id, Role.Service);
        var analystB = await host.CreateUserAsync(ispB.Id, Role.Analyst);
        var centre = await host.CreateUserAsync(host.Admin.OrganisationId, Role.Analyst);
        var t0 = host.Time.GetUtcNow();

        await RecordAsync(host, "MSB-T-1", ispA.Id,
            Row(t0.AddMinutes(-50), "192.0.2.10"), Row(t0.AddMinutes(-20), "192.0.2.10"), Row(t0.AddMinutes(-30), "192.0.2.11", malware: "mirai"),
            Row(null, "2001:DB8:0:0::7", "vulnerable-system", null, "vulnerable"), Row(t0, "192.0.2.12", malware: "mirai"));
        await RecordAsync(host, "MSB-T-1", ispA.Id, Row(t0, "192.0.2.99")); // the same ticket again: nothing changes
        await RecordAsync(host, "MSB-T-B", ispB.Id, Row(t0, "198.51.100.1"));

        var open = await HostsAsync(host, analystA, new InfectedHostQuery());
        Assert.Equal(4, open.Total);
        Assert.DoesNotContain(open.Items, h => h.Address == "192.0.2.99" || h.Address == "198.51.100.1");
        var ten = Assert.Single(open.Items, h => h.Address == "192.0.2.10");
        Assert.Equal((t0.AddMinutes(-50), t0.AddMinutes(-20), 1, "MSB-T-1", "open"), (ten.FirstSeen, ten.LastSeen, ten.TimesReported, ten.LastTicket, ten.State));
        var v6 = Assert.Single(open.Items, h => h.Address == "2001:db8::7");
        Assert.Null(v6.Malware);
        Assert.Equal(t0, v6.LastSeen); // no time in the row: the report's end
        Assert.Equal(4, (await HostsAsync(host, serviceA, new InfectedHostQuery())).Total);

        var ticket = await host.Run(sp => sp.GetRequiredService<InfectedHostQueries>().TicketAsync(analystA, "MSB-T-1", None));
        Assert.Equal((5, 4, "report.MSB-T-1"), (ticket.Report.RowCount, ticket.Report.HostCount, ticket.Report.MessageIdLocalPart));
        Assert.Equal(2, Assert.Single(ticket.Hosts, h => h.Address == "192.0.2.10").Rows);

        // Day 3: .10 and .12 observed again (.12 as a second malware on the same address is a separate host row).
        host.Time.Advance(TimeSpan.FromDays(3));
        var t3 = host.Time.GetUtcNow();
        await RecordAsync(host, "MSB-T-2", ispA.Id, Row(t3, "192.0.2.10"), Row(t3, "192.0.2.12", malware: "mirai"), Row(t3, "192.0.2.12", malware: "qsnatch"));

        // Day 9: .11 and ::7 (and ISP B's host) have been quiet for 9 days (cleaned, as of day 7); .10 and .12 for 6 (open).
        host.Time.Advance(TimeSpan.FromDays(6));
        Assert.Equal(3, await CleanAsync(host));
        Assert.Equal(0, await CleanAsync(host));
        var cleaned = await HostsAsync(host, analystA, new InfectedHostQuery(State: "cleaned"));
        Assert.Equal(["192.0.2.11", "2001:db8::7"], cleaned.Items.Select(h => h.Address).Order(StringComparer.Ordinal));
        Assert.All(cleaned.Items, h => Assert.Equal(h.LastSeen.AddDays(7), h.CleanedAt));
        Assert.Equal(3, (await HostsAsync(host, analystA, new InfectedHostQuery(State: "open"))).Total);
        Assert.Equal(5, (await HostsAsync(host, analystA, new InfectedHostQuery(State: "all"))).Total);
        Assert.Equal(2, (await HostsAsync(host, analystA, new InfectedHostQuery(State: "all", Malware: "mirai"))).Total);
        Assert.Equal(3, (await HostsAsync(host, analystA, new InfectedHostQuery(State: "all", Since: t3))).Total);

        // Day 12: .11 observed again: open, a re-infection, a second episode.
        host.Time.Advance(TimeSpan.FromDays(3));
        await RecordAsync(host, "MSB-T-3", ispA.Id, Row(host.Time.GetUtcNow(), "192.0.2.11", malware: "mirai"));
        var eleven = Assert.Single((await HostsAsync(host, analystA, new InfectedHostQuery(State: "open", Malware: "mirai"))).Items, h => h.Address == "192.0.2.11");
        Assert.Equal((1, 2, "open", (DateTimeOffset?)null), (eleven.Reinfections, eleven.TimesReported, eleven.State, eleven.CleanedAt));
        var episodes = await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().Set<InfectedHostEpisodeEntity>()
            .Where(e => e.HostId == eleven.Id).OrderBy(e => e.OpenedAt).ToListAsync());
        Assert.Equal([false, true], episodes.Select(e => e.IsReinfection));
        Assert.Equal(t0.AddMinutes(-30).AddDays(7), episodes[0].CleanedAt);
        Assert.Null(episodes[1].CleanedAt);

        // Day 12 still: .10 and .12 were last seen on day 3, nine days ago: the job cleans them.
        Assert.Equal(3, await CleanAsync(host));
        Assert.Equal(["192.0.2.11"], (await HostsAsync(host, analystA, new InfectedHostQuery())).Items.Select(h => h.Address));

        // Another ISP sees none of it; the centre's staff see it; the tracker's other recipient stays apart.
        Assert.Equal(1, (await HostsAsync(host, analystB, new InfectedHostQuery(State: "all"))).Total);
        await Assert.ThrowsAsync<ForbiddenException>(() => HostsAsync(host, analystB, new InfectedHostQuery(OrganisationId: ispA.Id)));
        await Assert.ThrowsAsync<NotFoundException>(() => host.Run(sp => sp.GetRequiredService<InfectedHostQueries>().TicketAsync(analystB, "MSB-T-1", None)));
        await Assert.ThrowsAsync<NotFoundException>(() => host.Run(sp => sp.GetRequiredService<InfectedHostQueries>().TicketAsync(analystA, "MSB-T-B", None)));
        Assert.Equal(5, (await HostsAsync(host, centre, new InfectedHostQuery(OrganisationId: ispA.Id, State: "all"))).Total);
        await Assert.ThrowsAsync<ForbiddenException>(() => HostsAsync(host, host.Admin, new InfectedHostQuery(OrganisationId: ispA.Id)));
        await Assert.ThrowsAsync<ValidationFailedException>(() => HostsAsync(host, analystA, new InfectedHostQuery(State: "gone")));
        var reports = await host.Run(sp => sp.GetRequiredService<InfectedHostQueries>().ReportsAsync(analystA, null, 10, None));
        Assert.Equal(["MSB-T-3", "MSB-T-2", "MSB-T-1"], reports.Select(r => r.Ticket));

        var csv = await host.Run(sp => sp.GetRequiredService<InfectedHostQueries>().HostsCsvAsync(analystA, new InfectedHostQuery(State: "all"), None));
        var lines = FeedReportSenderTests.ParseCsv(csv);
        Assert.Equal(InfectedHostQueries.CsvHeader, lines[0]);
        Assert.Equal(6, lines.Count);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Two_reports_staged_in_one_unit_of_work_share_host_rows(DatabaseProvider provider)
    {
        await using var host = await StartAsync(provider, postgres);
        var isp = await host.CreateOrgAsync(Builders.Org("Batched ISP", OrganisationKind.Isp));
        var analyst = await host.CreateUserAsync(isp.Id, Role.Analyst);
        var now = host.Time.GetUtcNow();
        await host.Run(async sp =>
        {
            var tracker = sp.GetRequiredService<IInfectedHostTracker>();
            foreach (var (ticket, minutes) in new[] { ("MSB-B-1", -30), ("MSB-B-2", -10) })
            {
                await tracker.RecordAsync(new FeedReport(ticket, "org:" + isp.Id, isp.Id, null, "en", now.AddHours(-1), now,
                    [Row(now.AddMinutes(minutes), "203.0.113.5")]), None);
            }

            await sp.GetRequiredService<MusubiDbContext>().SaveChangesAsync(None);
        });
        var only = Assert.Single((await HostsAsync(host, analyst, new InfectedHostQuery())).Items);
        Assert.Equal((2, "MSB-B-2", now.AddMinutes(-10)), (only.TimesReported, only.LastTicket, only.LastSeen));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Nothing_is_stored_when_the_pipeline_does_not_save(DatabaseProvider provider)
    {
        await using var host = await StartAsync(provider, postgres);
        var isp = await host.CreateOrgAsync(Builders.Org("Unsaved ISP", OrganisationKind.Isp));
        var now = host.Time.GetUtcNow();
        await host.Run(sp => sp.GetRequiredService<IInfectedHostTracker>().RecordAsync(new FeedReport("MSB-U-1", "org:" + isp.Id, isp.Id, null, "en",
            now.AddHours(-1), now, [Row(now, "203.0.113.9")]), None));
        Assert.Equal(0, await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().Set<InfectedHostEntity>().CountAsync()));
        Assert.Equal(0, await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().Set<TrackedReportEntity>().CountAsync()));
    }
}
