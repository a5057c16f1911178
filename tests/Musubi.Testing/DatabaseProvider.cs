using Xunit;

namespace Musubi.Testing;

/// <summary>The database engines Musubi runs on; tests that touch the database run against both.</summary>
public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>Theory data for tests that run once per provider: <c>[MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]</c>.</summary>
public static class DatabaseProviders
{
    public static TheoryData<DatabaseProvider> All => new(DatabaseProvider.Sqlite, DatabaseProvider.Postgres);
}

/// <summary>Fresh SQLite database files in a per-process temporary folder, removed when the process exits.</summary>
public static class SqliteFiles
{
    private static readonly Lazy<string> Folder = new(CreateFolder, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The per-process folder that holds the files (created on first use).</summary>
    public static string Directory => Folder.Value;

    /// <summary>A path to a SQLite file that does not exist yet, unique to this call.</summary>
    public static string NewPath(string? prefix = null)
    {
        var name = string.IsNullOrWhiteSpace(prefix) ? "musubi" : Sanitize(prefix);
        return Path.Combine(Folder.Value, $"{name}-{Guid.NewGuid():N}.db");
    }

    /// <summary>A connection string (<c>Data Source=…</c>) to a new SQLite file, unique to this call.</summary>
    public static string NewConnectionString(string? prefix = null) => $"Data Source={NewPath(prefix)}";

    private static string Sanitize(string prefix)
    {
        var chars = prefix.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray();
        var name = new string(chars);
        return name.Length > 40 ? name[..40] : name;
    }

    private static string CreateFolder()
    {
        var dir = System.IO.Directory.CreateTempSubdirectory($"musubi-sqlite-{Environment.ProcessId}-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                System.IO.Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        };
        return dir;
    }
}
