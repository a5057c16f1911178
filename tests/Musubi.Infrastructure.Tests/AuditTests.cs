using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;
using Musubi.Testing;

namespace Musubi.Infrastructure.Tests;

public sealed class AuditTests(PostgresServer postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Audit_entries_cannot_be_changed_or_deleted(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        await host.Run(async sp =>
        {
            var db = sp.GetRequiredService<MusubiDbContext>();
            var entry = await db.AuditEntries.FirstAsync();
            entry.ActorName = "someone-else";
            await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());
        });
        await host.Run(async sp =>
        {
            var db = sp.GetRequiredService<MusubiDbContext>();
            db.AuditEntries.Remove(await db.AuditEntries.FirstAsync());
            await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());
        });
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Organisation_admins_read_only_their_organisations_trail_and_others_read_none(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var own = await host.CreateOrgAsync(Builders.Org("Audited Own"));
        var other = await host.CreateOrgAsync(Builders.Org("Audited Other"));
        var orgAdmin = await host.CreateUserAsync(own.Id, Role.OrgAdmin);
        var analyst = await host.CreateUserAsync(own.Id, Role.Analyst);
        var search = (Actor a, AuditQuery q) => host.Run(sp => sp.GetRequiredService<AuditQueryService>().SearchAsync(a, q, None));

        var mine = await search(orgAdmin, new AuditQuery());
        Assert.NotEmpty(mine.Items);
        Assert.All(mine.Items, e => Assert.Equal(own.Id, e.OrganisationId));
        await Assert.ThrowsAsync<ForbiddenException>(() => search(orgAdmin, new AuditQuery(OrganisationId: other.Id)));
        await Assert.ThrowsAsync<ForbiddenException>(() => search(analyst, new AuditQuery()));
        var all = await search(host.Admin, new AuditQuery(Action: "organisation.create"));
        Assert.Equal(3, all.Total);
        Assert.Single((await search(host.Admin, new AuditQuery(Search: "Audited Other"))).Items);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task The_trail_is_searched_by_time_range_in_any_offset(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        host.Time.Advance(TimeSpan.FromHours(2));
        await host.CreateOrgAsync(Builders.Org("Later Org"));
        var tokyo = TimeSpan.FromHours(9);
        var from = host.Time.GetUtcNow().AddMinutes(-1).ToOffset(tokyo);
        var search = await host.Run(sp => sp.GetRequiredService<AuditQueryService>().SearchAsync(host.Admin, new AuditQuery(From: from), None));
        Assert.Equal(["organisation.create"], search.Items.Select(e => e.Action));
        var before = await host.Run(sp => sp.GetRequiredService<AuditQueryService>().SearchAsync(host.Admin,
            new AuditQuery(To: from, Action: "organisation."), None));
        Assert.Single(before.Items);
    }
}
