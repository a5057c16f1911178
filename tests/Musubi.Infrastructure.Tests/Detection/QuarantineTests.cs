using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Core.Validation;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Detection;
using Musubi.Testing;

namespace Musubi.Infrastructure.Tests.Detection;

/// <summary>
/// Reading the quarantine and the per-sensor counts, on SQLite and PostgreSQL: an organisation's sensor administrators see
/// their own lines only, platform admins and the national SOC all (with the sensor-less ones), newest first, keyset paged.
/// </summary>
public sealed class QuarantineTests(PostgresServer postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    public static TheoryData<DatabaseProvider> Databases => new(DatabaseProvider.Sqlite, DatabaseProvider.Postgres);

    private sealed record World(TestHost Host, Guid OrgA, Guid OrgB, SensorIdentity A1, SensorIdentity A2, SensorIdentity A3, SensorIdentity B1,
        DateTimeOffset Start);

    private static async Task<SensorIdentity> SensorAsync(TestHost host, Guid org, string name)
    {
        var created = await host.Run(sp => sp.GetRequiredService<SensorService>().CreateAsync(host.Admin, new SensorInput(org, name), None));
        return new SensorIdentity(created.Sensor.Id, created.Sensor.Name, org);
    }

    private static async Task QuarantineAsync(TestHost host, SensorIdentity? sensor, string source, string reason, string raw)
    {
        await host.Services.GetRequiredService<EventIngestor>().QuarantineAsync(sensor, source, reason, Encoding.UTF8.GetBytes(raw), None);
        host.Time.Advance(TimeSpan.FromMinutes(1));
    }

    private async Task<World> WorldAsync(DatabaseProvider provider)
    {
        var host = await TestHost.StartAsync(provider, postgres);
        var orgA = (await host.CreateOrgAsync(Builders.Org("Quarantine A"))).Id;
        var orgB = (await host.CreateOrgAsync(Builders.Org("Quarantine B"))).Id;
        var a1 = await SensorAsync(host, orgA, "qa-1");
        var a2 = await SensorAsync(host, orgA, "qa-2");
        var a3 = await SensorAsync(host, orgA, "qa-3");
        var b1 = await SensorAsync(host, orgB, "qb-1");
        var start = host.Time.GetUtcNow();
        await QuarantineAsync(host, a1, "http", "line 1: not JSON", "a1 first");
        await QuarantineAsync(host, b1, "http", "line 1: not JSON", "b1 first");
        await QuarantineAsync(host, a2, "syslog-udp", "not syslog", "a2 only");
        await QuarantineAsync(host, null, "tcp:5140", "listener sensor 'gone' is not registered or revoked", "no sensor");
        await QuarantineAsync(host, a1, "http", "line 7: not JSON", "a1 second");
        await QuarantineAsync(host, b1, "file", "line 2: not JSON", "b1 second");
        await QuarantineAsync(host, a1, "http", "line 9: too long", new string('x', 5000));
        return new World(host, orgA, orgB, a1, a2, a3, b1, start);
    }

    private static Task<QuarantinePage> ListAsync(TestHost host, Actor actor, QuarantineQuery query) =>
        host.Run(sp => sp.GetRequiredService<QuarantineService>().ListAsync(actor, query, None));

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task An_organisation_admin_sees_its_own_lines_newest_first_and_nothing_of_another_organisation(DatabaseProvider provider)
    {
        var w = await WorldAsync(provider);
        await using var host = w.Host;
        var adminA = await host.CreateUserAsync(w.OrgA, Role.OrgAdmin);
        var adminB = await host.CreateUserAsync(w.OrgB, Role.OrgAdmin);

        var mine = await ListAsync(host, adminA, new QuarantineQuery());
        Assert.Equal(["x", "a1 second", "a2 only", "a1 first"], mine.Items.Select(i => i.Raw.Length == 4096 ? "x" : i.Raw));
        Assert.All(mine.Items, i => Assert.Equal(w.OrgA, i.OrganisationId));
        Assert.True(mine.Items.Zip(mine.Items.Skip(1)).All(p => p.First.Id > p.Second.Id));
        Assert.Null(mine.NextBefore);
        var longest = mine.Items[0];
        Assert.Equal((w.A1.Id, "qa-1", "http", "line 9: too long", 5000), (longest.SensorId!.Value, longest.SensorName, longest.Source, longest.Reason, longest.RawBytes));
        Assert.Equal(QuarantineLimits.RawChars, longest.Raw.Length);
        Assert.Equal(w.Start.AddMinutes(6), longest.At);

        Assert.Equal(["a1 second", "a1 first"], (await ListAsync(host, adminA, new QuarantineQuery(SensorId: w.A1.Id, Before: longest.Id))).Items.Select(i => i.Raw));
        Assert.Equal(4, (await ListAsync(host, adminA, new QuarantineQuery(OrganisationId: w.OrgA))).Items.Count);
        Assert.Equal(["b1 second", "b1 first"], (await ListAsync(host, adminB, new QuarantineQuery())).Items.Select(i => i.Raw));

        await Assert.ThrowsAsync<ForbiddenException>(() => ListAsync(host, adminA, new QuarantineQuery(OrganisationId: w.OrgB)));
        await Assert.ThrowsAsync<NotFoundException>(() => ListAsync(host, adminA, new QuarantineQuery(SensorId: w.B1.Id)));
        await Assert.ThrowsAsync<NotFoundException>(() => ListAsync(host, adminA, new QuarantineQuery(SensorId: Guid.NewGuid())));
        // A sensor of A asked for under B's organisation id is still refused for B's organisation, not mixed.
        await Assert.ThrowsAsync<ForbiddenException>(() => ListAsync(host, adminA, new QuarantineQuery(OrganisationId: w.OrgB, SensorId: w.A1.Id)));
        foreach (var role in new[] { Role.Analyst, Role.ReadOnly, Role.Service })
        {
            var outsider = await host.CreateUserAsync(w.OrgA, role);
            await Assert.ThrowsAsync<ForbiddenException>(() => ListAsync(host, outsider, new QuarantineQuery()));
            await Assert.ThrowsAsync<NotFoundException>(() => ListAsync(host, outsider, new QuarantineQuery(SensorId: w.A1.Id)));
        }

        // An admin's token without constituency:write reads nothing.
        var scoped = adminA with { Scopes = new HashSet<string> { Scopes.ConstituencyRead } };
        await Assert.ThrowsAsync<ForbiddenException>(() => ListAsync(host, scoped, new QuarantineQuery()));
        Assert.Empty(await host.Run(sp => sp.GetRequiredService<QuarantineService>().SensorsAsync(scoped, None)));
        Assert.Equal([("qa-1", 3), ("qa-2", 1), ("qa-3", 0)],
            (await host.Run(sp => sp.GetRequiredService<QuarantineService>().SensorsAsync(adminA, None))).Select(s => (s.Name, s.Quarantined)));
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task Platform_admins_and_the_national_soc_see_every_line_including_those_without_a_sensor_in_keyset_pages(DatabaseProvider provider)
    {
        var w = await WorldAsync(provider);
        await using var host = w.Host;
        var centre = await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().Organisations.SingleAsync(o => o.Kind == OrganisationKind.NationalCentre));
        var soc = await host.CreateUserAsync(centre.Id, Role.Analyst);
        foreach (var reader in new[] { host.Admin, soc })
        {
            var all = await ListAsync(host, reader, new QuarantineQuery());
            Assert.Equal(7, all.Items.Count);
            var orphan = Assert.Single(all.Items, i => i.SensorId is null);
            Assert.Equal(("tcp:5140", null, (string?)null, "no sensor"), (orphan.Source, orphan.OrganisationId, orphan.SensorName, orphan.Raw));
            Assert.Equal(["b1 second", "b1 first"], (await ListAsync(host, reader, new QuarantineQuery(OrganisationId: w.OrgB))).Items.Select(i => i.Raw));

            var seen = new List<long>();
            long? before = null;
            var pages = 0;
            do
            {
                var page = await ListAsync(host, reader, new QuarantineQuery(Before: before, Limit: 3));
                Assert.True(page.Items.Count <= 3);
                seen.AddRange(page.Items.Select(i => i.Id));
                before = page.NextBefore;
                pages++;
            }
            while (before is not null);
            Assert.Equal(3, pages);
            Assert.Equal(all.Items.Select(i => i.Id), seen);
        }

        Assert.Equal(4, (await host.Run(sp => sp.GetRequiredService<QuarantineService>().SensorsAsync(soc, None))).Count(s => s.Name.StartsWith("q", StringComparison.Ordinal)));
        // An analyst of an ordinary organisation is not the national SOC.
        var analystB = await host.CreateUserAsync(w.OrgB, Role.Analyst);
        await Assert.ThrowsAsync<ForbiddenException>(() => ListAsync(host, analystB, new QuarantineQuery()));
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task Bad_limits_and_keys_are_refused_by_name(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        foreach (var (query, field) in new[]
                 {
                     (new QuarantineQuery(Limit: 0), "limit"), (new QuarantineQuery(Limit: 1001), "limit"), (new QuarantineQuery(Before: 0), "before"),
                 })
        {
            var e = await Assert.ThrowsAsync<ValidationFailedException>(() => ListAsync(host, host.Admin, query));
            Assert.Contains(field, e.Errors.Keys);
        }

        Assert.Empty((await ListAsync(host, host.Admin, new QuarantineQuery(Limit: 1000))).Items);
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task The_sensor_list_counts_each_sensors_quarantined_lines_and_the_last_time(DatabaseProvider provider)
    {
        var w = await WorldAsync(provider);
        await using var host = w.Host;
        var list = await host.Run(sp => sp.GetRequiredService<SensorService>().ListAsync(host.Admin, w.OrgA, None));
        Assert.Equal(
            [("qa-1", 3, (DateTimeOffset?)w.Start.AddMinutes(6)), ("qa-2", 1, w.Start.AddMinutes(2)), ("qa-3", 0, null)],
            list.Select(s => (s.Name, s.Quarantined, s.LastQuarantinedAt)));
        var b = Assert.Single(await host.Run(sp => sp.GetRequiredService<SensorService>().ListAsync(host.Admin, w.OrgB, None)));
        Assert.Equal((2, (DateTimeOffset?)w.Start.AddMinutes(5)), (b.Quarantined, b.LastQuarantinedAt));
    }
}
