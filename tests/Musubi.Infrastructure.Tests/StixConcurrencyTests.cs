using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Core.Sharing;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Intelligence;
using Musubi.Testing;

namespace Musubi.Infrastructure.Tests;

/// <summary>
/// The "latest version" race: concurrent publishes of different versions of one STIX id must leave exactly one row
/// marked latest, the greatest version. Before the per-id lock each writer read the stored versions, found its own the
/// newest and committed IsLatest = true, so several rows were "latest".
/// </summary>
public sealed class StixConcurrencyTests(PostgresServer postgres)
{
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Concurrent_publishes_of_one_id_leave_exactly_one_latest_version_the_greatest(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var org = await host.CreateOrgAsync(Builders.Org("Racing CSIRT", OrganisationKind.MinistryAgency));
        var publisher = await host.CreateUserAsync(org.Id, Role.Analyst);
        const string id = "indicator--0c1f3a8e-1f5b-4f3e-9a43-7d4a8e1b2c3d";

        for (var round = 0; round < 3; round++)
        {
            var versions = Enumerable.Range(0, 8).Select(i => $"2025-01-0{round + 1}T00:00:{i:00}.000Z").ToList();
            using var start = new ManualResetEventSlim(false);
            var tasks = versions.Select(v => Task.Run(async () =>
            {
                start.Wait(TestContext.Current.CancellationToken);
                var json = $$"""{"type":"indicator","spec_version":"2.1","id":"{{id}}","created":"2025-01-01T00:00:00.000Z","modified":"{{v}}","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2025-01-01T00:00:00Z"}""";
                await host.Run(sp => sp.GetRequiredService<StixImporter>().ImportAsync(publisher, new MemoryStream(Encoding.UTF8.GetBytes(json)),
                    new PublishOptions(Tlp.Green), CancellationToken.None));
            })).ToList();
            start.Set();
            await Task.WhenAll(tasks);
        }

        var rows = await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().StixObjects.AsNoTracking().Where(x => x.StixId == id).ToListAsync());
        Assert.Equal(24, rows.Count);
        var latest = Assert.Single(rows, r => r.IsLatest);
        Assert.Equal("2025-01-03T00:00:07.000Z", latest.Modified);
    }
}
