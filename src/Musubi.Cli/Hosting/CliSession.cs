using System.CommandLine;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Cli.Commands;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Infrastructure;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Constituency.Exchange;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Identity;
using Musubi.Infrastructure.Setup;
using Npgsql;

namespace Musubi.Cli.Hosting;

/// <summary>
/// The database a command works on, opened the way the server opens it: same configuration keys, same data folder
/// rule, same migrations and seeding (<see cref="DatabaseInitialiser"/>), so the CLI works on a fresh folder too.
/// The CLI acts as the platform administrator "cli" of the national centre; audit entries say it came from "cli".
/// </summary>
public sealed class CliSession : IAsyncDisposable
{
    public const string ActorName = "cli";

    private CliSession(ServiceProvider services, Actor actor, string database)
    {
        Services = services;
        Actor = actor;
        Database = database;
    }

    public ServiceProvider Services { get; }

    public Actor Actor { get; }

    /// <summary>"sqlite /srv/musubi/data/musubi.db" or "postgres Host=db;Database=musubi" (never a password).</summary>
    public string Database { get; }

    public static async Task<CliSession> OpenAsync(CliEnvironment env, GlobalOptions global, ParseResult parse, CancellationToken ct)
    {
        var config = env.Configuration();
        var database = DatabaseOptions(config, parse, global);
        var described = Describe(database);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IAuditContext>(new FixedAuditContext(ActorName));
        // `musubi ingest` enriches like the server (Musubi__Ingest__AsnTablePath) and respects its backlog limit.
        services.AddSingleton(config.GetSection(Musubi.Infrastructure.Detection.IngestOptions.Section).Get<Musubi.Infrastructure.Detection.IngestOptions>()
            ?? new Musubi.Infrastructure.Detection.IngestOptions());
        services.AddMusubiInfrastructure(
            database,
            config.GetSection(IdentityOptions.Section).Get<IdentityOptions>() ?? new IdentityOptions(),
            SetupOptions(config));
        services.AddConstituencyExchange(config.GetSection(ExchangeLimits.Section).Get<ExchangeLimits>() ?? new ExchangeLimits());
        var provider = services.BuildServiceProvider();
        try
        {
            await using var scope = provider.CreateAsyncScope();
            var result = await scope.ServiceProvider.GetRequiredService<DatabaseInitialiser>().InitialiseAsync(ct);
            if (result.GeneratedAdminPassword is { } password)
            {
                env.Output.WriteLine($"First administrator created: user name '{DatabaseInitialiser.AdminUserName}', password {password}");
                env.Output.WriteLine("This password is shown only now. Set MUSUBI_ADMIN_PASSWORD to choose it.");
            }

            var centre = await scope.ServiceProvider.GetRequiredService<MusubiDbContext>().Organisations.AsNoTracking()
                .Where(o => o.Kind == OrganisationKind.NationalCentre).Select(o => o.Id).FirstOrDefaultAsync(ct);
            return new CliSession(provider, new Actor(Guid.Empty, ActorName, centre, Role.PlatformAdmin), described);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await provider.DisposeAsync();
            throw new CliFailureException($"cannot open the database ({described}): {CliRun.Describe(e)}", e);
        }
    }

    /// <summary>Runs <paramref name="work"/> with services from a new scope (a new database context).</summary>
    public async Task<T> RunAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    public ValueTask DisposeAsync() => Services.DisposeAsync();

    /// <summary>
    /// --database-provider and --connection-string, else Musubi:Database:* from the environment, else SQLite in the data
    /// folder (--data, else MUSUBI_DATA, else ./data). A connection string from the environment is only used with the
    /// provider it was configured for.
    /// </summary>
    internal static DatabaseOptions DatabaseOptions(IConfiguration config, ParseResult parse, GlobalOptions global)
    {
        var options = config.GetSection(Infrastructure.Data.DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        if (parse.GetValue(global.Provider) is { } provider)
        {
            if (!string.Equals(provider, Normalise(options.Provider), StringComparison.Ordinal))
            {
                options.ConnectionString = null;
            }

            options.Provider = provider;
        }

        if (parse.GetValue(global.ConnectionString) is { Length: > 0 } connectionString)
        {
            options.ConnectionString = connectionString;
        }

        if (Normalise(options.Provider) is not ("sqlite" or "postgres"))
        {
            throw new UsageException($"database provider '{options.Provider}' (from Musubi__Database__Provider) is not supported: use sqlite or postgres");
        }

        if (options.IsPostgres && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new UsageException("PostgreSQL needs --connection-string (or Musubi__Database__ConnectionString), e.g. \"Host=127.0.0.1;Database=musubi;Username=musubi\"");
        }

        if (!options.IsPostgres && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            var data = parse.GetValue(global.Data) ?? config["MUSUBI_DATA"];
            var folder = Path.GetFullPath(string.IsNullOrWhiteSpace(data) ? "data" : data);
            Directory.CreateDirectory(folder);
            options.ConnectionString = DataServiceCollectionExtensions.SqliteConnectionString(Path.Combine(folder, "musubi.db"));
        }

        return options;
    }

    private static InitialiseOptions SetupOptions(IConfiguration config)
    {
        var options = config.GetSection(InitialiseOptions.Section).Get<InitialiseOptions>() ?? new InitialiseOptions();
        options.AdminPassword ??= config["MUSUBI_ADMIN_PASSWORD"];
        return options;
    }

    private static string Normalise(string provider) =>
        provider.ToLowerInvariant() switch
        {
            "postgresql" => "postgres",
            var p => p,
        };

    private static string Describe(DatabaseOptions options)
    {
        try
        {
            if (options.IsPostgres)
            {
                var b = new NpgsqlConnectionStringBuilder(options.ConnectionString);
                return $"postgres Host={b.Host};Port={b.Port};Database={b.Database};Username={b.Username}";
            }

            return "sqlite " + new SqliteConnectionStringBuilder(options.ConnectionString).DataSource;
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"the connection string is not valid: {e.Message}");
        }
    }
}
