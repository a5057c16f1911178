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

/// <summary>
/// Issue 3's intelligence UI services on SQLite and PostgreSQL: publishing wider (a new version within the producer's
/// sector, a sanitised copy beyond it), the relationship graph without invisible neighbours, and text search.
/// </summary>
public sealed class IntelligencePublishingTests(PostgresServer postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    private sealed record World(TestHost Host, Actor Producer, Actor SectorPeer, Actor OtherSector, Actor Outsider, Guid ProducerOrg)
    {
        public Task<StixImportResult> Import(Actor actor, string json, PublishOptions options) =>
            Host.Run(sp => sp.GetRequiredService<StixImporter>().ImportAsync(actor, new MemoryStream(Encoding.UTF8.GetBytes(json)), options, None));

        public Task<IntelPublicationResult> Publish(Actor actor, string id, Tlp tlp, params string[] communities) =>
            Host.Run(sp => sp.GetRequiredService<StixPublisher>().PublishAsync(actor, id, new IntelPublication(tlp, communities, []), None));

        public Task<T> Read<T>(Func<StixReadService, Task<T>> read) => Host.Run(sp => read(sp.GetRequiredService<StixReadService>()));

        public async Task<bool> Sees(Actor actor, string id)
        {
            try
            {
                await Read(r => r.GetAsync(actor, id, null, None));
                return true;
            }
            catch (NotFoundException)
            {
                return false;
            }
        }
    }

    private static async Task<World> StartAsync(DatabaseProvider provider, PostgresServer postgres)
    {
        var host = await TestHost.StartAsync(provider, postgres);
        var producer = await host.CreateOrgAsync(Builders.Org("Kansai Water Works", OrganisationKind.Enterprise, "water"));
        var peer = await host.CreateOrgAsync(Builders.Org("Chubu Water Board", OrganisationKind.Enterprise, "water"));
        var bank = await host.CreateOrgAsync(Builders.Org("Nagoya Savings Bank", OrganisationKind.Enterprise, "finance"));
        var outsider = await host.CreateOrgAsync(Builders.Org("Unrelated Agency", OrganisationKind.MinistryAgency));
        return new World(host,
            await host.CreateUserAsync(producer.Id, Role.Analyst),
            await host.CreateUserAsync(peer.Id, Role.Analyst),
            await host.CreateUserAsync(bank.Id, Role.Analyst),
            await host.CreateUserAsync(outsider.Id, Role.Analyst),
            producer.Id);
    }

    private static string Victim(string id) =>
        $$"""{"type":"identity","spec_version":"2.1","id":"{{id}}","created":"2026-03-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z","name":"Kansai Water Works","identity_class":"organization"}""";

    private static string Indicator(string id, string value, string victim) => $$"""
        {"type":"indicator","spec_version":"2.1","id":"{{id}}","created":"2026-03-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z",
         "created_by_ref":"{{victim}}","name":"C2 seen at Kansai Water Works","description":"Beaconing from the SCADA network of Kansai Water Works to {{value}}.",
         "pattern":"[ipv4-addr:value = '{{value}}']","pattern_type":"stix","valid_from":"2026-03-01T00:00:00Z","x_internal_ticket":"KWW-4411",
         "object_marking_refs":["{{TlpMarkings.AmberId}}"]}
        """;

    private static string Bundle(params string[] objects) => $$"""{"type":"bundle","id":"bundle--{{Guid.NewGuid()}}","objects":[{{string.Join(",", objects)}}]}""";

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Publishing_to_another_sector_derives_a_sanitised_copy_the_new_audience_sees_while_the_original_stays_private(DatabaseProvider provider)
    {
        var w = await StartAsync(provider, postgres);
        await using var _ = w.Host;
        var victim = $"identity--{Guid.NewGuid()}";
        var id = $"indicator--{Guid.NewGuid()}";
        await w.Import(w.Producer, Bundle(Victim(victim), Indicator(id, "203.0.113.77", victim)), new PublishOptions(Tlp.Amber));

        var result = await w.Publish(w.Producer, id, Tlp.Green, "sector-finance");

        Assert.Equal(IntelPublicationMode.Sanitised, result.Mode);
        Assert.NotEqual(id, result.PublishedId);
        // The new audience sees the copy and nothing of the original: not the object, not a reference, not the victim.
        Assert.True(await w.Sees(w.OtherSector, result.PublishedId));
        Assert.False(await w.Sees(w.OtherSector, id));
        var copy = await w.Read(r => r.GetAsync(w.OtherSector, result.PublishedId, null, None));
        Assert.Equal(Tlp.Green, copy.Tlp);
        Assert.DoesNotContain(id, copy.Raw, StringComparison.Ordinal);
        Assert.DoesNotContain(victim, copy.Raw, StringComparison.Ordinal);
        Assert.DoesNotContain("Kansai Water Works", copy.Raw, StringComparison.Ordinal);
        Assert.DoesNotContain("x_internal_ticket", copy.Raw, StringComparison.Ordinal);
        Assert.Contains("[redacted]", copy.Raw, StringComparison.Ordinal);
        Assert.Contains("203.0.113.77", copy.Raw, StringComparison.Ordinal);
        Assert.Contains(TlpMarkings.GreenId, copy.Raw, StringComparison.Ordinal);
        var centre = await w.Host.Run(sp => sp.GetRequiredService<MusubiDbContext>().Organisations.SingleAsync(o => o.Kind == OrganisationKind.NationalCentre, None));
        Assert.Contains($"\"created_by_ref\":\"identity--{centre.Id}\"", copy.Raw, StringComparison.Ordinal);
        Assert.DoesNotContain(await w.Read(r => r.NeighboursAsync(w.OtherSector, result.PublishedId, None)), n => n.Object.Id == id || n.Object.Id == victim);
        Assert.Empty(await w.Read(r => r.CopiesAsync(w.OtherSector, result.PublishedId, None)));
        var found = await w.Read(r => r.SearchAsync(w.OtherSector, new StixSearchQuery(Text: "203.0.113.77"), None));
        Assert.Equal([result.PublishedId], found.Items.Select(i => i.Id));
        // Outside both audiences: neither.
        Assert.False(await w.Sees(w.Outsider, result.PublishedId));
        Assert.False(await w.Sees(w.Outsider, id));

        // The producer sees both, and the private link from the original to its copy.
        Assert.True(await w.Sees(w.Producer, id));
        Assert.True(await w.Sees(w.Producer, result.PublishedId));
        var copies = await w.Read(r => r.CopiesAsync(w.Producer, id, None));
        Assert.Equal(result.PublishedId, Assert.Single(copies).CopyId);
        var original = await w.Read(r => r.GetAsync(w.Producer, id, null, None));
        Assert.Equal(Tlp.Amber, original.Tlp);
        Assert.Single(await w.Read(r => r.VersionsAsync(w.Producer, id, None)));
        var audit = await w.Host.Run(sp => sp.GetRequiredService<MusubiDbContext>().AuditEntries.Where(a => a.Action == "stix.publish-sanitised").ToListAsync(None));
        var entry = Assert.Single(audit);
        Assert.Equal(id, entry.EntityId);
        Assert.Equal(w.Producer.UserId, entry.ActorUserId);
        Assert.Contains(result.PublishedId, entry.After!, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Publishing_within_the_own_sector_widens_the_scope_on_a_new_version_of_the_same_object(DatabaseProvider provider)
    {
        var w = await StartAsync(provider, postgres);
        await using var _ = w.Host;
        var victim = $"identity--{Guid.NewGuid()}";
        var id = $"indicator--{Guid.NewGuid()}";
        await w.Import(w.Producer, Bundle(Victim(victim), Indicator(id, "203.0.113.78", victim)), new PublishOptions(Tlp.Amber));
        Assert.False(await w.Sees(w.SectorPeer, id));
        w.Host.Time.Advance(TimeSpan.FromMinutes(5));

        var result = await w.Publish(w.Producer, id, Tlp.Amber, "sector-water");

        Assert.Equal(IntelPublicationMode.Widened, result.Mode);
        Assert.Equal(id, result.PublishedId);
        var seen = await w.Read(r => r.GetAsync(w.SectorPeer, id, null, None));
        Assert.Equal(result.Version, seen.Version);
        Assert.Contains("Kansai Water Works", seen.Raw, StringComparison.Ordinal);
        Assert.Equal(2, (await w.Read(r => r.VersionsAsync(w.Producer, id, None))).Count);
        // The peer sees the new version only; another sector sees nothing.
        Assert.Single(await w.Read(r => r.VersionsAsync(w.SectorPeer, id, None)));
        Assert.False(await w.Sees(w.OtherSector, id));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Only_the_publishing_organisation_publishes_wider_and_red_or_an_unknown_community_is_refused(DatabaseProvider provider)
    {
        var w = await StartAsync(provider, postgres);
        await using var _ = w.Host;
        var id = $"indicator--{Guid.NewGuid()}";
        var victim = $"identity--{Guid.NewGuid()}";
        await w.Import(w.Producer, Bundle(Victim(victim), Indicator(id, "203.0.113.79", victim)), new PublishOptions(Tlp.Amber, [], [w.SectorPeer.OrganisationId]));

        await Assert.ThrowsAsync<ForbiddenException>(() => w.Publish(w.SectorPeer, id, Tlp.Green, "sector-finance"));
        await Assert.ThrowsAsync<NotFoundException>(() => w.Publish(w.OtherSector, id, Tlp.Green, "sector-finance"));
        var red = await Assert.ThrowsAsync<ValidationFailedException>(() => w.Publish(w.Producer, id, Tlp.Red, "sector-finance"));
        Assert.Contains("tlp", red.Errors.Keys);
        var unknown = await Assert.ThrowsAsync<ValidationFailedException>(() => w.Publish(w.Producer, id, Tlp.Green, "no-such-community"));
        Assert.Contains("communities[0]", unknown.Errors.Keys);
        var readOnly = await w.Host.CreateUserAsync(w.ProducerOrg, Role.ReadOnly);
        await Assert.ThrowsAsync<ForbiddenException>(() => w.Publish(readOnly, id, Tlp.Green, "sector-finance"));
        // Nothing was written by the refusals.
        Assert.Single(await w.Read(r => r.VersionsAsync(w.Producer, id, None)));
        Assert.Empty(await w.Read(r => r.CopiesAsync(w.Producer, id, None)));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task The_graph_shows_related_objects_the_reader_may_see_and_leaves_out_the_others(DatabaseProvider provider)
    {
        var w = await StartAsync(provider, postgres);
        await using var _ = w.Host;
        var indicator = $"indicator--{Guid.NewGuid()}";
        var malware = $"malware--{Guid.NewGuid()}";
        var actor = $"threat-actor--{Guid.NewGuid()}";
        var rel1 = $"relationship--{Guid.NewGuid()}";
        var rel2 = $"relationship--{Guid.NewGuid()}";
        const string t = "\"created\":\"2026-03-01T00:00:00.000Z\",\"modified\":\"2026-03-01T00:00:00.000Z\"";
        var shared = Bundle(
            $$"""{"type":"indicator","spec_version":"2.1","id":"{{indicator}}",{{t}},"name":"Loader C2","pattern":"[domain-name:value = 'loader.example.net']","pattern_type":"stix","valid_from":"2026-03-01T00:00:00Z"}""",
            $$"""{"type":"malware","spec_version":"2.1","id":"{{malware}}",{{t}},"name":"SmokeLoader","is_family":true}""",
            $$"""{"type":"relationship","spec_version":"2.1","id":"{{rel1}}",{{t}},"relationship_type":"indicates","source_ref":"{{indicator}}","target_ref":"{{malware}}"}""");
        await w.Import(w.Producer, shared, new PublishOptions(Tlp.Green, [], [w.SectorPeer.OrganisationId]));
        // The attribution stays with the producer: the peer must not even learn its name.
        var secret = Bundle(
            $$"""{"type":"threat-actor","spec_version":"2.1","id":"{{actor}}",{{t}},"name":"Secret Crew"}""",
            $$"""{"type":"relationship","spec_version":"2.1","id":"{{rel2}}",{{t}},"relationship_type":"attributed-to","source_ref":"{{malware}}","target_ref":"{{actor}}"}""");
        await w.Import(w.Producer, secret, new PublishOptions(Tlp.Amber));

        var forPeer = await w.Read(r => r.NeighboursAsync(w.SectorPeer, malware, None));
        var forProducer = await w.Read(r => r.NeighboursAsync(w.Producer, malware, None));

        var n = Assert.Single(forPeer);
        Assert.Equal(indicator, n.Object.Id);
        Assert.Equal("indicates", n.Label);
        Assert.False(n.Outgoing);
        Assert.Equal(rel1, n.RelationshipId);
        Assert.Equal(new[] { actor, indicator }.Order(StringComparer.Ordinal), forProducer.Select(x => x.Object.Id).Order(StringComparer.Ordinal));
        Assert.Contains(forProducer, x => x.Object.Id == actor && x.Label == "attributed-to" && x.Outgoing);
        await Assert.ThrowsAsync<NotFoundException>(() => w.Read(r => r.NeighboursAsync(w.OtherSector, malware, None)));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Text_search_matches_part_of_a_value_or_name_case_insensitively_and_filters_by_creation_time(DatabaseProvider provider)
    {
        var w = await StartAsync(provider, postgres);
        await using var _ = w.Host;
        var early = $"indicator--{Guid.NewGuid()}";
        var late = $"indicator--{Guid.NewGuid()}";
        string Ind(string id, string created, string domain) =>
            $$"""{"type":"indicator","spec_version":"2.1","id":"{{id}}","created":"{{created}}","modified":"{{created}}","name":"Phishing kit","pattern":"[domain-name:value = '{{domain}}']","pattern_type":"stix","valid_from":"{{created}}"}""";
        await w.Import(w.Producer, Bundle(Ind(early, "2025-01-10T00:00:00.000Z", "Login-Secure.example.org"), Ind(late, "2026-02-10T00:00:00.000Z", "pay-secure.example.org")),
            new PublishOptions(Tlp.Green, [], [w.SectorPeer.OrganisationId]));

        var both = await w.Read(r => r.SearchAsync(w.SectorPeer, new StixSearchQuery(Text: "SECURE.example"), None));
        var one = await w.Read(r => r.SearchAsync(w.SectorPeer, new StixSearchQuery(Text: "login-secure"), None));
        var recent = await w.Read(r => r.SearchAsync(w.SectorPeer, new StixSearchQuery(Text: "phishing", CreatedSince: new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)), None));
        var outsider = await w.Read(r => r.SearchAsync(w.Outsider, new StixSearchQuery(Text: "secure"), None));

        Assert.Equal(2, both.Items.Count);
        Assert.Equal(early, Assert.Single(one.Items).Id);
        Assert.Equal(late, Assert.Single(recent.Items).Id);
        Assert.Empty(outsider.Items);
        await Assert.ThrowsAsync<ValidationFailedException>(() => w.Read(r => r.SearchAsync(w.SectorPeer, new StixSearchQuery(Text: new string('a', 201)), None)));
    }
}
