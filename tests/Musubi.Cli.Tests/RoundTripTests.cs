using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Cli.Tests.Fixtures;
using Musubi.Testing;
using Musubi.Infrastructure.Constituency.Exchange;
using Musubi.Infrastructure.Setup;
using Xunit;

namespace Musubi.Cli.Tests;

public sealed class RoundTripTests(PostgresServer postgres)
{
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Export_then_import_into_an_empty_database_then_export_gives_the_same_json(DatabaseProvider provider)
    {
        await using var source = await TestDatabase.CreateAsync(provider, postgres);
        await DemoData.SeedAsync(source.Services, source.Actor, ct: TestContext.Current.CancellationToken);
        var valid = await source.ImportAsync(source.ValidCsv());
        Assert.True(valid.Succeeded, string.Join("\n", valid.Issues));
        var first = Path.Combine(source.Folder, "first.json");
        var exported = await source.ExportAsync(ExportFormat.Json, first);

        await using var target = await TestDatabase.CreateAsync(provider, postgres);
        var imported = await target.ImportAsync(first);
        Assert.True(imported.Succeeded, string.Join("\n", imported.Issues));
        var second = Path.Combine(target.Folder, "second.json");
        await target.ExportAsync(ExportFormat.Json, second);

        Assert.True(exported.Networks > 150, $"only {exported.Networks} networks");
        Assert.Equal(await File.ReadAllTextAsync(first, TestContext.Current.CancellationToken), await File.ReadAllTextAsync(second, TestContext.Current.CancellationToken));
        Assert.Contains("\"nameJa\": \"エグザンプルISP\"", await File.ReadAllTextAsync(first, TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Export_then_import_into_an_empty_database_then_export_gives_the_same_csv_files(DatabaseProvider provider)
    {
        await using var source = await TestDatabase.CreateAsync(provider, postgres);
        await DemoData.SeedAsync(source.Services, source.Actor, ct: TestContext.Current.CancellationToken);
        var valid = await source.ImportAsync(source.ValidCsv());
        Assert.True(valid.Succeeded, string.Join("\n", valid.Issues));
        var first = Path.Combine(source.Folder, "first");
        var exported = await source.ExportAsync(ExportFormat.Csv, first);

        await using var target = await TestDatabase.CreateAsync(provider, postgres);
        var imported = await target.ImportAsync(first);
        Assert.True(imported.Succeeded, string.Join("\n", imported.Issues));
        var second = Path.Combine(target.Folder, "second");
        await target.ExportAsync(ExportFormat.Csv, second);

        Assert.Equal(5, exported.Files.Count);
        foreach (var file in exported.Files)
        {
            Assert.Equal(await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken), await File.ReadAllBytesAsync(Path.Combine(second, Path.GetFileName(file)), TestContext.Current.CancellationToken));
        }

        var bytes = await File.ReadAllBytesAsync(Path.Combine(first, "contacts.csv"), TestContext.Current.CancellationToken);
        Assert.Equal([0xEF, 0xBB, 0xBF], bytes[..3]); // a BOM, so spreadsheets read UTF-8
        var contacts = Encoding.UTF8.GetString(bytes[3..]);
        Assert.StartsWith("organisation,name,role,email,phone,pgpKey\r\n", contacts, StringComparison.Ordinal);
        Assert.Contains("\"'+81 3 5555 0001\"", contacts, StringComparison.Ordinal); // a spreadsheet would run +81... as a formula
    }

    [Fact]
    public async Task An_oversized_file_is_refused_before_it_is_read()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, postgres, new ExchangeLimits { MaxFileBytes = 100 });
        var path = db.WriteFile("organisations.csv", "name,kind,country\n" + string.Concat(Enumerable.Repeat("Some Org,enterprise,JP\n", 10)));

        var result = await db.ImportAsync(path);

        Assert.Equal([path + ": the file is 0 MB, more than the limit of 0 MB: split it into several files"], result.Issues.Select(i => i.ToString()));
    }

