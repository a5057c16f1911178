using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Core.Incidents;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Detection;
using Musubi.Infrastructure.Incidents;
using Musubi.Testing;

namespace Musubi.Infrastructure.Tests;

/// <summary>Alerts escalated into incidents (docs/INCIDENTS.md, "From alerts"), on SQLite and PostgreSQL.</summary>
public sealed class IncidentEscalationTests(PostgresServer postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>An alert as the detection worker writes it: indicator alerts carry the matched indicator.</summary>
    internal static async Task<Guid> AlertAsync(TestHost host, Guid organisation, string kind = "indicator", string value = "203.0.113.66", int confidence = 85)
    {
        var alert = new AlertEntity
        {
            Id = Guid.NewGuid(), OrganisationId = organisation, Kind = kind, SourceId = kind == "indicator" ? "indicator--3f1b0a55-8f0e-4e44-9d1f-6a2b7c9d0e11" : "sigma-rule-1",
            Title = kind == "indicator" ? $"Indicator ipv4-addr {value}" : "Suspicious PowerShell download cradle", Level = kind == "indicator" ? "indicator" : "high",
            Severity = 64, Host = "fin-0231.internal", GroupKey = Guid.NewGuid().ToString(), FirstSeen = host.Time.GetUtcNow(), LastSeen = host.Time.GetUtcNow(),
            Count = 3, Status = "new",
            Evidence = kind == "indicator"
                ? System.Text.Json.JsonSerializer.Serialize(new
                {
                    indicator = new { id = "indicator--3f1b0a55-8f0e-4e44-9d1f-6a2b7c9d0e11", kind = "ipv4-addr", value, confidence },
                    matchedFields = new[] { new { field = "dst_ip", value } },
                    @event = new { src_endpoint = new { ip = "10.1.2.3" } },
                })
                : """{"rule":{"id":"sigma-rule-1","title":"Suspicious PowerShell download cradle"},"event":{"device":{"hostname":"fin-0231.internal"}}}""",
        };
        await host.Run(async sp =>
        {
            var db = sp.GetRequiredService<MusubiDbContext>();
            db.Set<AlertEntity>().Add(alert);
            await db.SaveChangesAsync(None);
        });
        return alert.Id;
    }

    private static Task<IncidentDto> Escalate(TestHost host, Actor actor, params Guid[] alerts) =>
        host.Run(sp => sp.GetRequiredService<IncidentService>().EscalateAlertsAsync(actor, new AlertEscalationInput(alerts), None));

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task The_national_soc_merges_alerts_of_two_organisations_into_one_incident(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var grid = await host.CreateOrgAsync(Builders.Org("Power Grid Operator", OrganisationKind.CriticalInfrastructureOperator, "electric-power"));
        var water = await host.CreateOrgAsync(Builders.Org("Water Utility", OrganisationKind.CriticalInfrastructureOperator, "water"));
        var soc = await host.CreateUserAsync(host.Admin.OrganisationId, Role.Analyst);
        var hit = await AlertAsync(host, grid.Id, confidence: 90);
        var sigma = await AlertAsync(host, water.Id, kind: "sigma");

        var incident = await Escalate(host, soc, hit, sigma);

        Assert.Equal("Indicator ipv4-addr 203.0.113.66 (+1 alerts)", incident.Title);
        Assert.Equal("malicious-code/infected-system", incident.Classification);
        Assert.Equal(new[] { grid.Id, water.Id }.Order(), incident.Affected!.Select(a => a.Id).Order());
        Assert.Equal(2, incident.Risk!.AffectedOrganisations);
        Assert.Equal(90, incident.Risk.IndicatorConfidence);
        Assert.Equal(2, incident.Evidence!.Count);
        Assert.Contains(incident.Timeline!, t => t.Kind == "escalated" && t.Text.Contains(hit.ToString()) && t.Text.Contains(sigma.ToString()));
        await host.Run(async sp =>
        {
            var db = sp.GetRequiredService<MusubiDbContext>();
            var alerts = await db.Set<AlertEntity>().AsNoTracking().Where(a => a.Id == hit || a.Id == sigma).ToListAsync(None);
            Assert.All(alerts, a => Assert.Equal("escalated", a.Status));
            Assert.Equal(2, await db.Set<IncidentAlertEntity>().CountAsync(l => l.IncidentId == incident.Id, None));
            // Only the indicator alert's indicator is carried over; the sigma alert's event holds the victim's addresses.
            var indicator = Assert.Single(await db.Set<IncidentIndicatorEntity>().Where(i => i.IncidentId == incident.Id).ToListAsync(None));
            Assert.Equal(("ipv4-addr", "203.0.113.66", hit), (indicator.Type, indicator.Value, indicator.SourceAlertId));
            Assert.Equal(2, await db.AuditEntries.CountAsync(e => e.Action == "alert.escalate", None));
            var evidence = await db.IncidentEvidence.AsNoTracking().FirstAsync(e => e.IncidentId == incident.Id && e.FileName == $"alert-{hit}.json", None);
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(evidence.Content)), evidence.Sha256);
        });
        var viaAlerts = await host.Run(sp => sp.GetRequiredService<AlertService>().GetAsync(soc, hit, None));
        Assert.Equal((incident.Id, incident.Reference), (viaAlerts.IncidentId!.Value, viaAlerts.IncidentReference));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task An_escalated_alert_is_refused_with_409_naming_it_and_nothing_is_written(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var grid = await host.CreateOrgAsync(Builders.Org("Power Grid Operator", OrganisationKind.CriticalInfrastructureOperator, "electric-power"));
        var analyst = await host.CreateUserAsync(grid.Id, Role.Analyst);
        var first = await AlertAsync(host, grid.Id);
        var second = await AlertAsync(host, grid.Id, value: "198.51.100.23");
        var incident = await Escalate(host, analyst, first);
        Assert.Equal([grid.Id], incident.Affected!.Select(a => a.Id));

        var conflict = await Assert.ThrowsAsync<ConflictException>(() => Escalate(host, analyst, second, first));
        Assert.Contains(first.ToString(), conflict.Message);
        Assert.DoesNotContain(second.ToString(), conflict.Message);
        await host.Run(async sp =>
        {
            var db = sp.GetRequiredService<MusubiDbContext>();
            Assert.Equal(1, await db.Incidents.CountAsync(None));
            Assert.Equal("new", (await db.Set<AlertEntity>().FirstAsync(a => a.Id == second, None)).Status);
        });
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Outsiders_cannot_see_the_alert_and_read_only_users_cannot_escalate(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var grid = await host.CreateOrgAsync(Builders.Org("Power Grid Operator", OrganisationKind.CriticalInfrastructureOperator, "electric-power"));
        var other = await host.CreateOrgAsync(Builders.Org("Other Ministry"));
        var alert = await AlertAsync(host, grid.Id);
        var otherAnalyst = await host.CreateUserAsync(other.Id, Role.Analyst);
        var reader = await host.CreateUserAsync(grid.Id, Role.ReadOnly);
        var gridAnalyst = await host.CreateUserAsync(grid.Id, Role.Analyst);
        var otherAlert = await AlertAsync(host, other.Id);

        await Assert.ThrowsAsync<NotFoundException>(() => Escalate(host, otherAnalyst, alert));
        await Assert.ThrowsAsync<NotFoundException>(() => Escalate(host, host.Admin, alert));
        await Assert.ThrowsAsync<ForbiddenException>(() => Escalate(host, reader, alert));
        // An organisation escalates its own alerts only: another's alert does not exist for it.
        await Assert.ThrowsAsync<NotFoundException>(() => Escalate(host, gridAnalyst, alert, otherAlert));
        await Assert.ThrowsAsync<ValidationFailedException>(() => Escalate(host, gridAnalyst));
        Assert.Equal(0, await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().Incidents.CountAsync(None)));
    }
}
