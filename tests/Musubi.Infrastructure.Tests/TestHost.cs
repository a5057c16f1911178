using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Musubi.Core.Identity;
using Musubi.Infrastructure;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Identity;
using Musubi.Infrastructure.Setup;
using Musubi.Testing;

[assembly: AssemblyFixture(typeof(PostgresServer))]
[assembly: AssemblyFixture(typeof(NatsServer))]

namespace Musubi.Infrastructure.Tests;

/// <summary>
/// A fresh, initialised database on the chosen provider with the infrastructure services around it. Each test owns
/// one: a new SQLite file or a new PostgreSQL database.
/// </summary>
public sealed class TestHost : IAsyncDisposable
{
    public const string AdminPassword = "correct-horse-battery-staple";

    private TestHost(ServiceProvider services, FakeTimeProvider time, Actor admin, InitialiseResult initialised, DatabaseOptions options)
    {
        Options = options;
        Services = services;
        Time = time;
        Admin = admin;
        Initialised = initialised;
    }

    /// <summary>What the first initialisation reported (the generated admin password, if any).</summary>
    public InitialiseResult Initialised { get; }

    public ServiceProvider Services { get; }
    /// <summary>The database this host works on (a second host on it is a restarted process).</summary>
    public DatabaseOptions Options { get; }
    public FakeTimeProvider Time { get; }
    /// <summary>The seeded platform administrator.</summary>
    public Actor Admin { get; }

    public static async Task<TestHost> StartAsync(DatabaseProvider provider, PostgresServer postgres, string? adminPassword = AdminPassword,
        Action<IServiceCollection>? configure = null)
    {
        var options = provider == DatabaseProvider.Postgres
            ? new DatabaseOptions { Provider = "postgres", ConnectionString = await postgres.CreateDatabaseAsync("infra") }
            : new DatabaseOptions { Provider = "sqlite", ConnectionString = DataServiceCollectionExtensions.SqliteConnectionString(SqliteFiles.NewPath("infra")) };
        return await OpenAsync(options, new FakeTimeProvider(new DateTimeOffset(2026, 4, 1, 9, 0, 0, TimeSpan.Zero)), adminPassword, configure);
    }

    /// <summary>A new process on the same database: new services, nothing kept in memory.</summary>
    public Task<TestHost> ReopenAsync(Action<IServiceCollection>? configure = null) => OpenAsync(Options, Time, AdminPassword, configure);

    private static async Task<TestHost> OpenAsync(DatabaseOptions options, FakeTimeProvider time, string? adminPassword, Action<IServiceCollection>? configure)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddLogging();
        configure?.Invoke(services);
        services.AddMusubiInfrastructure(options,
            new IdentityOptions { Argon2MemoryKiB = 1024, Argon2Iterations = 1 },
            new InitialiseOptions { AdminPassword = adminPassword });
        var sp = services.BuildServiceProvider();
        InitialiseResult initialised;
        await using (var scope = sp.CreateAsyncScope())
        {
            initialised = await scope.ServiceProvider.GetRequiredService<DatabaseInitialiser>().InitialiseAsync(CancellationToken.None);
        }

        Actor admin;
        await using (var scope = sp.CreateAsyncScope())
        {
            var result = await scope.ServiceProvider.GetRequiredService<SignInService>()
                .SignInAsync(DatabaseInitialiser.AdminUserName, adminPassword ?? initialised.GeneratedAdminPassword, null, CancellationToken.None);
            admin = result.Actor ?? throw new InvalidOperationException("the seeded admin cannot sign in: " + result.Status);
        }

        return new TestHost(sp, time, admin, initialised, options);
    }

    /// <summary>Runs <paramref name="work"/> with services from a new scope (a new DbContext), like one HTTP request.</summary>
    public async Task<T> Run<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    public async Task Run(Func<IServiceProvider, Task> work)
    {
        await using var scope = Services.CreateAsyncScope();
        await work(scope.ServiceProvider);
    }

    public ValueTask DisposeAsync() => Services.DisposeAsync();
}