    [Fact]
    public async Task Too_many_records_are_refused_with_the_limit_named()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, postgres, new ExchangeLimits { MaxRows = 5 });
        var path = db.WriteFile("networks.csv", "organisation,kind,value\n" + string.Concat(Enumerable.Range(0, 8).Select(i => $"X,cidr,10.0.{i}.0/24\n")));

        var result = await db.ImportAsync(path);

        Assert.Equal([path + ":7: the import has more than 5 records, the limit: split it into several imports"], result.Issues.Select(i => i.ToString()));
    }

    [Fact]
    public async Task Json_nested_deeper_than_the_limit_is_refused()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, postgres, new ExchangeLimits { MaxJsonDepth = 4 });
        var path = db.WriteFile("deep.json", """{ "format": "musubi-constituency", "version": 1, "organisations": [ { "networks": [ { "kind": "cidr" } ] } ] }""");

        var result = await db.ImportAsync(path);

        var issue = Assert.Single(result.Issues);
        Assert.Contains("nests deeper than 4 levels, the limit", issue.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Fifty_thousand_network_blocks_import_in_seconds(DatabaseProvider provider)
    {
        const int organisations = 500, blocksEach = 100;
        await using var db = await TestDatabase.CreateAsync(provider, postgres);
        var orgs = new StringBuilder("name,nameJa,kind,sectorId,country,communities\n");
        var networks = new StringBuilder("organisation,kind,value,description\n");
        var contacts = new StringBuilder("organisation,name,role,email\n");
        for (var o = 0; o < organisations; o++)
        {
            orgs.Append(CultureInfo.InvariantCulture, $"Operator {o:000},事業者{o:000},critical-infrastructure-operator,electric-power,JP,layer-technical\n");
            contacts.Append(CultureInfo.InvariantCulture, $"Operator {o:000},CSIRT,incident,csirt@op{o}.example\n");
            for (var b = 0; b < blocksEach; b++)
            {
                var k = (o * blocksEach) + b;
                networks.Append(CultureInfo.InvariantCulture, $"Operator {o:000},cidr,10.{k >> 8}.{k & 0xFF}.0/24,block {b}\n");
            }
        }

        var folder = Path.Combine(db.Folder, "large");
        db.WriteFile("large/organisations.csv", orgs.ToString());
        db.WriteFile("large/networks.csv", networks.ToString());
        db.WriteFile("large/contacts.csv", contacts.ToString());

        var clock = Stopwatch.StartNew();
        var stages = new StageTimes(clock);
        var result = await db.Run(sp => sp.GetRequiredService<ConstituencyImporter>().ImportAsync(db.Actor, [folder], false, stages, TestContext.Current.CancellationToken));
        var elapsed = clock.Elapsed;
        TestContext.Current.TestOutputHelper?.WriteLine(stages.ToString());

        Assert.True(result.Succeeded, string.Join("\n", result.Issues.Take(5)));
        Assert.Equal(organisations * blocksEach, result.Summary!.NetworksAdded);
        Assert.Equal(organisations * blocksEach, (await db.CountsAsync()).Networks);
        TestContext.Current.TestOutputHelper?.WriteLine($"{provider}: imported {organisations} organisations and {organisations * blocksEach} blocks in {elapsed.TotalSeconds:0.0} s");
        Assert.True(elapsed < TimeSpan.FromSeconds(60), $"took {elapsed}");

        clock.Restart();
        var again = await db.ImportAsync(dryRun: true, folder);
        TestContext.Current.TestOutputHelper?.WriteLine($"{provider}: re-checked the same files against the database in {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(organisations * blocksEach, again.Summary!.NetworksAlreadyPresent);
    }

    /// <summary>When each stage of an import started, for the timings in the test output.</summary>
    private sealed class StageTimes(Stopwatch clock) : IProgress<ExchangeProgress>
    {
        private readonly List<string> _lines = [];
        private ExchangeStage? _stage;

        public void Report(ExchangeProgress value)
        {
            lock (_lines)
            {
                if (_stage != value.Stage)
                {
                    _stage = value.Stage;
                    _lines.Add($"{value.Stage} from {clock.Elapsed.TotalSeconds:0.00} s");
                }
                else if (value.Stage == ExchangeStage.Writing && value.Done == value.Total)
                {
                    _lines.Add($"all rows written at {clock.Elapsed.TotalSeconds:0.00} s");
                }
            }
        }

        public override string ToString() => string.Join("; ", _lines);
    }
}
