using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Cli.Tests.Fixtures;
using Musubi.Testing;
using Musubi.Infrastructure.Constituency;
using Musubi.Infrastructure.Identity;
using Musubi.Infrastructure.Setup;
using Xunit;

namespace Musubi.Cli.Tests;

public sealed class DemoDataTests(PostgresServer postgres)
{
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Seeding_twice_adds_nothing_the_second_time(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, postgres);
        var first = await DemoData.SeedAsync(db.Services, db.Actor, ct: TestContext.Current.CancellationToken);
        var afterFirst = await db.CountsAsync();

        var second = await DemoData.SeedAsync(db.Services, db.Actor, ct: TestContext.Current.CancellationToken);

        Assert.True(first.Constituency.OrganisationsCreated >= 40, $"{first.Constituency.OrganisationsCreated} organisations");
        Assert.True(first.UsersCreated >= 30);
        Assert.False(second.Constituency.ChangesAnything);
        Assert.Equal(0, second.UsersCreated);
        Assert.Equal(first.UsersCreated, second.UsersAlreadyPresent);
        Assert.Equal(afterFirst, await db.CountsAsync());
        await db.Db(async ctx =>
        {
            var kinds = await ctx.Organisations.Select(o => o.Kind).Distinct().CountAsync();
            Assert.Equal(Enum.GetValues<Core.Constituency.OrganisationKind>().Length, kinds);
            var sectors = await ctx.Organisations.Where(o => o.Kind == Core.Constituency.OrganisationKind.CriticalInfrastructureOperator)
                .GroupBy(o => o.SectorId).Select(g => g.Count()).ToListAsync();
            Assert.Equal(10, sectors.Count);
            Assert.All(sectors, n => Assert.InRange(n, 2, 4));
            Assert.True(await ctx.Organisations.AnyAsync(o => o.Country != "JP"));
            Assert.All(await ctx.Organisations.Where(o => o.Country == "JP").Select(o => o.NameJa).ToListAsync(), Assert.NotNull);
            return 0;
        });
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Ownership_lookup_on_the_demo_data_returns_the_more_specific_owner(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, postgres);
        await DemoData.SeedAsync(db.Services, db.Actor, ct: TestContext.Current.CancellationToken);
        var directory = db.Services.GetRequiredService<OwnershipDirectory>();
        async Task<string?> Owner(string query) => (await directory.LookupAsync(db.Actor, query, CancellationToken.None)).Owner?.Name;

        Assert.Equal("Ministry of Digital Administration", await Owner("192.0.2.70"));   // 192.0.2.64/26 inside the ISP's /24
        Assert.Equal("Hikari Wave Networks", await Owner("192.0.2.200"));
        Assert.Equal("Hikari Wave Networks", await Owner("100.64.0.1"));                 // the ISP's /12, no customer there
        Assert.Equal("Sakuragaoka University Hospital", await Owner("www.hospital.sakuragaoka-u.ac.example"));
        Assert.Equal("Sakuragaoka University", await Owner("library.sakuragaoka-u.ac.example"));
        Assert.Equal("Tsubame Telecom", await Owner("AS64502"));

        var customer = await db.Db(ctx => ctx.Networks.Where(n => n.Description!.StartsWith("assigned by") && n.Value.StartsWith("100."))
            .Join(ctx.Organisations, n => n.OrganisationId, o => o.Id, (n, o) => new { n.Value, o.Name }).FirstAsync());
        Assert.Equal(customer.Name, await Owner(customer.Value.Replace(".0/24", ".77", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Demo_users_sign_in_with_the_documented_password()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, postgres);
        await DemoData.SeedAsync(db.Services, db.Actor, ct: TestContext.Current.CancellationToken);

        var result = await db.Run(sp => sp.GetRequiredService<SignInService>().SignInAsync("hikari.analyst", DemoData.Password, null, CancellationToken.None));

        Assert.NotNull(result.Actor);
        Assert.Equal(Core.Identity.Role.Analyst, result.Actor.Role);
        Assert.Equal(3, await db.Db(ctx => ctx.Users.CountAsync(u => u.UserName.StartsWith("police."))));
    }
}
