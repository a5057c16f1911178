using System.CommandLine;

namespace Musubi.Cli.Commands;

/// <summary>Where the database is: the options every command takes, before or after its name.</summary>
public sealed class GlobalOptions
{
    public Option<string?> Data { get; } = new("--data")
    {
        Description = "The data folder (default: MUSUBI_DATA, else ./data); the SQLite database is <data>/musubi.db",
        HelpName = "DIR",
        Recursive = true,
    };

    public Option<string?> Provider { get; } = new Option<string?>("--database-provider")
    {
        Description = "sqlite or postgres (default: Musubi__Database__Provider, else sqlite)",
        Recursive = true,
    }.AcceptOnlyFromAmong("sqlite", "postgres");

    public Option<string?> ConnectionString { get; } = new("--connection-string")
    {
        Description = "The database connection string (default: Musubi__Database__ConnectionString; for SQLite, <data>/musubi.db)",
        Recursive = true,
    };

    public void AddTo(Command root)
    {
        root.Options.Add(Data);
        root.Options.Add(Provider);
        root.Options.Add(ConnectionString);
    }
}
