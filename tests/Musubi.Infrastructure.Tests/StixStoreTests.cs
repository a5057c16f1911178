using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Core.Sharing;
using Musubi.Infrastructure.Constituency;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Intelligence;
using Musubi.Testing;

namespace Musubi.Infrastructure.Tests;

/// <summary>The STIX store on SQLite and PostgreSQL: import, versions, revocation, search, and sight by the access policy.</summary>
public sealed class StixStoreTests(PostgresServer postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    private const string IdentityId = "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff";
    private const string IndicatorId = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";

    private static string Indicator(string modified, string value = "198.51.100.1", string extra = "") => $$"""
        {"type":"indicator","spec_version":"2.1","id":"{{IndicatorId}}","created":"2016-04-06T20:03:48.000Z","modified":"{{modified}}",
         "name":"C2 {{value}}","pattern":"[ipv4-addr:value = '{{value}}']","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z",
         "labels":["malicious-activity"]{{extra}}}
        """;

    private const string Identity = $$"""{"type":"identity","spec_version":"2.1","id":"{{IdentityId}}","created":"2016-04-06T20:03:00.000Z","modified":"2016-04-06T20:03:00.000Z","name":"ACME CSIRT","identity_class":"organization"}""";

    private static string Bundle(params string[] objects) =>
        $$"""{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[{{string.Join(",\n", objects)}}]}""";

    private sealed record World(TestHost Host, Actor Publisher, Actor Colleague, Actor Member, Actor Outsider, Actor ReadOnlyMember, Guid Community, Guid MemberOrg)
    {
        public Task<StixImportResult> Import(Actor actor, string json, PublishOptions options) =>
            Host.Run(sp => sp.GetRequiredService<StixImporter>().ImportAsync(actor, new MemoryStream(Encoding.UTF8.GetBytes(json)), options, None));

        public Task<StixObjectView> Get(Actor actor, string id, string? version = null) =>
            Host.Run(sp => sp.GetRequiredService<StixReadService>().GetAsync(actor, id, version, None));

        public Task<IReadOnlyList<StixObjectView>> Versions(Actor actor, string id) =>
            Host.Run(sp => sp.GetRequiredService<StixReadService>().VersionsAsync(actor, id, None));

        public Task<StixSearchPage> Search(Actor actor, StixSearchQuery q) =>
            Host.Run(sp => sp.GetRequiredService<StixReadService>().SearchAsync(actor, q, None));
    }

    private static async Task<World> StartAsync(DatabaseProvider provider, PostgresServer postgres)
    {
        var host = await TestHost.StartAsync(provider, postgres);
        var publisherOrg = await host.CreateOrgAsync(Builders.Org("Publisher CSIRT", OrganisationKind.MinistryAgency));
        var memberOrg = await host.CreateOrgAsync(Builders.Org("Member Operator", OrganisationKind.MinistryAgency));
        var outsiderOrg = await host.CreateOrgAsync(Builders.Org("Outsider Org", OrganisationKind.MinistryAgency));
        var community = await host.Run(sp => sp.GetRequiredService<CommunityService>().CreateAsync(host.Admin,
            new CommunityInput("tg-stix-test", CommunityKind.TrustGroup, "STIX test trust group", null, null, null), None));
        await host.Run(sp => sp.GetRequiredService<CommunityService>().AddMemberAsync(host.Admin, community.Slug, memberOrg.Id, None));
        return new World(host,
            await host.CreateUserAsync(publisherOrg.Id, Role.Analyst),
            await host.CreateUserAsync(publisherOrg.Id, Role.ReadOnly),
            await host.CreateUserAsync(memberOrg.Id, Role.Analyst),
            await host.CreateUserAsync(outsiderOrg.Id, Role.Analyst),
            await host.CreateUserAsync(memberOrg.Id, Role.ReadOnly),
            community.Id, memberOrg.Id);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_bundle_is_stored_losslessly_with_valid_objects_kept_invalid_ones_listed_and_one_audit_entry(DatabaseProvider provider)
    {
        var w = await StartAsync(provider, postgres);
        await using var _ = w.Host;
        var invalid = """{"type":"malware","spec_version":"2.1","id":"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b","created":"2016-04-06T20:03:48Z","modified":"2016-04-06T20:03:48.000Z","name":"x"}""";
        var indicator = Indicator("2016-04-06T20:03:48.000Z");

        var result = await w.Import(w.Publisher, Bundle(Identity, invalid, indicator), new PublishOptions(Tlp.Green, [w.Community]));

        Assert.Equal(2, result.Stored);
        var failure = Assert.Single(result.Failures);
        Assert.Equal(1, failure.Index);
        Assert.Equal("malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b", failure.Id);
        Assert.Contains(failure.Errors, e => e.StartsWith("$.objects[1].created:", StringComparison.Ordinal));
        Assert.Contains(failure.Errors, e => e.StartsWith("$.objects[1].is_family:", StringComparison.Ordinal));
        var stored = await w.Get(w.Publisher, IndicatorId);
        Assert.Equal(indicator, stored.Raw);
        Assert.Equal(Tlp.Green, stored.Tlp);
        await w.Host.Run(async sp =>
        {
            var db = sp.GetRequiredService<MusubiDbContext>();
            var entry = await db.AuditEntries.SingleAsync(a => a.Action == "stix.import");
            Assert.Equal(w.Publisher.UserId, entry.ActorUserId);
            Assert.Contains(IndicatorId, entry.After, StringComparison.Ordinal);
            Assert.Contains("malware--31b940d4", entry.After, StringComparison.Ordinal);
            Assert.False(await db.StixObjects.AnyAsync(o => o.Type == "malware"));
        });
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_duplicate_is_a_success_and_versions_are_kept_with_the_latest_by_modified(DatabaseProvider provider)
    {
        var w = await StartAsync(provider, postgres);
        await using var _ = w.Host;
        var options = new PublishOptions(Tlp.Amber, [w.Community]);

        await w.Import(w.Publisher, Indicator("2016-04-06T20:03:48.500Z", "198.51.100.2"), options);
        await w.Import(w.Publisher, Indicator("2016-04-06T20:03:48.000Z", "198.51.100.1"), options); // older, arrives later
        var again = await w.Import(w.Publisher, Bundle(Indicator("2016-04-06T20:03:48.500000Z", "198.51.100.2"), Indicator("2016-04-06T20:03:49.000Z", "198.51.100.3"), Indicator("2016-04-06T20:03:49.000Z", "198.51.100.3")), options);

        // .500000Z is the same instant as .500Z: a duplicate; the last object repeats the one before it: a duplicate too.
        Assert.Equal([StixImportStatus.Duplicate, StixImportStatus.Stored, StixImportStatus.Duplicate], again.Successes.Select(s => s.Status));
        var versions = await w.Versions(w.Member, IndicatorId);
        Assert.Equal(["2016-04-06T20:03:49.000Z", "2016-04-06T20:03:48.500Z", "2016-04-06T20:03:48.000Z"], versions.Select(v => v.Version));
        Assert.Equal("2016-04-06T20:03:49.000Z", (await w.Get(w.Member, IndicatorId)).Version);
        Assert.Contains("198.51.100.1", (await w.Get(w.Member, IndicatorId, "2016-04-06T20:03:48.000Z")).Raw, StringComparison.Ordinal);
        var latest = await w.Search(w.Member, new StixSearchQuery(Type: "indicator"));
        Assert.Equal("2016-04-06T20:03:49.000Z", Assert.Single(latest.Items).Version);
        Assert.Equal(3, (await w.Search(w.Member, new StixSearchQuery(Type: "indicator", AllVersions: true))).Items.Count);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Every_read_path_hides_an_object_from_a_principal_outside_its_scope(DatabaseProvider provider)
    {
        var w = await StartAsync(provider, postgres);
        await using var _ = w.Host;
        await w.Import(w.Publisher, Bundle(Identity, Indicator("2016-04-06T20:03:48.000Z")), new PublishOptions(Tlp.Amber, [w.Community]));

        foreach (var insider in new[] { w.Publisher, w.Colleague, w.Member, w.ReadOnlyMember })
        {
            Assert.Equal(IndicatorId, (await w.Get(insider, IndicatorId)).Id);
            Assert.Single(await w.Versions(insider, IndicatorId));
            Assert.Single((await w.Search(insider, new StixSearchQuery(Value: "198.51.100.1"))).Items);
        }

        await Assert.ThrowsAsync<NotFoundException>(() => w.Get(w.Outsider, IndicatorId));
        await Assert.ThrowsAsync<NotFoundException>(() => w.Get(w.Outsider, IndicatorId, "2016-04-06T20:03:48.000Z"));
        await Assert.ThrowsAsync<NotFoundException>(() => w.Versions(w.Outsider, IndicatorId));
        Assert.Empty((await w.Search(w.Outsider, new StixSearchQuery())).Items);
        Assert.Empty((await w.Search(w.Outsider, new StixSearchQuery(Value: "198.51.100.1"))).Items);
        Assert.Empty((await w.Search(w.Outsider, new StixSearchQuery(Community: w.Community))).Items);
        Assert.Empty((await w.Search(w.Outsider, new StixSearchQuery(AllVersions: true, IncludeRevoked: true))).Items);
        // The platform administrator is no insider either: no role grants sight.
        await Assert.ThrowsAsync<NotFoundException>(() => w.Get(w.Host.Admin, IndicatorId));
        Assert.Empty((await w.Search(w.Host.Admin, new StixSearchQuery())).Items);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Red_reaches_named_users_only_and_clear_every_signed_in_user(DatabaseProvider provider)
    {
        var w = await StartAsync(provider, postgres);
        await using var _ = w.Host;
        await w.Import(w.Publisher, Indicator("2016-04-06T20:03:48.000Z"), new PublishOptions(Tlp.Red, [w.Community], Users: [w.Member.UserId]));

        Assert.NotNull(await w.Get(w.Member, IndicatorId));
        await Assert.ThrowsAsync<NotFoundException>(() => w.Get(w.ReadOnlyMember, IndicatorId));
        await Assert.ThrowsAsync<NotFoundException>(() => w.Get(w.Outsider, IndicatorId));

        await w.Import(w.Publisher, Identity, new PublishOptions(Tlp.Clear));
        Assert.Equal(IdentityId, (await w.Get(w.Outsider, IdentityId)).Id);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task The_objects_own_tlp_marking_raises_the_publishers_choice_but_never_lowers_it(DatabaseProvider provider)
    {
        var w = await StartAsync(provider, postgres);
        await using var _ = w.Host;
        var red = Indicator("2016-04-06T20:03:48.000Z", extra: $$""","object_marking_refs":["{{TlpMarkings.RedId}}"]""");

        await w.Import(w.Publisher, red, new PublishOptions(Tlp.Green, [w.Community]));

        Assert.Equal(Tlp.Red, (await w.Get(w.Publisher, IndicatorId)).Tlp);
        await Assert.ThrowsAsync<NotFoundException>(() => w.Get(w.Member, IndicatorId));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Search_filters_by_type_value_tlp_label_community_creator_and_time_and_pages(DatabaseProvider provider)
    {
        var w = await StartAsync(provider, postgres);
        await using var _ = w.Host;
        var objects = Enumerable.Range(0, 7).Select(i =>
            $$"""{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-00000000000{{i}}","created":"2020-01-0{{i + 1}}T00:00:00.000Z","modified":"2020-01-0{{i + 1}}T00:00:00.000Z","created_by_ref":"{{IdentityId}}","pattern":"[domain-name:value = 'd{{i}}.example']","pattern_type":"stix","valid_from":"2020-01-01T00:00:00Z","labels":["{{(i % 2 == 0 ? "even" : "odd")}}"]}""");
        await w.Import(w.Publisher, Bundle([Identity, .. objects]), new PublishOptions(Tlp.Green, [w.Community]));
        await w.Import(w.Publisher, """{"type":"domain-name","id":"domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7","value":"d3.example"}""", new PublishOptions(Tlp.Amber, [w.Community]));

        Assert.Equal(7, (await w.Search(w.Member, new StixSearchQuery(Type: "indicator"))).Items.Count);
        Assert.Equal(["domain-name", "indicator"], (await w.Search(w.Member, new StixSearchQuery(Value: "d3.example"))).Items.Select(i => i.Type).Order(StringComparer.Ordinal));
        Assert.Equal(4, (await w.Search(w.Member, new StixSearchQuery(Label: "even"))).Items.Count);
        Assert.Equal("domain-name", Assert.Single((await w.Search(w.Member, new StixSearchQuery(Tlp: Tlp.Amber))).Items).Type);
        Assert.Equal(7, (await w.Search(w.Member, new StixSearchQuery(CreatedBy: IdentityId))).Items.Count);
        Assert.Equal(9, (await w.Search(w.Member, new StixSearchQuery(Community: w.Community))).Items.Count);
        var window = await w.Search(w.Member, new StixSearchQuery(Type: "indicator",
            ModifiedSince: new DateTimeOffset(2020, 1, 3, 0, 0, 0, TimeSpan.Zero), ModifiedUntil: new DateTimeOffset(2020, 1, 5, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal(["2020-01-03T00:00:00.000Z", "2020-01-04T00:00:00.000Z", "2020-01-05T00:00:00.000Z"], window.Items.Select(i => i.Version));

        var seen = new List<string>();
        long? after = null;
        do
        {
            var page = await w.Search(w.Member, new StixSearchQuery(Type: "indicator", Limit: 3, After: after));
            Assert.True(page.Items.Count <= 3);
            seen.AddRange(page.Items.Select(i => i.Id));
            after = page.Next;
        }
        while (after is not null);

        Assert.Equal(7, seen.Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Revoking_adds_a_revoked_version_that_search_leaves_out(DatabaseProvider provider)
    {
        var w = await StartAsync(provider, postgres);
        await using var _ = w.Host;
        await w.Import(w.Publisher, Indicator("2016-04-06T20:03:48.000Z"), new PublishOptions(Tlp.Green, [w.Community]));

        await Assert.ThrowsAsync<ForbiddenException>(() => w.Host.Run(sp => sp.GetRequiredService<StixImporter>().RevokeAsync(w.Member, IndicatorId, None)));
        await Assert.ThrowsAsync<NotFoundException>(() => w.Host.Run(sp => sp.GetRequiredService<StixImporter>().RevokeAsync(w.Outsider, IndicatorId, None)));
        var revoked = await w.Host.Run(sp => sp.GetRequiredService<StixImporter>().RevokeAsync(w.Publisher, IndicatorId, None));

        Assert.True(revoked.Revoked);
        Assert.Contains("\"revoked\":true", revoked.Raw, StringComparison.Ordinal);
        Assert.Equal(2, (await w.Versions(w.Member, IndicatorId)).Count);
        Assert.True((await w.Get(w.Member, IndicatorId)).Revoked);
        Assert.Empty((await w.Search(w.Member, new StixSearchQuery(Type: "indicator"))).Items);
        Assert.Single((await w.Search(w.Member, new StixSearchQuery(Type: "indicator", IncludeRevoked: true))).Items);
        await w.Host.Run(async sp => Assert.True(await sp.GetRequiredService<MusubiDbContext>().AuditEntries.AnyAsync(a => a.Action == "stix.revoke")));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Malformed_input_unknown_scope_and_the_wrong_actor_write_nothing(DatabaseProvider provider)
    {
        var w = await StartAsync(provider, postgres);
        await using var _ = w.Host;

        var malformed = await Assert.ThrowsAsync<ValidationFailedException>(() => w.Import(w.Publisher, Bundle(Identity, "{\"type\":"), new PublishOptions(Tlp.Green)));
        Assert.Contains(malformed.Errors.Keys, k => k.StartsWith("$.objects[1]", StringComparison.Ordinal));
        var unknown = await Assert.ThrowsAsync<ValidationFailedException>(() => w.Import(w.Publisher, Identity, new PublishOptions(Tlp.Green, [Guid.NewGuid()])));
        Assert.Equal(["communities[0]"], unknown.Errors.Keys);
        await Assert.ThrowsAsync<ForbiddenException>(() => w.Import(w.Colleague, Identity, new PublishOptions(Tlp.Green)));
        var readOnlyToken = w.Publisher with { Scopes = new HashSet<string> { Scopes.IntelRead } };
        await Assert.ThrowsAsync<ForbiddenException>(() => w.Import(readOnlyToken, Identity, new PublishOptions(Tlp.Green)));
        var noIntel = w.Member with { Scopes = new HashSet<string> { Scopes.ConstituencyRead } };
        await Assert.ThrowsAsync<ForbiddenException>(() => w.Search(noIntel, new StixSearchQuery()));

        await w.Host.Run(async sp =>
        {
            var db = sp.GetRequiredService<MusubiDbContext>();
            Assert.False(await db.StixObjects.AnyAsync());
            Assert.False(await db.AuditEntries.AnyAsync(a => a.Action == "stix.import"));
        });
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task The_newest_version_of_the_filesystem_store_layout_is_the_greatest_modified(DatabaseProvider provider)
    {
        var w = await StartAsync(provider, postgres);
        await using var _ = w.Host;
        var folder = Corpora.Require("stix", "python-stix2-data", "malware", "malware--6b616fc1-1505-48e3-8b2c-0d19337bff38");
        foreach (var file in Directory.EnumerateFiles(folder, "*.json"))
        {
            var result = await w.Import(w.Publisher, await File.ReadAllTextAsync(file), new PublishOptions(Tlp.Clear));
            Assert.Empty(result.Failures);
        }

        var versions = await w.Versions(w.Outsider, "malware--6b616fc1-1505-48e3-8b2c-0d19337bff38");
        Assert.Equal(3, versions.Count);
        var newest = versions.Select(v => v.Version!).Max(StringComparer.Ordinal);
        Assert.Equal(newest, (await w.Get(w.Outsider, "malware--6b616fc1-1505-48e3-8b2c-0d19337bff38")).Version);
        Assert.Equal("2018-11-01T23:24:48.457Z", newest);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task The_ics_attack_bundle_imports_whole_and_a_second_import_is_all_duplicates(DatabaseProvider provider)
    {
        var w = await StartAsync(provider, postgres);
        await using var _ = w.Host;
        var json = await File.ReadAllTextAsync(Corpora.Require("stix", "attack", "ics-attack-18.0.json"));

        var first = await w.Import(w.Publisher, json, new PublishOptions(Tlp.Clear));
        var second = await w.Import(w.Publisher, json, new PublishOptions(Tlp.Clear));

        Assert.Empty(first.Failures);
        Assert.Equal(1826, first.Stored);
        Assert.Equal(1826, second.Duplicates);
        var sample = first.Successes[100].Id;
        Assert.Contains((await w.Get(w.Member, sample)).Raw, json, StringComparison.Ordinal);
    }
}
