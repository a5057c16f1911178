using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Core.Sharing;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Intelligence;
using Musubi.Stix.Model;
using Musubi.Testing;

namespace Musubi.Infrastructure.Tests;

/// <summary>
/// The import's bulk path (<c>StixBulkWriter</c>) on SQLite and PostgreSQL: rows equal to what EF Core writes,
/// versions within one input, and a failure midway that leaves nothing behind.
/// </summary>
public sealed class StixBulkStoreTests(PostgresServer postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;
    private const string Id = "indicator--0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d";

    private static string Indicator(string modified, string value, string id = Id) => $$"""
        {"type":"indicator","spec_version":"2.1","id":"{{id}}","created":"2016-04-06T20:03:48.000Z","modified":"{{modified}}",
         "name":"C2 {{value}}","pattern":"[ipv4-addr:value = '{{value}}']","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z",
         "labels":["malicious-activity","c2"],"object_marking_refs":["{{TlpMarkings.AmberId}}"]}
        """;

    private static string Bundle(params string[] objects) =>
        $$"""{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[{{string.Join(",\n", objects)}}]}""";

    private static async Task<(TestHost Host, Actor Publisher)> StartAsync(DatabaseProvider provider, PostgresServer postgres)
    {
        var host = await TestHost.StartAsync(provider, postgres);
        var org = await host.CreateOrgAsync(Builders.Org("Bulk Publisher", OrganisationKind.MinistryAgency));
        return (host, await host.CreateUserAsync(org.Id, Role.Analyst));
    }

    private static Task<StixImportResult> Import(TestHost host, Actor actor, string json) =>
        host.Run(sp => sp.GetRequiredService<StixImporter>().ImportAsync(actor, new MemoryStream(Encoding.UTF8.GetBytes(json)),
            new PublishOptions(Tlp.Green, null, null, null, PublicFeed: false), None));

    [Fact]
    public void The_bulk_writer_writes_every_mapped_column_of_both_tables()
    {
        using var db = new MusubiDbContext(new DbContextOptionsBuilder<MusubiDbContext>().UseSqlite("Data Source=:memory:").Options);
        var objects = db.Model.FindEntityType(typeof(StixObjectEntity))!.GetProperties().Select(p => p.Name).Where(n => n != "Id").Order();
        var terms = db.Model.FindEntityType(typeof(StixTermEntity))!.GetProperties().Select(p => p.Name).Where(n => n != "Id").Order();
        Assert.Equal(objects, StixBulkWriter.Columns.Order());
        Assert.Equal(terms, StixBulkWriter.TermColumns.Order());
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Bulk_rows_read_back_through_EF_exactly_as_published(DatabaseProvider provider)
    {
        var (host, publisher) = await StartAsync(provider, postgres);
        await using var _ = host;
        var json = Indicator("2016-04-06T20:03:48.123456Z", "198.51.100.7");

        var result = await Import(host, publisher, json);

        Assert.Equal(1, result.Stored);
        var row = await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().StixObjects.AsNoTracking().Include(x => x.Terms).SingleAsync(x => x.StixId == Id));
        Assert.Equal("indicator", row.Type);
        Assert.Equal("2016-04-06T20:03:48.123456000Z", row.VersionKey);
        Assert.Equal("2016-04-06T20:03:48.123456Z", row.Modified);
        // SQLite keeps instants as DateTimeOffsetToBinaryConverter does (to 0.1 ms), as EF Core itself writes them.
        Assert.InRange((row.ModifiedAt!.Value - new DateTimeOffset(2016, 4, 6, 20, 3, 48, TimeSpan.Zero).AddTicks(1_234_560)).Ticks,
            provider == DatabaseProvider.Sqlite ? -1000 : 0, 0);
        Assert.Equal(new DateTimeOffset(2016, 4, 6, 20, 3, 48, TimeSpan.Zero), row.CreatedAt);
        Assert.Equal("C2 198.51.100.7", row.Name);
        Assert.True(row.IsLatest);
        Assert.False(row.Revoked);
        Assert.Equal(Tlp.Amber, row.Tlp); // the object's own marking raises the publisher's GREEN
        Assert.Equal(publisher.OrganisationId, row.CreatorOrganisationId);
        Assert.Equal(host.Time.GetUtcNow().ToUnixTimeMilliseconds(), row.DateAdded.ToUnixTimeMilliseconds());
        Assert.Equal(json.Trim(), row.Raw);
        Assert.Equal(
            ["IndicatorValue ipv4-addr:value 198.51.100.7", "Label  c2", "Label  malicious-activity"],
            row.Terms.Select(t => $"{t.Kind} {t.Path} {t.Value}").Order(StringComparer.Ordinal));
        // The SQL filters that TAXII and search use find the bulk rows.
        var org = publisher.OrganisationId;
        Assert.Equal(1, await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().StixObjects
            .CountAsync(x => x.CreatorOrganisationId == org && x.DateAdded <= host.Time.GetUtcNow() && x.Terms.Any(t => t.Kind == StixTermKind.IndicatorValue && t.Value == "198.51.100.7"))));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_newer_and_an_older_version_in_one_input_around_a_stored_one_leave_the_newest_latest(DatabaseProvider provider)
    {
        var (host, publisher) = await StartAsync(provider, postgres);
        await using var _ = host;
        await Import(host, publisher, Indicator("2016-04-06T20:03:49.000Z", "198.51.100.2"));

        var result = await Import(host, publisher, Bundle(
            Indicator("2016-04-06T20:03:50.000Z", "198.51.100.3"),
            Indicator("2016-04-06T20:03:48.000Z", "198.51.100.1"),
            Indicator("2016-04-06T20:03:51.000Z", "198.51.100.4"),
            Indicator("2016-04-06T20:03:50.000Z", "198.51.100.3")));

        Assert.Equal([StixImportStatus.Stored, StixImportStatus.Stored, StixImportStatus.Stored, StixImportStatus.Duplicate], result.Successes.Select(s => s.Status));
        var rows = await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().StixObjects.AsNoTracking().Where(x => x.StixId == Id)
            .Select(x => new { x.Modified, x.IsLatest }).ToListAsync());
        Assert.Equal(4, rows.Count);
        Assert.Equal("2016-04-06T20:03:51.000Z", Assert.Single(rows, r => r.IsLatest).Modified);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task The_stored_versions_of_several_ids_are_found_before_storing(DatabaseProvider provider)
    {
        const string a = "indicator--3b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d", b = "indicator--4b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d",
            c = "indicator--5b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d";
        var (host, publisher) = await StartAsync(provider, postgres);
        await using var _ = host;
        await Import(host, publisher, Bundle(Indicator("2016-04-06T20:03:49.000Z", "198.51.100.1", a), Indicator("2016-04-06T20:03:49.000Z", "198.51.100.2", b)));

        var result = await Import(host, publisher, Bundle(
            Indicator("2016-04-06T20:03:49.000Z", "198.51.100.1", a),
            Indicator("2016-04-06T20:03:50.000Z", "198.51.100.3", b),
            Indicator("2016-04-06T20:03:49.000Z", "198.51.100.4", c),
            Indicator("2016-04-06T20:03:48.000Z", "198.51.100.5", b)));

        Assert.Equal([StixImportStatus.Duplicate, StixImportStatus.Stored, StixImportStatus.Stored, StixImportStatus.Stored], result.Successes.Select(s => s.Status));
        var rows = await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().StixObjects.AsNoTracking()
            .Select(x => new { x.StixId, x.Modified, x.IsLatest }).ToListAsync());
        Assert.Equal(5, rows.Count);
        Assert.Equal(
            [$"{a}@2016-04-06T20:03:49.000Z", $"{b}@2016-04-06T20:03:50.000Z", $"{c}@2016-04-06T20:03:49.000Z"],
            rows.Where(r => r.IsLatest).Select(r => $"{r.StixId}@{r.Modified}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Every_embedded_database_connection_gets_the_larger_page_cache()
    {
        var (host, _) = await StartAsync(DatabaseProvider.Sqlite, postgres);
        await using var _ = host;
        for (var i = 0; i < 2; i++) // a new connection, then the same one again from the pool
        {
            var cache = await host.Run(async sp =>
            {
                var db = sp.GetRequiredService<MusubiDbContext>();
                await db.Database.OpenConnectionAsync();
                await using var command = db.Database.GetDbConnection().CreateCommand();
                command.CommandText = "PRAGMA cache_size";
                return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
            });
            Assert.Equal(-SqlitePragmas.CacheKibibytes, cache);
        }
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_failure_midway_through_the_rows_leaves_nothing_written(DatabaseProvider provider)
    {
        var (host, publisher) = await StartAsync(provider, postgres);
        await using var _ = host;
        await Import(host, publisher, Indicator("2016-04-06T20:03:49.000Z", "198.51.100.2"));
        // The database refuses the term row of the third object, after the first two and their terms are written.
        await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().Database.ExecuteSqlRawAsync(provider == DatabaseProvider.Postgres
            ? """
              CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
                IF NEW."Value" = '203.0.113.66' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$;
              CREATE TRIGGER refuse_boom BEFORE INSERT ON stix_terms FOR EACH ROW EXECUTE FUNCTION refuse_boom();
              """
            : """
              CREATE TRIGGER refuse_boom BEFORE INSERT ON stix_terms WHEN NEW."Value" = '203.0.113.66'
              BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;
              """));
        var audited = await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().AuditEntries.CountAsync());

        await Assert.ThrowsAnyAsync<Exception>(() => Import(host, publisher, Bundle(
            Indicator("2016-04-06T20:03:50.000Z", "198.51.100.3"),
            Indicator("2016-04-06T20:03:48.000Z", "198.51.100.4", "indicator--1b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"),
            Indicator("2016-04-06T20:03:48.000Z", "203.0.113.66", "indicator--2b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"))));

        var rows = await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().StixObjects.AsNoTracking()
            .Select(x => new { x.StixId, x.Modified, x.IsLatest }).ToListAsync());
        var only = Assert.Single(rows);
        Assert.Equal((Id, "2016-04-06T20:03:49.000Z", true), (only.StixId, only.Modified, only.IsLatest));
        Assert.Equal(3, await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().StixTerms.CountAsync()));
        Assert.Equal(audited, await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().AuditEntries.CountAsync()));
    }
}
