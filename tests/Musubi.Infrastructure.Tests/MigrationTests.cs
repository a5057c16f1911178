using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Infrastructure.Data;
using Musubi.Testing;

namespace Musubi.Infrastructure.Tests;

public sealed class MigrationTests(PostgresServer postgres)
{
    /// <summary>A model change without a migration for each provider fails here, not on a user's first start.</summary>
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Each_provider_has_migrations_for_the_whole_model(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        await host.Run(async sp =>
        {
            var db = sp.GetRequiredService<MusubiDbContext>();
            Assert.False(db.Database.HasPendingModelChanges(), "the model has changes without a migration: run dotnet ef migrations add for both providers");
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
            Assert.NotEmpty(await db.Database.GetAppliedMigrationsAsync());
        });
    }

    [Fact]
    public async Task A_sqlite_database_runs_in_wal_mode()
    {
        await using var host = await TestHost.StartAsync(DatabaseProvider.Sqlite, postgres);
        await host.Run(async sp =>
        {
            var db = sp.GetRequiredService<MusubiDbContext>();
            await db.Database.OpenConnectionAsync();
            await using var cmd = db.Database.GetDbConnection().CreateCommand();
            cmd.CommandText = "PRAGMA journal_mode;";
            Assert.Equal("wal", (string?)await cmd.ExecuteScalarAsync());
        });
    }
}
