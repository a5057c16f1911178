using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Identity;
using Musubi.Infrastructure.Ledger;
using Musubi.Ledger.Bundles;
using Musubi.Ledger.Checkpoints;
using static Musubi.Server.Tests.Who;

namespace Musubi.Server.Tests;

/// <summary>
/// The ledger API, for every kind of principal: administrators read checkpoints, keys and proofs; entries and
/// exports only within their organisation (another organisation's entry is "not found"); platform administrators
/// alone manage retention, holds and on-demand jobs.
/// </summary>
public sealed class LedgerApiTests(Principals p) : IClassFixture<Principals>
{
    private static readonly Who[] Admins = [Admin, OrgAdminA, OrgAdminB];

    private async Task Check(Func<HttpRequestMessage> make, IReadOnlyDictionary<Who, int> allowed)
    {
        var mismatches = new List<string>();
        foreach (var who in Principals.Everyone)
        {
            using var request = make();
            using var response = await p[who].SendAsync(request, TestContext.Current.CancellationToken);
            var expected = who == Anonymous ? 401 : allowed.TryGetValue(who, out var ok) ? ok : 403;
            if ((int)response.StatusCode != expected)
            {
                mismatches.Add($"{who}: {request.Method} {request.RequestUri} expected {expected}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }

        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    private static Dictionary<Who, int> Status(int status, params Who[] who) => who.ToDictionary(w => w, _ => status);

    private static HttpRequestMessage Get(string path) => new(HttpMethod.Get, path);

    private static HttpRequestMessage Send(HttpMethod method, string path, object? body = null) =>
        new(method, path) { Content = body is null ? null : JsonContent.Create(body, options: Principals.Json) };

    private async Task<long> EntryOfAsync(Guid organisationId)
    {
        await using var scope = p.Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusubiDbContext>();
        return await db.LedgerEntries.Where(e => e.OrganisationId == organisationId).OrderBy(e => e.Index).Select(e => e.Index).FirstAsync();
    }

    [Fact]
    public async Task Checkpoints_keys_and_consistency_proofs_are_read_by_administrators()
    {
        await Check(() => Get("/api/v1/ledger/checkpoint"), Status(200, Admins));
        await Check(() => Get("/api/v1/ledger/checkpoints"), Status(200, Admins));
        await Check(() => Get("/api/v1/ledger/key"), Status(200, Admins));
        await Check(() => Get("/api/v1/ledger/status"), Status(200, Admins));
        await Check(() => Get("/api/v1/ledger/proofs/consistency?oldSize=1&newSize=2"), Status(200, Admins));
    }

    [Fact]
    public async Task Entries_and_their_proofs_are_read_within_the_organisation_and_are_not_found_by_others()
    {
        var ofA = await EntryOfAsync(p.OrgA);
        var expected = new Dictionary<Who, int> { [Admin] = 200, [OrgAdminA] = 200, [OrgAdminB] = 404 };
        await Check(() => Get($"/api/v1/ledger/entries/{ofA}"), expected);
        await Check(() => Get($"/api/v1/ledger/entries/{ofA}/proof"), expected);
    }

    [Fact]
    public async Task Exports_cover_the_whole_log_for_platform_admins_and_the_own_organisation_for_its_admins()
    {
        await Check(() => Get("/api/v1/ledger/export"), Status(200, Admins));
        await Check(() => Get($"/api/v1/ledger/export?organisationId={p.OrgA}"), Status(200, Admin, OrgAdminA));
    }

    [Fact]
    public async Task Only_platform_admins_manage_retention_holds_and_on_demand_jobs()
    {
        await Check(() => Send(HttpMethod.Post, "/api/v1/ledger/checkpoints"), Status(200, Admin));
        await Check(() => Get("/api/v1/ledger/alerts"), Status(200, Admin));
        await Check(() => Send(HttpMethod.Post, "/api/v1/ledger/monitor"), Status(200, Admin));
        await Check(() => Get("/api/v1/ledger/retention"), Status(200, Admin));
        await Check(() => Send(HttpMethod.Put, "/api/v1/ledger/retention", new RetentionPolicyInput(p.OrgB, LedgerCategories.RawEvent, 400)), Status(200, Admin));
        await Check(() => Send(HttpMethod.Post, "/api/v1/ledger/retention/run"), Status(200, Admin));
        await Check(() => Get("/api/v1/ledger/holds"), Status(200, Admin));
        await Check(() => Send(HttpMethod.Post, "/api/v1/ledger/holds", new LegalHoldInput(p.OrgB, null, "Order 12")), Status(201, Admin));
    }

    [Fact]
    public async Task A_token_without_the_ledger_scope_reads_nothing_of_the_ledger()
    {
        var token = await MusubiServer.ReadAsync<CreatedToken>(await p[Admin].PostAsJsonAsync("/api/v1/tokens",
            new TokenInput("audit only", [Scopes.AuditRead], 1, null), Principals.Json));
        using var client = p.Server.WithToken(token.Secret);
        Assert.Equal(200, (int)(await client.GetAsync("/api/v1/audit")).StatusCode);
        Assert.Equal(403, (int)(await client.GetAsync("/api/v1/ledger/checkpoint")).StatusCode);
        Assert.Equal(403, (int)(await client.GetAsync("/api/v1/ledger/export")).StatusCode);

        var reader = await MusubiServer.ReadAsync<CreatedToken>(await p[Admin].PostAsJsonAsync("/api/v1/tokens",
            new TokenInput("police", [Scopes.LedgerRead], 1, null), Principals.Json));
        using var police = p.Server.WithToken(reader.Secret);
        Assert.Equal(200, (int)(await police.GetAsync("/api/v1/ledger/export")).StatusCode);
        Assert.Equal(403, (int)(await police.PostAsync("/api/v1/ledger/checkpoints", null)).StatusCode);
    }

    [Fact]
    public async Task The_downloaded_bundle_and_the_published_checkpoint_verify_with_the_published_key()
    {
        var admin = p[Admin];
        var key = (await admin.GetStringAsync("/api/v1/ledger/key")).Trim();
        Assert.True(NoteVerifier.TryParse(key, out var verifier, out var error), error);
        var checkpoint = await MusubiServer.ReadAsync<CheckpointDto>(await admin.PostAsync("/api/v1/ledger/checkpoints", null));
        var note = await admin.GetStringAsync("/api/v1/ledger/checkpoint");
        var opened = Checkpoint.Open(note, verifier!);
        Assert.True(opened.IsValid, opened.Reason);
        Assert.True((long)opened.Checkpoint!.TreeSize >= checkpoint.TreeSize);

        var proof = await MusubiServer.ReadAsync<JsonElement>(await admin.GetAsync($"/api/v1/ledger/entries/{await EntryOfAsync(p.OrgA)}/proof"));
        Assert.True(proof.GetProperty("verified").GetBoolean());

        using var response = await admin.GetAsync("/api/v1/ledger/export?description=Case%2042");
        Assert.Equal("application/jsonl", response.Content.Headers.ContentType?.MediaType);
        await using var bundle = await response.Content.ReadAsStreamAsync();
        var report = BundleVerifier.Verify(bundle, new BundleVerifierOptions { TrustedKeys = [verifier!] });
        Assert.True(report.IsValid, report.ToString());
        Assert.Equal("range", report.Mode);

        var bad = await admin.GetAsync("/api/v1/ledger/export?fromIndex=5&toIndex=2");
        Assert.Equal(400, (int)bad.StatusCode);
        Assert.Contains("toIndex", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
