using Microsoft.Extensions.Options;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Identity;
using Musubi.Infrastructure.Setup;

namespace Musubi.Server.Hosting;

/// <summary>Where the server keeps its files and how its options are read from configuration and environment.</summary>
public static class MusubiHost
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    /// <summary>MUSUBI_DATA, else ./data under the working directory.</summary>
    public static string DataDirectory(IConfiguration config)
    {
        var dir = config["MUSUBI_DATA"];
        return Path.GetFullPath(string.IsNullOrWhiteSpace(dir) ? Path.Combine(Directory.GetCurrentDirectory(), "data") : dir);
    }

    public static DatabaseOptions DatabaseOptions(IConfiguration config, string dataDirectory)
    {
        var options = config.GetSection(Infrastructure.Data.DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        if (!options.IsPostgres && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            Directory.CreateDirectory(dataDirectory);
            options.ConnectionString = DataServiceCollectionExtensions.SqliteConnectionString(Path.Combine(dataDirectory, "musubi.db"));
        }

        return options;
    }

    public static InitialiseOptions SetupOptions(IConfiguration config)
    {
        var options = config.GetSection(InitialiseOptions.Section).Get<InitialiseOptions>() ?? new InitialiseOptions();
        options.AdminPassword ??= config["MUSUBI_ADMIN_PASSWORD"];
        return options;
    }

    public static IdentityOptions IdentityOptions(IConfiguration config) =>
        config.GetSection(Infrastructure.Identity.IdentityOptions.Section).Get<IdentityOptions>() ?? new IdentityOptions();
}
