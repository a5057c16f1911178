using Microsoft.EntityFrameworkCore;
using Musubi.Cli.Tests.Fixtures;
using Musubi.Testing;
using Musubi.Infrastructure.Constituency.Exchange;
using Xunit;

[assembly: AssemblyFixture(typeof(PostgresServer))]

namespace Musubi.Cli.Tests;

public sealed class ImportTests(PostgresServer postgres)
{
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_valid_import_writes_everything_and_audits_it(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, postgres);
        var before = await db.CountsAsync();

        var result = await db.ImportAsync(db.ValidCsv());

        Assert.True(result.Succeeded, string.Join("\n", result.Issues));
        Assert.Equal(new ImportSummary(1, 1, 3, 0, 0, 5, 0, 2, 0, 6), result.Summary);
        Assert.Equal(5, result.Sources.Count);
        Assert.All(result.Sources, s => Assert.Equal(64, s.Sha256.Length));
        var after = await db.CountsAsync();
        Assert.Equal(before.Organisations + 3, after.Organisations);
        Assert.Equal(5, after.Networks);
        Assert.Equal(2, after.Contacts);
        Assert.Equal(before.Sectors + 1, after.Sectors);
        Assert.Equal(before.Communities + 2, after.Communities); // tg-satellite and the new sector's community
        await db.Db(async ctx =>
        {
            var isp = await ctx.Organisations.Include(o => o.Networks).Include(o => o.Contacts).Include(o => o.Memberships)
                .ThenInclude(m => m.Community).SingleAsync(o => o.Name == "Example ISP");
            Assert.Equal("エグザンプルISP", isp.NameJa);
            Assert.Equal("An ISP, with a comma", isp.Description);
            Assert.Equal(["198.18.0.0/15", "AS64510"], isp.Networks.Select(n => n.Value).Order(StringComparer.Ordinal));
            Assert.Equal("+81 3 5555 0001", Assert.Single(isp.Contacts).Phone);
            Assert.Equal(["layer-technical", "sector-information-communications"], isp.Memberships.Select(m => m.Community!.Slug).Order(StringComparer.Ordinal));
            var ground = await ctx.Organisations.Include(o => o.Memberships).ThenInclude(m => m.Community).SingleAsync(o => o.Name == "Orbital Ground Stations");
            Assert.Equal(["sector-space", "tg-satellite"], ground.Memberships.Select(m => m.Community!.Slug).Order(StringComparer.Ordinal));

            var audit = await ctx.AuditEntries.Where(a => a.Id > before.AuditEntries || true).ToListAsync();
            Assert.Equal(3, audit.Count(a => a.Action == "organisation.create" && a.ActorName == "test"));
            Assert.Single(audit, a => a.Action == "sector.create" && a.EntityId == "space");
            Assert.Equal(2, audit.Count(a => a.Action == "community.create"));
            var summary = Assert.Single(audit, a => a.Action == "constituency.import");
            Assert.Equal(result.ImportId.ToString(), summary.EntityId);
            Assert.Contains("\"networksAdded\":5", summary.After, StringComparison.Ordinal);
            Assert.Contains(result.Sources[0].Sha256, summary.After, StringComparison.Ordinal);
            Assert.Contains("198.18.0.0/15", audit.Single(a => a.Action == "organisation.create" && a.OrganisationId == isp.Id).After, StringComparison.Ordinal);
            return 0;
        });
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Every_bad_row_is_reported_with_its_file_line_and_field_and_nothing_is_written(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, postgres);
        var before = await db.CountsAsync();

        var result = await db.ImportAsync(db.BadCsv());

