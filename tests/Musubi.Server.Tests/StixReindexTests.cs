using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Intelligence;
using Musubi.Testing;

namespace Musubi.Server.Tests;

/// <summary>
/// Issue 3: objects stored before the reference index existed have no reference rows, so the object page shows no
/// relationships for them; the reindex (`musubi stix reindex`) backfills them, with progress, and a second run adds nothing.
/// </summary>
public sealed class StixReindexTests(PostgresServer postgres, FederationServers servers) : IClassFixture<FederationServers>
{
    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Reindex_backfills_the_reference_rows_of_objects_stored_without_them(DatabaseProvider provider)
    {
        var ct = TestContext.Current.CancellationToken;
        var f = await servers.GetAsync(provider, postgres);
        var org = await f.LocalOrgAsync();
        using var analyst = await f.LocalAnalystAsync(org);
        var indicator = TaxiiObjects.NewId();
        var malware = TaxiiObjects.NewId("malware");
        var relationship = TaxiiObjects.NewId("relationship");
        var bundle = $$"""
            {"type":"bundle","id":"bundle--{{Guid.NewGuid()}}","objects":[{{TaxiiObjects.Indicator(indicator)}},{{TaxiiObjects.Malware(malware)}},
            {"type":"relationship","spec_version":"2.1","id":"{{relationship}}","created":"2024-05-01T10:00:00.000Z","modified":"2024-05-01T10:00:00.000Z",
             "relationship_type":"indicates","source_ref":"{{indicator}}","target_ref":"{{malware}}"}]}
            """;
        var published = await analyst.PostAsync("/api/v1/intel/objects?tlp=amber", new StringContent(bundle, Encoding.UTF8, "application/stix+json"), ct);
        Assert.True(published.IsSuccessStatusCode, await published.Content.ReadAsStringAsync(ct));
        async Task<List<string>> RelatedAsync() => (await analyst.GetFromJsonAsync<JsonElement>($"/api/v1/intel/objects/{indicator}/related", ct))
            .EnumerateArray().Select(x => x.GetProperty("id").GetString()!).ToList();
        Assert.Contains(malware, await RelatedAsync());

        // As stored before the index existed: no reference rows.
        long rowsBefore;
        await using (var scope = f.Local.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MusubiDbContext>();
            var ids = await db.StixObjects.Where(o => o.StixId == relationship).Select(o => o.Id).ToListAsync(ct);
            rowsBefore = await db.StixTerms.CountAsync(t => ids.Contains(t.ObjectId) && t.Kind == StixTermKind.Reference, ct);
            Assert.Equal(2, rowsBefore);
            await db.StixTerms.Where(t => t.Kind == StixTermKind.Reference).ExecuteDeleteAsync(ct);
        }

        Assert.DoesNotContain(malware, await RelatedAsync());

        var reports = new List<StixReindexProgress>();
        StixReindexProgress result;
        await using (var scope = f.Local.Services.CreateAsyncScope())
        {
            result = await scope.ServiceProvider.GetRequiredService<StixReferenceIndex>().ReindexAsync(new Collect(reports), ct);
        }

        Assert.Contains(malware, await RelatedAsync());
        Assert.True(result.ObjectsFixed >= 1 && result.TermsAdded >= 2, result.ToString());
        Assert.Equal(result.Total, result.Read);
        Assert.NotEmpty(reports);
        Assert.Equal(result, reports[^1]);
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.First.Read < p.Second.Read), "progress only goes forward");
        await using (var scope = f.Local.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MusubiDbContext>();
            var ids = await db.StixObjects.Where(o => o.StixId == relationship).Select(o => o.Id).ToListAsync(ct);
            Assert.Equal(rowsBefore, await db.StixTerms.CountAsync(t => ids.Contains(t.ObjectId) && t.Kind == StixTermKind.Reference, ct));
            // Idempotent: a second run adds nothing.
            var again = await scope.ServiceProvider.GetRequiredService<StixReferenceIndex>().ReindexAsync(null, ct);
            Assert.Equal(0, again.TermsAdded);
            Assert.Equal(0, again.ObjectsFixed);
        }
    }

    private sealed class Collect(List<StixReindexProgress> into) : IProgress<StixReindexProgress>
    {
        public void Report(StixReindexProgress value) => into.Add(value);
    }
}
