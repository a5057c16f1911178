using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Constituency;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Setup;
using Musubi.Testing;

namespace Musubi.Infrastructure.Tests;

public sealed class InitialiserTests(PostgresServer postgres)
{
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_new_database_gets_sectors_layers_the_national_centre_and_one_admin(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        await host.Run(async sp =>
        {
            var db = sp.GetRequiredService<MusubiDbContext>();
            Assert.Equal(BuiltInSectors.All.Select(s => s.Id).Order(), (await db.Sectors.Select(s => s.Id).ToListAsync()).Order());
            var communities = await db.Communities.ToListAsync();
            Assert.Equal(4, communities.Count(c => c.Kind == CommunityKind.Layer));
            Assert.Equal(10, communities.Count(c => c.Kind == CommunityKind.Sector));
            var centre = await db.Organisations.SingleAsync();
            Assert.Equal(OrganisationKind.NationalCentre, centre.Kind);
            var admin = await db.Users.SingleAsync();
            Assert.Equal("admin", admin.UserName);
            Assert.Equal(centre.Id, admin.OrganisationId);
            Assert.StartsWith("$argon2id$", admin.PasswordHash);
            Assert.DoesNotContain(TestHost.AdminPassword, admin.PasswordHash!, StringComparison.Ordinal);
            Assert.Contains(await db.AuditEntries.ToListAsync(), a => a.Action == "user.create" && a.EntityId == admin.Id.ToString());
        });
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Initialising_twice_changes_nothing(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var second = await host.Run(sp => sp.GetRequiredService<DatabaseInitialiser>().InitialiseAsync(CancellationToken.None));
        Assert.False(second.AdminCreated);
        Assert.Null(second.GeneratedAdminPassword);
        await host.Run(async sp =>
        {
            var db = sp.GetRequiredService<MusubiDbContext>();
            Assert.Equal(1, await db.Users.CountAsync());
            Assert.Equal(14, await db.Communities.CountAsync());
            Assert.Equal(1, await db.Organisations.CountAsync());
        });
    }

    [Fact]
    public async Task Without_a_configured_password_one_is_generated_shown_once_and_works()
    {
        await using var host = await TestHost.StartAsync(DatabaseProvider.Sqlite, postgres, adminPassword: null);
        Assert.True(host.Initialised.AdminCreated);
        Assert.Equal(20, host.Initialised.GeneratedAdminPassword?.Length);
        Assert.Equal("admin", host.Admin.UserName);
    }
}