        Assert.False(result.Succeeded);
        Assert.Null(result.Summary);
        var text = result.Issues.Select(i => i.ToString()).ToList();
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("\n", text));
        foreach (var (file, line, field, reason) in Samples.BadCsvProblems)
        {
            Assert.Contains(result.Issues, i => Path.GetFileName(i.Where.File) == file && i.Where.Line == line && i.Field == field
                && i.Reason.Contains(reason, StringComparison.Ordinal));
        }

        Assert.Equal(Samples.BadCsvProblems.Length, result.Issues.Count);
        Assert.Contains(text, t => t.EndsWith("organisations.csv:4: country: must be an ISO 3166-1 alpha-2 code in upper case, such as JP", StringComparison.Ordinal));
        Assert.Equal(before, await db.CountsAsync());
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_block_another_organisation_owns_is_reported_but_a_nested_block_is_fine(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, postgres);
        Assert.True((await db.ImportAsync(db.ValidCsv())).Succeeded);
        var before = await db.CountsAsync();
        var folder = Path.Combine(db.Folder, "second");
        db.WriteFile("second/organisations.csv", "name,kind,country\nLate Comer,enterprise,JP\n");
        db.WriteFile("second/networks.csv", """
            organisation,kind,value
            Late Comer,cidr,198.18.5.0/24
            Late Comer,cidr,198.18.0.0/15
            Late Comer,domain,AGENCY.example.
            Late Comer,asn,64510
            """);

        var result = await db.ImportAsync(folder);

        Assert.Equal(3, result.Issues.Count);
        Assert.Contains(result.Issues, i => i.Where.Line == 3 && i.Reason.Contains("198.18.0.0/15 is already owned by 'Example ISP'", StringComparison.Ordinal));
        Assert.Contains(result.Issues, i => i.Where.Line == 4 && i.Reason.Contains("agency.example is already owned by 'Example Agency'", StringComparison.Ordinal));
        Assert.Contains(result.Issues, i => i.Where.Line == 5 && i.Reason.Contains("AS64510 is already owned by 'Example ISP'", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Issues, i => i.Where.Line == 2);
        Assert.Equal(before, await db.CountsAsync());
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Existing_organisations_are_updated_and_gain_blocks_and_contacts_that_are_never_removed(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, postgres);
        Assert.True((await db.ImportAsync(db.ValidCsv())).Succeeded);
        db.WriteFile("update/organisations.csv", "name,kind,sectorId,country,description\nExample ISP,isp,information-communications,JP,Renamed description\n");
        db.WriteFile("update/networks.csv", "organisation,kind,value\nExample ISP,cidr,203.0.113.0/24\nExample ISP,asn,AS64510\nExample Agency,cidr,192.0.2.0/28\n");
        db.WriteFile("update/contacts.csv", "organisation,name,role,email\nExample ISP,Abuse desk,abuse,ABUSE@isp.example\nExample ISP,NOC,technical,noc@isp.example\n");

        var result = await db.ImportAsync(Path.Combine(db.Folder, "update"));

        Assert.True(result.Succeeded, string.Join("\n", result.Issues));
        Assert.Equal(new ImportSummary(0, 0, 0, 2, 0, 2, 1, 1, 1, 0), result.Summary);
        await db.Db(async ctx =>
        {
            var isp = await ctx.Organisations.Include(o => o.Networks).Include(o => o.Contacts).SingleAsync(o => o.Name == "Example ISP");
            Assert.Equal("Renamed description", isp.Description);
            Assert.Equal("エグザンプルISP", isp.NameJa); // the file has no nameJa column: kept
            Assert.Equal(["198.18.0.0/15", "203.0.113.0/24", "AS64510"], isp.Networks.Select(n => n.Value).Order(StringComparer.Ordinal));
            Assert.Equal(2, isp.Contacts.Count);
            Assert.Single(await ctx.AuditEntries.Where(a => a.Action == "organisation.update" && a.OrganisationId == isp.Id).ToListAsync());
            return 0;
        });

        var audits = (await db.CountsAsync()).AuditEntries;
        var again = await db.ImportAsync(Path.Combine(db.Folder, "update"));
        Assert.True(again.Succeeded);
        Assert.False(again.Summary!.ChangesAnything);
        Assert.Null(again.ImportId);
        Assert.Equal(audits, (await db.CountsAsync()).AuditEntries);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_dry_run_checks_everything_and_writes_nothing(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, postgres);
        var before = await db.CountsAsync();

        var result = await db.ImportAsync(dryRun: true, db.ValidCsv());

        Assert.True(result.Succeeded);
        Assert.True(result.DryRun);
        Assert.Equal(3, result.Summary!.OrganisationsCreated);
        Assert.Equal(before, await db.CountsAsync());
    }

    [Fact]
    public async Task Json_problems_are_reported_with_their_json_path()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, postgres);
        var path = db.WriteFile("bad.json", """
            {
              "format": "musubi-constituency",
              "version": 1,
              "organisations": [
                { "name": "Json Org", "kind": "enterprise", "country": "JP", "colour": "blue",
                  "networks": [ { "kind": "cidr", "value": "10.0.0.1/8" }, { "kind": "domain", "value": "json.example" } ],
                  "contacts": [ { "name": "x", "role": "boss", "email": "x@json.example" } ] },
                { "name": "", "kind": "Enterprise", "country": "JP" },
                null
              ]
            }
            """);

        var result = await db.ImportAsync(path);

        var text = result.Issues.Select(i => i.ToString()).ToList();
        Assert.Equal(5, text.Count);
        Assert.Contains(path + ": $.organisations[0].colour: unknown property (names are camelCase, see docs/CONSTITUENCY-FORMATS.md)", text);
        Assert.Contains(path + ": $.organisations[0].networks[0].value: host bits are set: did you mean 10.0.0.0/8?", text);
        Assert.Contains(text, t => t.StartsWith(path + ": $.organisations[0].contacts[0].role: unknown role 'boss'", StringComparison.Ordinal));
        Assert.Contains(path + ": $.organisations[1].name: is required", text);
        Assert.Contains(path + ": $.organisations[2]: must be an object, not null", text);
    }

    [Fact]
    public async Task A_document_that_is_not_json_or_not_ours_is_refused_with_where_and_why()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, postgres);
        var broken = db.WriteFile("broken.json", "{\n  \"format\": \"musubi-constituency\",\n  \"organisations\": [ { \"name\": \"x\" ]\n}");
        var other = db.WriteFile("other.json", "{ \"format\": \"stix\", \"version\": 1 }");
        var csv = db.WriteFile("people.csv", "a,b\n");

        var result = await db.ImportAsync(broken, other, csv, Path.Combine(db.Folder, "missing.json"));

        var text = result.Issues.Select(i => i.ToString()).ToList();
        Assert.Contains(text, t => t.StartsWith(broken + ":3: $.organisations[0]", StringComparison.Ordinal));
        Assert.Contains(other + ": $.format: must be \"musubi-constituency\" (found \"stix\")", text);
        Assert.Contains(text, t => t.StartsWith(csv + ": cannot tell what this CSV file holds from its name", StringComparison.Ordinal));
        Assert.Contains(Path.Combine(db.Folder, "missing.json") + ": no such file or folder", text);
    }

    [Fact]
    public async Task Csv_headers_are_checked_and_spreadsheet_habits_are_accepted()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, postgres);
        var bad = db.WriteFile("h/networks.csv", "organisation,kind,vaule\nX,cidr,192.0.2.0/24\n");
        var result = await db.ImportAsync(bad);
        Assert.Equal(
            [bad + ":1: vaule: unknown column in networks.csv (its columns are: organisation, kind, value, description)",
             bad + ":1: value: missing column: networks.csv needs organisation, kind, value"],
            result.Issues.Select(i => i.ToString()));

        // A BOM, CRLF line ends, other column order and case, enum spellings, blank lines, a formula guard.
        var path = Path.Combine(db.Folder, "excel", "acme-organisations.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, "\uFEFFCountry,Name,KIND,description\r\nJP,Excel Org,Critical Infrastructure Operator,'=not a formula\r\n\r\n", new System.Text.UTF8Encoding(false), TestContext.Current.CancellationToken);
        result = await db.ImportAsync(path);
        Assert.Equal(["acme-organisations.csv:2: sectorId: is required for a critical-infrastructure operator"],
            result.Issues.Select(i => Path.GetFileName(i.ToString())));
        await File.WriteAllTextAsync(path, "\uFEFFCountry,Name,KIND,description\r\nJP,Excel Org,Product_Vendor,'=not a formula\r\n\r\n", TestContext.Current.CancellationToken);
        result = await db.ImportAsync(path);
        Assert.True(result.Succeeded, string.Join("\n", result.Issues));
        Assert.Equal("=not a formula", await db.Db(ctx => ctx.Organisations.Where(o => o.Name == "Excel Org").Select(o => o.Description).SingleAsync()));
    }

    [Fact]
    public async Task A_file_that_is_not_utf8_is_refused_with_advice()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, postgres);
        var path = Path.Combine(db.Folder, "organisations.csv");
        // "総務" in Shift_JIS, as a Japanese spreadsheet saves CSV by default.
        await File.WriteAllBytesAsync(path, [.. "name,kind,country\n"u8, 0x91, 0x8D, 0x96, 0xB1, .. ",enterprise,JP\n"u8], TestContext.Current.CancellationToken);

        var result = await db.ImportAsync(path);

        var issue = Assert.Single(result.Issues);
        Assert.Equal(2, issue.Where.Line);
        Assert.Contains("not UTF-8", issue.Reason, StringComparison.Ordinal);
    }
}
