using Microsoft.EntityFrameworkCore;
using Musubi.Cli.Tests.Fixtures;
using Musubi.Testing;
using Xunit;

namespace Musubi.Cli.Tests;

/// <summary>The `musubi` commands end to end, in-process, with output captured as a CI log sees it.</summary>
public sealed class CliTests(PostgresServer postgres)
{
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Import_writes_everything_exits_0_and_audits_as_cli(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, postgres);

        var run = await CliRunner.RunAsync(["constituency", "import", db.ValidCsv(), .. db.CliArguments]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Validating 12 of 12 records", run.Output, StringComparison.Ordinal);
        Assert.Contains("Imported 12 records", run.Output, StringComparison.Ordinal);
        Assert.Contains("           3  organisations created", run.Output, StringComparison.Ordinal);
        Assert.Equal("", run.Error);
        var audit = await db.Db(ctx => ctx.AuditEntries.Where(a => a.Action == "constituency.import").SingleAsync());
        Assert.Equal("cli", audit.ActorName);
        Assert.Equal("cli", audit.RemoteAddress);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Import_of_bad_rows_exits_1_lists_every_problem_on_stderr_and_writes_nothing(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, postgres);
        var before = await db.CountsAsync();
        var folder = db.BadCsv();

        var run = await CliRunner.RunAsync(["constituency", "import", folder, .. db.CliArguments]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"{Samples.BadCsvProblems.Length} problems found; nothing was written", run.Error, StringComparison.Ordinal);
        foreach (var (file, line, field, reason) in Samples.BadCsvProblems)
        {
            Assert.Contains($"{Path.Combine(folder, file)}:{line}: {field}: ", run.Error, StringComparison.Ordinal);
            Assert.Contains(reason, run.Error, StringComparison.Ordinal);
        }

        Assert.Equal(before, await db.CountsAsync());
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Dry_run_exits_0_and_writes_nothing(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, postgres);
        var before = await db.CountsAsync();

        var run = await CliRunner.RunAsync(["constituency", "import", "--dry-run", db.ValidCsv(), .. db.CliArguments]);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Dry run: 12 records are valid; nothing was written.", run.Output, StringComparison.Ordinal);
        Assert.Equal(before, await db.CountsAsync());
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Export_json_and_csv_exit_0_and_import_reads_them_back(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, postgres);
        Assert.Equal(0, (await CliRunner.RunAsync(["constituency", "import", db.ValidCsv(), .. db.CliArguments])).ExitCode);
        var json = Path.Combine(db.Folder, "out", "constituency.json");
        var csv = Path.Combine(db.Folder, "out-csv");

        var toJson = await CliRunner.RunAsync([.. db.CliArguments, "constituency", "export", "--format", "json", "--output", json]);
        var toCsv = await CliRunner.RunAsync(["constituency", "export", "--format", "csv", "-o", csv, .. db.CliArguments]);
        var back = await CliRunner.RunAsync(["constituency", "import", json, .. db.CliArguments]);

        Assert.Equal(0, toJson.ExitCode);
        Assert.Equal(0, toCsv.ExitCode);
        Assert.Contains("Exported 4 organisations, 5 networks, 2 contacts, 1 sectors and 1 communities to:", toJson.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(json));
        Assert.True(File.Exists(Path.Combine(csv, "networks.csv")));
        Assert.Equal(0, back.ExitCode);
        Assert.Contains("Nothing to change", back.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_data_seeds_a_fresh_folder_and_a_second_run_adds_nothing()
    {
        var folder = Directory.CreateTempSubdirectory("musubi-cli-fresh-").FullName;
        try
        {
            var data = Path.Combine(folder, "new-data");
            var first = await CliRunner.RunAsync(["demo-data", "--data", data]);
            var second = await CliRunner.RunAsync(["demo-data", "--data", data]);

            Assert.Equal(0, first.ExitCode);
            Assert.Contains($"Database: sqlite {Path.Combine(data, "musubi.db")}", first.Output, StringComparison.Ordinal);
            Assert.Contains("Demo data: ", first.Output, StringComparison.Ordinal);
            Assert.Contains("musubi-demo-2026", first.Output, StringComparison.Ordinal);
            Assert.Equal(0, second.ExitCode);
            Assert.Contains("already in the database", second.Output, StringComparison.Ordinal);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task The_data_folder_and_database_come_from_the_environment_when_not_given()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, postgres);
        var run = await CliRunner.RunAsync(["constituency", "import", "--dry-run", db.ValidCsv()],
            new Dictionary<string, string?> { ["MUSUBI_DATA"] = db.DataFolder });
        Assert.Equal(0, run.ExitCode);
        Assert.Contains($"Database: sqlite {Path.Combine(db.DataFolder, "musubi.db")}", run.Output, StringComparison.Ordinal);

        // A connection string configured for PostgreSQL is not used when the command line asks for SQLite.
        run = await CliRunner.RunAsync(["constituency", "import", "--dry-run", db.ValidCsv(), "--database-provider", "sqlite", "--data", db.DataFolder],
            new Dictionary<string, string?> { ["Musubi__Database__Provider"] = "postgres", ["Musubi__Database__ConnectionString"] = "Host=nowhere" });
        Assert.Equal(0, run.ExitCode);
    }

    [Fact]
    public async Task Limits_from_the_environment_apply_and_exit_1_with_a_clear_message()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, postgres);

        var run = await CliRunner.RunAsync(["constituency", "import", db.ValidCsv(), .. db.CliArguments],
            new Dictionary<string, string?> { ["Musubi__Exchange__MaxRows"] = "3" });

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("the import has more than 3 records, the limit: split it into several imports", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new string[0], "Required command was not provided")]
    [InlineData(new[] { "frobnicate" }, "frobnicate")]
    [InlineData(new[] { "constituency", "import" }, "Required argument 'PATH' missing")]
    [InlineData(new[] { "constituency", "export", "--output", "x.json" }, "--format")]
    [InlineData(new[] { "constituency", "export", "--format", "xml", "--output", "x" }, "xml")]
    [InlineData(new[] { "demo-data", "--database-provider", "oracle" }, "oracle")]
    [InlineData(new[] { "demo-data", "--database-provider", "postgres" }, "PostgreSQL needs --connection-string")]
    public async Task Usage_errors_exit_2_and_say_what_is_wrong(string[] args, string message)
    {
        var run = await CliRunner.RunAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
        Assert.Contains("--help' for usage", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_exits_0_and_lists_the_commands()
    {
        var run = await CliRunner.RunAsync(["--help"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("constituency", run.Output, StringComparison.Ordinal);
        Assert.Contains("demo-data", run.Output, StringComparison.Ordinal);
        Assert.Contains("--database-provider", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_database_exits_1_naming_it()
    {
        var run = await CliRunner.RunAsync(["demo-data", "--database-provider", "postgres", "--connection-string",
            "Host=127.0.0.1;Port=1;Database=musubi;Username=musubi;Password=secret;Timeout=3"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("cannot open the database (postgres Host=127.0.0.1;Port=1;Database=musubi;Username=musubi)", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Progress_bars_on_a_terminal_do_not_get_in_the_way()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, postgres);

        var run = await CliRunner.RunAsync(["constituency", "import", db.ValidCsv(), .. db.CliArguments], terminal: true);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Validating", run.Output, StringComparison.Ordinal);
        Assert.Contains("Imported 12 records", run.Output, StringComparison.Ordinal);
    }
}
