using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Core.Incidents;
using Musubi.Core.Sharing;
using Musubi.Infrastructure.Constituency;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Incidents;
using Musubi.Testing;

namespace Musubi.Infrastructure.Tests;

public sealed class IncidentServiceTests(PostgresServer postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    private sealed record World(TestHost Host, Actor Centre, Actor Victim, Actor VictimReader, Actor Police, Actor OtherPolice,
        Actor Vendor, Actor Ministry, Actor Outsider, Guid VictimOrg, Guid PoliceOrg, Guid VendorOrg, Guid MobileTeamOrg)
    {
        public Task<T> Incidents<T>(Func<IncidentService, Task<T>> work) =>
            Host.Run(sp => work(sp.GetRequiredService<IncidentService>()));
    }

    private async Task<World> WorldAsync(DatabaseProvider provider)
    {
        var host = await TestHost.StartAsync(provider, postgres);
        var victim = await host.CreateOrgAsync(Builders.Org("Power Grid Operator", OrganisationKind.CriticalInfrastructureOperator, "electric-power"));
        var police = await host.CreateOrgAsync(Builders.Org("Cybercrime Unit", OrganisationKind.Police));
        var otherPolice = await host.CreateOrgAsync(Builders.Org("Prefectural Police", OrganisationKind.Police));
        var vendor = await host.CreateOrgAsync(Builders.Org("ICS Vendor", OrganisationKind.ProductVendor));
        var ministry = await host.CreateOrgAsync(Builders.Org("Ministry of Energy"));
        var outsider = await host.CreateOrgAsync(Builders.Org("Unrelated Enterprise", OrganisationKind.Enterprise));
        var mobile = await host.CreateOrgAsync(Builders.Org("Mobile Assistance Team", OrganisationKind.Csirt));
        await host.Run(async sp =>
        {
            var communities = sp.GetRequiredService<CommunityService>();
            await communities.AddMemberAsync(host.Admin, "layer-law-enforcement", otherPolice.Id, None);
            await communities.AddMemberAsync(host.Admin, "layer-policy", ministry.Id, None);
        });
        var centre = await host.CreateUserAsync(host.Admin.OrganisationId, Role.Analyst);
        return new World(host, centre,
            await host.CreateUserAsync(victim.Id, Role.Analyst), await host.CreateUserAsync(victim.Id, Role.ReadOnly),
            await host.CreateUserAsync(police.Id, Role.Analyst), await host.CreateUserAsync(otherPolice.Id, Role.Analyst),
            await host.CreateUserAsync(vendor.Id, Role.Analyst), await host.CreateUserAsync(ministry.Id, Role.Analyst),
            await host.CreateUserAsync(outsider.Id, Role.Analyst), victim.Id, police.Id, vendor.Id, mobile.Id);
    }

    private static IncidentInput Report(string title = "SCADA historian beaconing to a known C2") =>
        new(title, "The historian at substation 7 talks to 203.0.113.50 every 60 s.", "intrusions/system-compromise",
            AssetCriticality: 5, DataSensitivity: DataSensitivity.Confidential, IndicatorConfidence: 70);

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task An_organisation_reports_an_incident_that_the_national_centre_coordinates(DatabaseProvider provider)
    {
        var w = await WorldAsync(provider);
        await using var _ = w.Host;
        var reported = await w.Incidents(s => s.ReportAsync(w.Victim, Report(), None));

        Assert.Equal("INC-2026-00001", reported.Reference);
        Assert.Equal(IncidentStatus.Reported, reported.Status);
        Assert.Equal(IncidentLayer.Full, reported.Layer);
        Assert.Equal(w.Host.Admin.OrganisationId, reported.Coordinator!.Id);
        Assert.Equal([w.VictimOrg], reported.Affected!.Select(a => a.Id));
        Assert.Equal(["electric-power"], reported.Sectors);
        // criticality 5 (1), CI (1), one organisation (0), confidential (.75), confidence 70 (.82): .7 × .82 = 57.4
        Assert.Equal(57, reported.Risk!.Score);
        Assert.Equal(Severity.High, reported.Severity);
        Assert.Equal(IncidentStatus.Triaged, reported.Deadline!.Stage);
        Assert.Equal(w.Host.Time.GetUtcNow().AddHours(4), reported.Deadline.Due);
        Assert.Equal("reported", Assert.Single(reported.Timeline!).Kind);

        var second = await w.Incidents(s => s.ReportAsync(w.Victim, Report("second"), None));
        Assert.Equal("INC-2026-00002", second.Reference);
        var audited = await w.Host.Run(sp => sp.GetRequiredService<MusubiDbContext>().AuditEntries
            .CountAsync(e => e.Action == "incident.report" && e.EntityId == reported.Reference));
        Assert.Equal(1, audited);

        // Every timeline line is in the tamper-evident ledger too (issue 7: incident timeline entries).
        var (lines, ledgered) = await w.Host.Run(async sp =>
        {
            var db = sp.GetRequiredService<MusubiDbContext>();
            return (await db.IncidentTimeline.CountAsync(), await db.LedgerEntries.CountAsync(e => e.Category == "incident-timeline"));
        });
        Assert.Equal(2, lines);
        Assert.Equal(lines, ledgered);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Reports_are_validated_field_by_field_and_an_organisation_cannot_report_for_another(DatabaseProvider provider)
    {
        var w = await WorldAsync(provider);
        await using var _ = w.Host;
        var invalid = await Assert.ThrowsAsync<ValidationFailedException>(() => w.Incidents(s => s.ReportAsync(w.Victim,
            new IncidentInput("", null, "ransomware/everything", AssetCriticality: 9, SharedWithCommunities: ["no-such-community"]), None)));
        Assert.Equal(["assetCriticality", "classification", "sharedWithCommunities", "title"], invalid.Errors.Keys.Order());

        var forOthers = await Assert.ThrowsAsync<ValidationFailedException>(() => w.Incidents(s => s.ReportAsync(w.Victim,
            Report() with { AffectedOrganisations = [w.VendorOrg] }, None)));
        Assert.Contains("affectedOrganisations", forOthers.Errors.Keys);
        await Assert.ThrowsAsync<ForbiddenException>(() => w.Incidents(s => s.ReportAsync(w.VictimReader, Report(), None)));
        Assert.Equal(0, await w.Host.Run(sp => sp.GetRequiredService<MusubiDbContext>().Incidents.CountAsync()));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task The_workflow_refuses_illegal_moves_and_records_when_each_stage_was_reached(DatabaseProvider provider)
    {
        var w = await WorldAsync(provider);
        await using var _ = w.Host;
        var incident = await w.Incidents(s => s.ReportAsync(w.Victim, Report(), None));
        var move = (IncidentStatus to, string? reason) => w.Incidents(s => s.MoveAsync(w.Centre, incident.Id, new StatusChange(to, reason), None));

        var refused = await Assert.ThrowsAsync<ConflictException>(() => move(IncidentStatus.Closed, null));
        Assert.Contains("allowed: triaged, rejected, merged", refused.Message);
        w.Host.Time.Advance(TimeSpan.FromMinutes(30));
        var triaged = await move(IncidentStatus.Triaged, null);
        Assert.Equal([IncidentStatus.Contained, IncidentStatus.Eradicated, IncidentStatus.Recovered, IncidentStatus.Closed, IncidentStatus.Rejected], triaged.AllowedMoves);
        await move(IncidentStatus.Contained, null);
        await Assert.ThrowsAsync<ValidationFailedException>(() => move(IncidentStatus.Triaged, null));
        await move(IncidentStatus.Triaged, "the implant came back after the reboot");
        await move(IncidentStatus.Closed, null);
        await Assert.ThrowsAsync<ConflictException>(() => move(IncidentStatus.Contained, null));

        var row = await w.Host.Run(sp => sp.GetRequiredService<MusubiDbContext>().Incidents.AsNoTracking().SingleAsync());
        Assert.Equal(incident.ReportedAt.AddMinutes(30), row.TriagedAt);
        Assert.NotNull(row.ContainedAt);
        Assert.NotNull(row.ClosedAt);
        var final = await w.Incidents(s => s.GetAsync(w.Victim, incident.Id, None));
        Assert.Contains(final.Timeline!, t => t.Text == "contained → triaged: the implant came back after the reboot");
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Each_layer_sees_its_projection_and_outsiders_see_nothing(DatabaseProvider provider)
    {
        var w = await WorldAsync(provider);
        await using var _ = w.Host;
        var created = await w.Incidents(s => s.ReportAsync(w.Centre, Report() with
        {
            AffectedOrganisations = [w.VictimOrg],
            SharedWithCommunities = ["layer-law-enforcement", "layer-policy"],
        }, None));
        await w.Incidents(s => s.AssignTeamAsync(w.Centre, created.Id, new TeamInput(w.PoliceOrg, IncidentRole.Police), None));
        await w.Incidents(s => s.AssignTeamAsync(w.Centre, created.Id, new TeamInput(w.VendorOrg, IncidentRole.Vendor), None));
        await w.Incidents(s => s.AddTaskAsync(w.Centre, created.Id, new TaskInput("Isolate the historian", w.VictimOrg, null), None));
        await w.Incidents(s => s.AddNoteAsync(w.Centre, created.Id, new NoteInput("internal: suspect insider"), None));
        var get = (Actor a) => w.Incidents(s => s.GetAsync(a, created.Id, None));

        var police = await get(w.Police);
        Assert.Equal(IncidentLayer.LawEnforcement, police.Layer);
        Assert.Equal(created.Title, police.Title);
        Assert.Equal([w.VictimOrg], police.Affected!.Select(a => a.Id));
        Assert.Null(police.Tasks);
        Assert.Null(police.Risk);
        Assert.DoesNotContain(police.Timeline!, t => t.Text.Contains("insider"));
        Assert.Equal(IncidentLayer.LawEnforcement, (await get(w.OtherPolice)).Layer);

        var vendor = await get(w.Vendor);
        Assert.Equal(IncidentLayer.Technical, vendor.Layer);
        Assert.Equal("System compromise", vendor.Title);
        Assert.Null(vendor.Description);
        Assert.Null(vendor.Affected);
        Assert.Null(vendor.Evidence);
        Assert.DoesNotContain(vendor.Timeline!, t => t.Text.Contains("Power Grid"));

        var ministry = await get(w.Ministry);
        Assert.Equal(IncidentLayer.Policy, ministry.Layer);
        Assert.Null(ministry.Teams);
        Assert.Equal(1, ministry.AffectedCount);
        Assert.Equal(["electric-power"], ministry.Sectors);

        await Assert.ThrowsAsync<NotFoundException>(() => get(w.Outsider));
        Assert.Empty(await w.Incidents(s => s.ListAsync(w.Outsider, new IncidentFilter(), None)));
        Assert.Single(await w.Incidents(s => s.ListAsync(w.Ministry, new IncidentFilter(), None)));
        var tokenWithoutScope = w.Victim with { Scopes = new HashSet<string> { Scopes.ConstituencyRead } };
        await Assert.ThrowsAsync<ForbiddenException>(() => get(tokenWithoutScope));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Only_responders_work_an_incident_while_police_may_add_evidence_with_its_hash(DatabaseProvider provider)
    {
        var w = await WorldAsync(provider);
        await using var _ = w.Host;
        var incident = await w.Incidents(s => s.ReportAsync(w.Victim, Report(), None));
        await w.Incidents(s => s.AssignTeamAsync(w.Centre, incident.Id, new TeamInput(w.PoliceOrg, IncidentRole.Police), None));
        await w.Incidents(s => s.AssignTeamAsync(w.Centre, incident.Id, new TeamInput(w.MobileTeamOrg, IncidentRole.MobileAssistanceTeam), None));

        await Assert.ThrowsAsync<ForbiddenException>(() => w.Incidents(s => s.MoveAsync(w.Police, incident.Id, new StatusChange(IncidentStatus.Triaged, null), None)));
        await Assert.ThrowsAsync<ForbiddenException>(() => w.Incidents(s => s.MoveAsync(w.VictimReader, incident.Id, new StatusChange(IncidentStatus.Triaged, null), None)));
        await Assert.ThrowsAsync<NotFoundException>(() => w.Incidents(s => s.MoveAsync(w.Outsider, incident.Id, new StatusChange(IncidentStatus.Triaged, null), None)));
        await w.Incidents(s => s.MoveAsync(w.Victim, incident.Id, new StatusChange(IncidentStatus.Triaged, null), None));

        var bytes = "pcap bytes"u8.ToArray();
        var evidence = await w.Incidents(s => s.AddEvidenceAsync(w.Police, incident.Id, "../../capture.pcap", "application/vnd.tcpdump.pcap", new MemoryStream(bytes), "seized", None));
        Assert.Equal("capture.pcap", evidence.FileName);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), evidence.Sha256);
        var (meta, content) = await w.Incidents(s => s.GetEvidenceAsync(w.Victim, incident.Id, evidence.Id, None));
        Assert.Equal(bytes, content);
        Assert.Equal(evidence.Sha256, meta.Sha256);
        var tooBig = new MemoryStream(new byte[IncidentService.MaxEvidenceBytes + 1]);
        await Assert.ThrowsAsync<ValidationFailedException>(() => w.Incidents(s => s.AddEvidenceAsync(w.Police, incident.Id, "big.bin", null, tooBig, null, None)));
        Assert.Equal(1, await w.Host.Run(sp => sp.GetRequiredService<MusubiDbContext>().IncidentEvidence.CountAsync()));

        await w.Host.Run(async sp =>
        {
            var db = sp.GetRequiredService<MusubiDbContext>();
            var stored = await db.IncidentEvidence.SingleAsync();
            stored.Description = "rewritten";
            await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());
        });
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_severity_override_needs_a_reason_and_keeps_the_computed_value(DatabaseProvider provider)
    {
        var w = await WorldAsync(provider);
        await using var _ = w.Host;
        var incident = await w.Incidents(s => s.ReportAsync(w.Victim, Report(), None));
        await Assert.ThrowsAsync<ValidationFailedException>(() => w.Incidents(s => s.OverrideSeverityAsync(w.Centre, incident.Id, new SeverityOverrideInput(Severity.Critical, " "), None)));
        var overridden = await w.Incidents(s => s.OverrideSeverityAsync(w.Centre, incident.Id, new SeverityOverrideInput(Severity.Critical, "election week"), None));
        Assert.Equal(Severity.Critical, overridden.Severity);
        Assert.Equal(Severity.High, overridden.Risk!.Computed);
        Assert.Equal("election week", overridden.Risk.OverrideReason);
        Assert.Equal(w.Host.Time.GetUtcNow().AddHours(1), overridden.Deadline!.Due);
        await Assert.ThrowsAsync<ForbiddenException>(() => w.Incidents(s => s.OverrideSeverityAsync(w.VictimReader, incident.Id, new SeverityOverrideInput(Severity.Low, "x"), None)));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Merging_moves_organisations_and_teams_into_the_target_and_rescores_it(DatabaseProvider provider)
    {
        var w = await WorldAsync(provider);
        await using var _ = w.Host;
        var first = await w.Incidents(s => s.ReportAsync(w.Victim, Report(), None));
        var other = await w.Host.CreateOrgAsync(Builders.Org("Second Utility", OrganisationKind.CriticalInfrastructureOperator, "water"));
        var second = await w.Incidents(s => s.ReportAsync(w.Centre, Report("same C2 at a water utility") with { AffectedOrganisations = [other.Id] }, None));
        await w.Incidents(s => s.AssignTeamAsync(w.Centre, first.Id, new TeamInput(w.PoliceOrg, IncidentRole.Police), None));

        await Assert.ThrowsAsync<ValidationFailedException>(() => w.Incidents(s => s.MergeAsync(w.Centre, first.Id, new MergeInput(second.Id, null), None)));
        var merged = await w.Incidents(s => s.MergeAsync(w.Centre, first.Id, new MergeInput(second.Id, "same C2 server"), None));
        Assert.Equal(second.Id, merged.Id);
        Assert.Equal(new[] { w.VictimOrg, other.Id }.Order(), merged.Affected!.Select(a => a.Id).Order());
        Assert.Contains(merged.Teams!, t => t.Organisation.Id == w.PoliceOrg && t.Role == IncidentRole.Police);
        Assert.Equal(["electric-power", "water"], merged.Sectors);
        Assert.True(merged.Risk!.Score > second.Risk!.Score);
        var old = await w.Incidents(s => s.GetAsync(w.Victim, first.Id, None));
        Assert.Equal(IncidentStatus.Merged, old.Status);
        Assert.Equal(second.Id, old.MergedInto);
        await Assert.ThrowsAsync<ConflictException>(() => w.Incidents(s => s.MoveAsync(w.Centre, first.Id, new StatusChange(IncidentStatus.Triaged, "x"), None)));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Exercise_incidents_stay_out_of_the_board_unless_asked_for(DatabaseProvider provider)
    {
        var w = await WorldAsync(provider);
        await using var _ = w.Host;
        await w.Incidents(s => s.ReportAsync(w.Victim, Report() with { Exercise = true }, None));
        await w.Incidents(s => s.ReportAsync(w.Victim, Report("real"), None));
        var board = await w.Incidents(s => s.ListAsync(w.Centre, new IncidentFilter(), None));
        Assert.Equal(["real"], board.Select(i => i.Title));
        var all = await w.Incidents(s => s.ListAsync(w.Centre, new IncidentFilter(IncludeExercises: true), None));
        Assert.Equal(2, all.Count);
        Assert.Single(all, i => i.IsExercise);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Response_time_metrics_count_real_incidents_only_per_severity_and_sector(DatabaseProvider provider)
    {
        var w = await WorldAsync(provider);
        await using var _ = w.Host;
        var start = w.Host.Time.GetUtcNow();
        async Task<Guid> ReportAndTriage(bool exercise, double hours, int criticality)
        {
            var incident = await w.Incidents(s => s.ReportAsync(w.Victim, Report() with { Exercise = exercise, AssetCriticality = criticality }, None));
            w.Host.Time.Advance(TimeSpan.FromHours(hours));
            await w.Incidents(s => s.MoveAsync(w.Centre, incident.Id, new StatusChange(IncidentStatus.Triaged, null), None));
            return incident.Id;
        }

        var first = await ReportAndTriage(false, 1, 5);
        await ReportAndTriage(false, 3, 5);
        await ReportAndTriage(false, 5, 1);
        await ReportAndTriage(true, 0.5, 5);
        w.Host.Time.Advance(TimeSpan.FromHours(1));
        await w.Incidents(s => s.MoveAsync(w.Centre, first, new StatusChange(IncidentStatus.Closed, null), None));

        var metrics = await w.Host.Run(sp => sp.GetRequiredService<IncidentMetrics>().ComputeAsync(w.Centre, start, start.AddDays(1), None));
        Assert.Equal(3, metrics.Incidents);
        var acknowledge = metrics.Overall.Single(f => f.Stage == "acknowledge");
        Assert.Equal((3, 3.0, 5.0), (acknowledge.Count, acknowledge.MedianHours!.Value, acknowledge.P90Hours!.Value));
        // The first incident was reported at the start and closed after 1 + 3 + 5 + 0.5 + 1 hours.
        Assert.Equal(10.5, metrics.Overall.Single(f => f.Stage == "close").MedianHours);
        var high = metrics.BySeverity.Single(g => g.Key == "high");
        Assert.Equal(2, high.Incidents);
        Assert.Equal(1.0, high.Stages.Single(f => f.Stage == "acknowledge").MedianHours);
        Assert.Equal(3, metrics.BySector.Single(g => g.Key == "electric-power").Incidents);
        var outsider = await w.Host.Run(sp => sp.GetRequiredService<IncidentMetrics>().ComputeAsync(w.Outsider, start, start.AddDays(1), None));
        Assert.Equal(0, outsider.Incidents);
    }
}
