using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Core.Sharing;
using Musubi.Infrastructure.Constituency;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Incidents;
using Musubi.Infrastructure.Intelligence;
using Musubi.Testing;

namespace Musubi.Infrastructure.Tests;

/// <summary>Publishing an incident's indicators (sanitised) to the intelligence store, on SQLite and PostgreSQL; the sanitiser.</summary>
public sealed class IncidentPublicationTests(PostgresServer postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Publishing_stores_sanitised_indicators_readable_by_the_community_and_records_it_on_the_timeline(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var victim = await host.CreateOrgAsync(Builders.Org("Kappa Railways", OrganisationKind.CriticalInfrastructureOperator, "railways",
            (NetworkKind.Domain, "kappa-rail.example.jp")));
        var member = await host.CreateOrgAsync(Builders.Org("Rail ISAC Member"));
        var outsider = await host.CreateOrgAsync(Builders.Org("Unrelated Firm", OrganisationKind.Enterprise));
        var soc = await host.CreateUserAsync(host.Admin.OrganisationId, Role.Analyst);
        var memberAnalyst = await host.CreateUserAsync(member.Id, Role.Analyst);
        var outsiderAnalyst = await host.CreateUserAsync(outsider.Id, Role.Analyst);
        await host.Run(sp => sp.GetRequiredService<CommunityService>().AddMemberAsync(host.Admin, "sector-railways", member.Id, None));

        var result = await host.Run(async sp =>
        {
            var incidents = sp.GetRequiredService<IncidentService>();
            var incident = await incidents.ReportAsync(soc, new IncidentInput("Wiper at Kappa Railways", null, "malicious-code/infected-system", [victim.Id]), None);
            await incidents.AddIndicatorAsync(soc, incident.Id, new IndicatorInput("domain-name", "update-kappa-rail.example.net", "C2 used against Kappa Railways"), None);
            await incidents.AddIndicatorAsync(soc, incident.Id, new IndicatorInput("domain-name", "vpn.kappa-rail.example.jp", "the victim's own VPN gateway"), None);
            await incidents.AddIndicatorAsync(soc, incident.Id, new IndicatorInput("sha-256", new string('a', 64), null), None);
            return (incident.Id, Published: await incidents.PublishIndicatorsAsync(soc, incident.Id, new IndicatorPublication(Tlp.Green, ["sector-railways"]), None));
        });

        // The victim's own domain is withheld; the C2 domain and the hash are published.
        Assert.Equal(2, result.Published.Published.Count);
        Assert.Equal(["domain-name vpn.kappa-rail.example.jp"], result.Published.Withheld);
        Assert.DoesNotContain("Kappa Railways", result.Published.BundleJson);
        Assert.DoesNotContain("x_musubi", result.Published.BundleJson);

        var reader = (Func<Actor, string, Task<bool>>)((actor, id) => host.Run(async sp =>
        {
            try
            {
                await sp.GetRequiredService<StixReadService>().GetAsync(actor, id, null, None);
                return true;
            }
            catch (NotFoundException)
            {
                return false;
            }
        }));
        foreach (var id in result.Published.Published)
        {
            Assert.True(await reader(memberAnalyst, id));
            Assert.False(await reader(outsiderAnalyst, id));
        }

        await host.Run(async sp =>
        {
            var db = sp.GetRequiredService<MusubiDbContext>();
            var line = await db.IncidentTimeline.AsNoTracking().SingleAsync(t => t.IncidentId == result.Id && t.Kind == "published", None);
            Assert.All(result.Published.Published, id => Assert.Contains(id, line.Text));
            Assert.Equal(2, await db.Set<IncidentIndicatorEntity>().CountAsync(i => i.IncidentId == result.Id && i.PublishedStixId != null, None));
        });

        // Publishing again, an hour later, makes new versions of the same objects: same ids, same `created`, a later
        // `modified` (STIX 2.1 §3.2).
        host.Time.Advance(TimeSpan.FromHours(1));
        var again = await host.Run(sp => sp.GetRequiredService<IncidentService>()
            .PublishIndicatorsAsync(soc, result.Id, new IndicatorPublication(Tlp.Green, ["sector-railways"]), None));
        Assert.Equal(result.Published.Published.Order(), again.Published.Order());
        var createdFirst = Created(result.Published.BundleJson);
        var createdAgain = Created(again.BundleJson);
        Assert.Equal(2, createdFirst.Count);
        Assert.Equal(createdFirst, createdAgain);
        Assert.NotEqual(Modified(result.Published.BundleJson), Modified(again.BundleJson));
    }

    private static Dictionary<string, string> Created(string bundleJson) => Property(bundleJson, "created");

    private static Dictionary<string, string> Modified(string bundleJson) => Property(bundleJson, "modified");

    private static Dictionary<string, string> Property(string bundleJson, string name) =>
        JsonNode.Parse(bundleJson)!["objects"]!.AsArray()
            .Where(o => o!["type"]!.GetValue<string>() == "indicator")
            .ToDictionary(o => o!["id"]!.GetValue<string>(), o => o![name]!.GetValue<string>());

    [Fact]
    public void The_sanitiser_strips_custom_fields_redacts_victims_and_withholds_what_names_them()
    {
        var options = new SanitiserOptions("identity--0b1c7f3e-0d3f-4f5e-9b7a-1d2c3e4f5a6b", Tlp.Amber, ["Kappa Railways", "鉄道カッパ", "kappa-rail.example.jp"]);
        var original = JsonNode.Parse("""
            {"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-11-26T00:00:00.000Z",
             "modified":"2026-11-26T00:00:00.000Z","created_by_ref":"identity--11111111-1111-4111-8111-111111111111",
             "name":"C2 seen by Kappa Railways","description":"Beacons from 鉄道カッパ's SCADA; contact soc@kappa-rail.example.jp",
             "pattern":"[ipv4-addr:value = '203.0.113.5']","pattern_type":"stix","valid_from":"2026-11-26T00:00:00.000Z",
             "object_marking_refs":["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"],
             "x_victim":"Kappa Railways","external_references":[{"source_name":"internal","description":"KAPPA RAILWAYS ticket","x_ticket":"42"}]}
            """)!.AsObject();
        var clean = StixSanitiser.Sanitise(original, options)!;
        var text = clean.ToJsonString();
        Assert.DoesNotContain("Kappa Railways", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("鉄道カッパ", text);
        Assert.DoesNotContain("kappa-rail.example.jp", text);
        Assert.DoesNotContain("x_", text);
        Assert.Equal("identity--0b1c7f3e-0d3f-4f5e-9b7a-1d2c3e4f5a6b", clean["created_by_ref"]!.GetValue<string>());
        Assert.Equal(TlpMarkings.AmberId, clean["object_marking_refs"]![0]!.GetValue<string>());
        Assert.Equal("[ipv4-addr:value = '203.0.113.5']", clean["pattern"]!.GetValue<string>());
        Assert.Contains("x_victim", original.ToJsonString());

        var naming = JsonNode.Parse("""{"type":"indicator","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","pattern":"[domain-name:value = 'mail.kappa-rail.example.jp']"}""")!.AsObject();
        Assert.Null(StixSanitiser.Sanitise(naming, options));
        Assert.Null(StixSanitiser.Sanitise(JsonNode.Parse("""{"type":"identity","id":"identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","name":"x"}""")!.AsObject(), options));
    }
}
