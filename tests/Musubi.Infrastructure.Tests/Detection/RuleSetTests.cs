using System.IO.Compression;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Core.Queueing;
using Musubi.Detection.Ingestion;
using Musubi.Infrastructure.Constituency;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Detection;
using Musubi.Testing;

namespace Musubi.Infrastructure.Tests.Detection;

/// <summary>Sigma rule sets in the database: upload with per-file errors, who may manage them, scope per organisation and sector, use by detection, trying a rule.</summary>
public sealed class RuleSetTests(PostgresServer postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    public static TheoryData<DatabaseProvider> Databases => new(DatabaseProvider.Sqlite, DatabaseProvider.Postgres);

    private const string Whoami = """
        title: Whoami run
        id: 0b5e5b1a-0000-4000-8000-000000000001
        level: high
        logsource:
          category: process_creation
        detection:
          selection:
            CommandLine|contains: whoami
          condition: selection
        """;

    private const string Broken = """
        title: Broken
        logsource:
          category: process_creation
        detection:
          selection:
            CommandLine|nosuchmodifier: x
          condition: selection
        """;

    private static byte[] Zip(params (string Name, string Text)[] files)
    {
        var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, text) in files)
            {
                using var writer = new StreamWriter(zip.CreateEntry(name).Open());
                writer.Write(text);
            }
        }

        return buffer.ToArray();
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task Rule_sets_are_uploaded_with_per_file_errors_scoped_audited_and_used_only_for_the_organisations_they_target(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var orgA = await host.CreateOrgAsync(Builders.Org("Rules A " + provider, OrganisationKind.CriticalInfrastructureOperator, "electric-power"));
        var orgB = await host.CreateOrgAsync(Builders.Org("Rules B " + provider));
        var centre = await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().Organisations.SingleAsync(o => o.Kind == OrganisationKind.NationalCentre));
        var soc = await host.CreateUserAsync(centre.Id, Role.Analyst);
        var analystA = await host.CreateUserAsync(orgA.Id, Role.Analyst);
        var adminA = await host.CreateUserAsync(orgA.Id, Role.OrgAdmin);
        var readOnlySoc = await host.CreateUserAsync(centre.Id, Role.ReadOnly);

        Task<T> Rules<T>(Func<SigmaRuleService, Task<T>> work) => host.Run(sp => work(sp.GetRequiredService<SigmaRuleService>()));
        var zip = Zip(("rules/whoami.yml", Whoami), ("rules/broken.yaml", Broken), ("README.md", "not a rule"));
        foreach (var outsider in new[] { analystA, adminA, readOnlySoc })
        {
            await Assert.ThrowsAsync<ForbiddenException>(() => Rules(r => r.UploadAsync(outsider, "set", "rules.zip", zip, None)));
            await Assert.ThrowsAsync<ForbiddenException>(() => Rules(r => r.ListAsync(outsider, None)));
            await Assert.ThrowsAsync<ForbiddenException>(() => Rules(r => r.TryAsync(outsider, Whoami, "{}", None)));
        }

        var set = await Rules(r => r.UploadAsync(soc, "Windows basics", "rules.zip", zip, None));
        Assert.Equal((2, 1, false), (set.RuleCount, set.FailedCount, set.Enabled));
        Assert.Null(set.Rules.Single(x => x.FileName == "rules/whoami.yml").Error);
        Assert.Equal("Whoami run", set.Rules.Single(x => x.FileName == "rules/whoami.yml").Title);
        Assert.Contains("nosuchmodifier", set.Rules.Single(x => x.FileName == "rules/broken.yaml").Error, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ConflictException>(() => Rules(r => r.UploadAsync(host.Admin, "Windows basics", "w.yml", Encoding.UTF8.GetBytes(Whoami), None)));
        var notZip = await Assert.ThrowsAsync<ValidationFailedException>(() => Rules(r => r.UploadAsync(soc, "z", "x.zip", [(byte)'P', (byte)'K', 3, 4, 0, 0], None)));
        Assert.Contains("zip", notZip.Errors["file"][0], StringComparison.Ordinal);

        var unknown = await Assert.ThrowsAsync<ValidationFailedException>(() => Rules(r => r.SetScopeAsync(soc, set.Id, new RuleSetScope(true, false, [Guid.NewGuid()], ["no-such-sector"]), None)));
        Assert.Equal(["organisations[0]", "sectors[0]"], unknown.Errors.Keys.Order());
        // The electric-power sector, which A belongs to; B is in none.
        await Rules(r => r.SetScopeAsync(soc, set.Id, new RuleSetScope(true, false, null, ["electric-power"]), None));
        Assert.Equal(["sigma.ruleset.scope", "sigma.ruleset.upload"],
            await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().AuditEntries.Where(a => a.Action.StartsWith("sigma.")).Select(a => a.Action).OrderBy(a => a).ToListAsync()));

        // Detection uses the stored set for A's events, not for B's.
        var rules = new StoreRules(host.Services.GetRequiredService<IServiceScopeFactory>());
        await rules.RefreshAsync(None);
        Assert.Single(rules.Current.Sets);
        var queue = host.Services.GetRequiredService<IWorkQueue>();
        var ingestor = new EventIngestor(queue, host.Services.GetRequiredService<OwnershipDirectory>(), host.Services.GetRequiredService<IServiceScopeFactory>(), host.Time, new IngestOptions());
        foreach (var org in new[] { orgA.Id, orgB.Id })
        {
            var created = await host.Run(sp => sp.GetRequiredService<SensorService>().CreateAsync(host.Admin, new SensorInput(org, "edr-" + org.ToString("N")[..8]), None));
            await ingestor.IngestAsync(new SensorIdentity(created.Sensor.Id, created.Sensor.Name, org), IngestFormat.JsonLines, "http",
                [Encoding.UTF8.GetBytes("""{"host":"ws1","CommandLine":"cmd /c whoami"}""")], None);
        }

        var processor = new DetectionProcessor(null, new Musubi.Detection.Indicators.IndicatorMatcher(), host.Services.GetRequiredService<IServiceScopeFactory>(),
            host.Time, new DetectionOptions(), storedRules: rules);
        var batch = await queue.LeaseAsync(EventIngestor.Topic, 10, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5), None);
        Assert.Equal(2, batch.Count);
        await processor.ProcessAsync([.. batch.Select(m => m.Payload)], None);
        var alerts = await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().Set<AlertEntity>().AsNoTracking().ToListAsync());
        var alert = Assert.Single(alerts);
        Assert.Equal((orgA.Id, "sigma", "0b5e5b1a-0000-4000-8000-000000000001"), (alert.OrganisationId, alert.Kind, alert.SourceId));

        // Disabled: the set leaves the catalog.
        await Rules(r => r.SetScopeAsync(soc, set.Id, new RuleSetScope(false, true, null, null), None));
        await rules.RefreshAsync(None);
        Assert.Empty(rules.Current.Sets);
        await Rules(async r => { await r.DeleteAsync(soc, set.Id, None); return 0; });
        Assert.Empty(await Rules(r => r.ListAsync(soc, None)));
    }

    [Fact]
    public async Task Trying_a_rule_shows_which_sample_events_match_and_the_fields_it_tested()
    {
        await using var host = await TestHost.StartAsync(DatabaseProvider.Sqlite, postgres);
        var trial = await host.Run(sp => sp.GetRequiredService<SigmaRuleService>().TryAsync(host.Admin, Whoami,
            """
            {"CommandLine":"whoami /all","Image":"C:\\Windows\\System32\\whoami.exe"}
            {"CommandLine":"ipconfig"}
            not json
            """, None));
        Assert.Empty(trial.LoadErrors);
        Assert.Equal(1, trial.RulesLoaded);
        Assert.Equal([true, false], trial.Events.Where(e => e.Error is null).Select(e => e.Matched));
        Assert.Equal("whoami /all", trial.Events[0].Fields["CommandLine"]);
        Assert.Equal(["Whoami run"], trial.Events[0].RuleTitles);
        Assert.NotNull(trial.Events.Single(e => e.Index == 2).Error);

        var broken = await host.Run(sp => sp.GetRequiredService<SigmaRuleService>().TryAsync(host.Admin, Broken, "{}", None));
        Assert.Contains(broken.LoadErrors, e => e.Contains("nosuchmodifier", StringComparison.Ordinal));
    }
}
