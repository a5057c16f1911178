using Xunit;

namespace Musubi.Cli.Tests.Fixtures;

// Stand-ins for tests/Musubi.Testing (same names and shapes), until that project is on this branch.

/// <summary>The database engines Musubi runs on; data tests run against both.</summary>
public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary><c>[MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]</c>.</summary>
public static class DatabaseProviders
{
    public static TheoryData<DatabaseProvider> All => new(DatabaseProvider.Sqlite, DatabaseProvider.Postgres);
}
