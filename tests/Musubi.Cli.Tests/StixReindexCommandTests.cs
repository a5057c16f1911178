using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Cli.Tests.Fixtures;
using Musubi.Core.Sharing;
using Musubi.Infrastructure.Intelligence;
using Musubi.Testing;
using Xunit;

namespace Musubi.Cli.Tests;

/// <summary>`musubi stix reindex` against a real database whose objects lost (or never had) their reference rows.</summary>
public sealed class StixReindexCommandTests(PostgresServer postgres)
{
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Reindex_prints_progress_and_restores_the_reference_rows_then_a_second_run_adds_none(DatabaseProvider provider)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestDatabase.CreateAsync(provider, postgres);
        var a = $"indicator--{Guid.NewGuid()}";
        var m = $"malware--{Guid.NewGuid()}";
        var bundle = $$"""
            {"type":"bundle","id":"bundle--{{Guid.NewGuid()}}","objects":[
            {"type":"indicator","spec_version":"2.1","id":"{{a}}","created":"2024-05-01T10:00:00.000Z","modified":"2024-05-01T10:00:00.000Z","pattern":"[domain-name:value = 'reindex.example']","pattern_type":"stix","valid_from":"2024-05-01T10:00:00Z"},
            {"type":"malware","spec_version":"2.1","id":"{{m}}","created":"2024-05-01T10:00:00.000Z","modified":"2024-05-01T10:00:00.000Z","name":"m","is_family":false},
            {"type":"relationship","spec_version":"2.1","id":"relationship--{{Guid.NewGuid()}}","created":"2024-05-01T10:00:00.000Z","modified":"2024-05-01T10:00:00.000Z","relationship_type":"indicates","source_ref":"{{a}}","target_ref":"{{m}}"}]}
            """;
        var publisher = db.Actor with { Scopes = new HashSet<string> { Musubi.Core.Identity.Scopes.IntelRead, Musubi.Core.Identity.Scopes.IntelWrite }, Role = Musubi.Core.Identity.Role.Analyst };
        var imported = await db.Run(sp => sp.GetRequiredService<StixImporter>().ImportAsync(publisher, new MemoryStream(Encoding.UTF8.GetBytes(bundle)), new PublishOptions(Tlp.Green), ct));
        Assert.Equal(3, imported.Stored);
        var before = await db.Db(d => d.StixTerms.CountAsync(t => t.Kind == StixTermKind.Reference, ct));
        Assert.Equal(2, before);
        await db.Db(d => d.StixTerms.Where(t => t.Kind == StixTermKind.Reference).ExecuteDeleteAsync(ct));

        var run = await CliRunner.RunAsync([.. db.CliArguments, "stix", "reindex"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("3/3 objects read, 1 given 2 missing reference rows", run.Output, StringComparison.Ordinal);
        Assert.Contains("Reindexed: 3 objects read, 1 objects given 2 reference rows.", run.Output, StringComparison.Ordinal);
        Assert.Equal(2, await db.Db(d => d.StixTerms.CountAsync(t => t.Kind == StixTermKind.Reference, ct)));

        var again = await CliRunner.RunAsync([.. db.CliArguments, "stix", "reindex"]);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("Reindexed: 3 objects read, 0 objects given 0 reference rows.", again.Output, StringComparison.Ordinal);
    }
}
