using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Musubi.Infrastructure.Data;

public static class DataServiceCollectionExtensions
{
    public const string SqliteMigrationsAssembly = "Musubi.Migrations.Sqlite";
    public const string PostgresMigrationsAssembly = "Musubi.Migrations.Postgres";

    /// <summary>Registers <see cref="MusubiDbContext"/> on the configured provider with its migrations assembly.</summary>
    public static IServiceCollection AddMusubiDatabase(this IServiceCollection services, DatabaseOptions options)
    {
        services.AddDbContext<MusubiDbContext>(o => Configure(o, options));
        return services;
    }

    public static void Configure(DbContextOptionsBuilder builder, DatabaseOptions options)
    {
        var connectionString = options.ConnectionString
            ?? throw new InvalidOperationException("Musubi:Database:ConnectionString is not set.");
        if (options.IsPostgres)
        {
            builder.UseNpgsql(connectionString, o => o.MigrationsAssembly(PostgresMigrationsAssembly));
        }
        else if (string.Equals(options.Provider, "sqlite", StringComparison.OrdinalIgnoreCase))
        {
            builder.UseSqlite(connectionString, o => o.MigrationsAssembly(SqliteMigrationsAssembly)).AddInterceptors(SqlitePragmas.Instance);
        }
        else
        {
            throw new InvalidOperationException($"Musubi:Database:Provider '{options.Provider}' is not supported: use 'sqlite' or 'postgres'.");
        }
    }

    /// <summary>A SQLite connection string for a file, with a busy timeout so writers queue instead of failing.</summary>
    public static string SqliteConnectionString(string path) =>
        new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();

    /// <summary>Applies pending migrations; on SQLite also switches the file to WAL.</summary>
    public static async Task MigrateAsync(MusubiDbContext db, CancellationToken ct)
    {
        if (db.Database.IsSqlite())
        {
            await db.Database.OpenConnectionAsync(ct);
            try
            {
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }

        await db.Database.MigrateAsync(ct);
    }
}
