using Musubi.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Infrastructure;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Constituency.Exchange;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Identity;
using Musubi.Infrastructure.Setup;

namespace Musubi.Cli.Tests.Fixtures;

/// <summary>
/// A fresh, initialised database of one provider, a folder for the test's files, and the services around it. Each
/// test owns one. The CLI can be pointed at the same database with <see cref="CliArguments"/>.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string AdminPassword = "correct-horse-battery-staple";

    private TestDatabase(DatabaseProvider provider, DatabaseOptions options, string folder, ServiceProvider services, Actor actor)
    {
        Provider = provider;
        Options = options;
        Folder = folder;
        Services = services;
        Actor = actor;
    }

    public DatabaseProvider Provider { get; }
    public DatabaseOptions Options { get; }
    /// <summary>A temporary folder for the test's files; the SQLite database is in its "data" sub-folder.</summary>
    public string Folder { get; }
    public ServiceProvider Services { get; }
    /// <summary>A platform administrator of the national centre, as the CLI acts.</summary>
    public Actor Actor { get; }

    public string DataFolder => Path.Combine(Folder, "data");

    /// <summary>The global options that point the CLI at this database.</summary>
    public string[] CliArguments => Provider == DatabaseProvider.Sqlite
        ? ["--data", DataFolder]
        : ["--database-provider", "postgres", "--connection-string", Options.ConnectionString!];

    public static async Task<TestDatabase> CreateAsync(DatabaseProvider provider, PostgresServer postgres, ExchangeLimits? limits = null)
    {
        var folder = Directory.CreateTempSubdirectory("musubi-cli-test-").FullName;
        try
        {
            return await CreateAsync(provider, postgres, limits, folder);
        }
        catch
        {
            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    private static async Task<TestDatabase> CreateAsync(DatabaseProvider provider, PostgresServer postgres, ExchangeLimits? limits, string folder)
    {
        var options = provider == DatabaseProvider.Postgres
            ? new DatabaseOptions { Provider = "postgres", ConnectionString = await postgres.CreateDatabaseAsync("cli") }
            : new DatabaseOptions
            {
                Provider = "sqlite",
                ConnectionString = DataServiceCollectionExtensions.SqliteConnectionString(Path.Combine(Directory.CreateDirectory(Path.Combine(folder, "data")).FullName, "musubi.db")),
            };
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMusubiInfrastructure(options, FastHashing, new InitialiseOptions { AdminPassword = AdminPassword });
        services.AddConstituencyExchange(limits);
        var sp = services.BuildServiceProvider();
        Guid centre;
        await using (var scope = sp.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<DatabaseInitialiser>().InitialiseAsync(CancellationToken.None);
            centre = await scope.ServiceProvider.GetRequiredService<MusubiDbContext>().Organisations
                .Where(o => o.Kind == OrganisationKind.NationalCentre).Select(o => o.Id).SingleAsync();
        }

        return new TestDatabase(provider, options, folder, sp, new Actor(Guid.Empty, "test", centre, Role.PlatformAdmin));
    }

    /// <summary>Argon2id at its cheapest, so tests that create users stay fast.</summary>
    public static IdentityOptions FastHashing => new() { Argon2MemoryKiB = 1024, Argon2Iterations = 1 };

    public async Task<T> Run<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    public Task<T> Db<T>(Func<MusubiDbContext, Task<T>> work) => Run(sp => work(sp.GetRequiredService<MusubiDbContext>()));

    public Task<ImportResult> ImportAsync(params string[] paths) => ImportAsync(false, paths);

    public Task<ImportResult> ImportAsync(bool dryRun, params string[] paths) =>
        Run(sp => sp.GetRequiredService<ConstituencyImporter>().ImportAsync(Actor, paths, dryRun, null, CancellationToken.None));

    public Task<ExportResult> ExportAsync(ExportFormat format, string output) =>
        Run(sp => sp.GetRequiredService<ConstituencyExporter>().ExportAsync(Actor, format, output, null, CancellationToken.None));

    /// <summary>A file in the test's folder.</summary>
    public string WriteFile(string name, string content)
    {
        var path = Path.Combine(Folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content.ReplaceLineEndings("\n"));
        return path;
    }

    public Task<Counts> CountsAsync() => Db(async db => new Counts(
        await db.Organisations.CountAsync(), await db.Networks.CountAsync(), await db.Contacts.CountAsync(),
        await db.Memberships.CountAsync(), await db.Communities.CountAsync(), await db.Sectors.CountAsync(),
        await db.Users.CountAsync(), await db.AuditEntries.CountAsync()));

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public sealed record Counts(int Organisations, int Networks, int Contacts, int Memberships, int Communities, int Sectors, int Users, int AuditEntries);
