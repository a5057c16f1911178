using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Core.Incidents;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Incidents;
using Musubi.Testing;

namespace Musubi.Infrastructure.Tests;

public sealed class ExerciseTests(PostgresServer postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public void Both_shipped_scenarios_load()
    {
        var all = ExerciseService.BuiltInScenarioTexts.Select(s => ScenarioReader.Read(s.Text)).ToList();
        Assert.Equal(["agency-ir-drill", "cross-sector-bcp"], all.Select(s => s.Id).Order());
        var bcp = all.Single(s => s.Id == "cross-sector-bcp");
        Assert.Equal(TimeSpan.FromHours(6), bcp.Duration);
        Assert.Equal(TimeSpan.FromHours(2), bcp.Injects.Single(i => i.Id == "ransomware").At);
        Assert.Equal("分野横断的演習（事業継続）", bcp.TitleJa);
        Assert.Contains(bcp.Expected, e => e.Action == ExpectedActionKind.AssignTeam && e.TeamRole == IncidentRole.SectorCoordinator);
    }

    [Fact]
    public void A_scenario_in_json_reads_like_yaml()
    {
        var scenario = ScenarioReader.Read("""
            {"id": "mini", "title": "Mini drill", "duration": "PT1H", "roles": ["soc"],
             "injects": [{"id": "a", "at": "0m", "kind": "alert", "title": "x", "classification": "availability/ddos", "affected_role": "soc"}],
             "expected": [{"id": "t", "inject": "a", "action": "status", "status": "triaged", "within": "PT15M", "role": "soc"}]}
            """);
        Assert.Equal(TimeSpan.FromHours(1), scenario.Duration);
        Assert.Equal(IncidentStatus.Triaged, scenario.Expected[0].Status);
        Assert.Equal(10, scenario.Expected[0].Points);
    }

    [Theory]
    [InlineData("id: x\ntitle: t\nduration: 1h\nroles: [soc]\ninjects:\n  - id: a\n    at: soon\n", "injects[0].at", "is not a duration")]
    [InlineData("id: x\ntitle: t\nduration: 1h\nroles: [soc]\ninjects:\n  - id: a\n    at: 0m\n    kind: fax\n    title: t\n", "injects[0].kind", "is not one of: alert, report, message")]
    [InlineData("id: x\ntitle: t\nduration: 1h\nroles: [soc]\ninjects: [\n", "scenario", "line")]
    [InlineData("- just\n- a list\n", "scenario", "must be one YAML or JSON object")]
    public void Bad_scenarios_are_refused_naming_where(string text, string path, string reason)
    {
        var error = Assert.Throws<ValidationFailedException>(() => ScenarioReader.Read(text));
        Assert.Contains(path, error.Errors.Keys);
        Assert.Contains(reason, string.Join(" ", error.Errors[path]));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_drill_delivers_its_injects_on_time_marked_as_exercise_and_scores_the_responses(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var agency = await host.CreateOrgAsync(Builders.Org("Drill Agency"));
        var mobile = await host.CreateOrgAsync(Builders.Org("Drill Mobile Team", OrganisationKind.Csirt));
        var police = await host.CreateOrgAsync(Builders.Org("Drill Police", OrganisationKind.Police));
        var director = await host.CreateUserAsync(host.Admin.OrganisationId, Role.Analyst);
        var agencyAnalyst = await host.CreateUserAsync(agency.Id, Role.Analyst);
        var exercises = (IServiceProvider sp) => sp.GetRequiredService<ExerciseService>();
        var incidents = (IServiceProvider sp) => sp.GetRequiredService<IncidentService>();
        var participants = new Dictionary<string, Guid>
        {
            ["national-soc"] = host.Admin.OrganisationId, ["agency-csirt"] = agency.Id, ["mobile-assistance-team"] = mobile.Id, ["police"] = police.Id,
        };

        await Assert.ThrowsAsync<ForbiddenException>(() => host.Run(sp => exercises(sp).StartAsync(agencyAnalyst, new ExerciseStart("agency-ir-drill", null, participants), None)));
        var missing = await Assert.ThrowsAsync<ValidationFailedException>(() => host.Run(sp => exercises(sp).StartAsync(director,
            new ExerciseStart("agency-ir-drill", null, new Dictionary<string, Guid> { ["national-soc"] = host.Admin.OrganisationId }), None)));
        Assert.Contains("participants.police", missing.Errors.Keys);

        var run = await host.Run(sp => exercises(sp).StartAsync(director, new ExerciseStart("agency-ir-drill", null, participants), None));
        Assert.True(run.Running);
        var phishing = run.Injects.Single(i => i.InjectId == "phishing-report");
        Assert.NotNull(phishing.IncidentId);
        Assert.Null(run.Injects.Single(i => i.InjectId == "beacon-alert").DeliveredAt);
        var phishingIncident = await host.Run(sp => incidents(sp).GetAsync(agencyAnalyst, phishing.IncidentId!.Value, None));
        Assert.True(phishingIncident.IsExercise);
        Assert.StartsWith("[EXERCISE]", phishingIncident.Title);
        Assert.Empty(await host.Run(sp => incidents(sp).ListAsync(director, new IncidentFilter(), None)));

        host.Time.Advance(TimeSpan.FromMinutes(10));
        await host.Run(sp => incidents(sp).MoveAsync(agencyAnalyst, phishing.IncidentId!.Value, new StatusChange(IncidentStatus.Triaged, null), None));
        host.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(1, await host.Run(sp => exercises(sp).DeliverDueAsync(None)));
        Assert.Equal(0, await host.Run(sp => exercises(sp).DeliverDueAsync(None)));
        var beacon = (await host.Run(sp => exercises(sp).GetAsync(director, run.Id, None))).Injects.Single(i => i.InjectId == "beacon-alert").IncidentId!.Value;

        host.Time.Advance(TimeSpan.FromMinutes(20)); // 20 min after the alert: the 15 min triage target is missed, within twice it
        await host.Run(sp => incidents(sp).MoveAsync(director, beacon, new StatusChange(IncidentStatus.Triaged, null), None));
        await host.Run(sp => incidents(sp).AssignTeamAsync(director, beacon, new TeamInput(mobile.Id, IncidentRole.MobileAssistanceTeam), None));
        host.Time.Advance(TimeSpan.FromMinutes(15)); // 55 min: the message inject (50 min) is due
        await host.Run(sp => exercises(sp).DeliverDueAsync(None));
        var timeline = (await host.Run(sp => incidents(sp).GetAsync(director, beacon, None))).Timeline!;
        Assert.Contains(timeline, t => t.Kind == "inject" && t.Text.StartsWith("[EXERCISE] The file server shows logons", StringComparison.Ordinal));

        host.Time.Advance(TimeSpan.FromHours(3));
        await host.Run(sp => exercises(sp).DeliverDueAsync(None));
        var report = await host.Run(sp => exercises(sp).GetAsync(agencyAnalyst, run.Id, None));
        Assert.False(report.Running);
        Assert.Equal(run.StartedAt.AddHours(3), report.EndedAt);
        var outcomes = report.Score.Actions.ToDictionary(a => a.Expected.Id, a => (a.Outcome, a.Points));
        Assert.Equal((ExpectedOutcome.OnTime, 10), outcomes["triage-report"]);
        Assert.Equal((ExpectedOutcome.Late, 7), outcomes["triage-alert"]);
        Assert.Equal((ExpectedOutcome.OnTime, 15), outcomes["call-mobile-team"]);
        Assert.Equal((ExpectedOutcome.Missed, 0), outcomes["contain"]);
        Assert.Equal((ExpectedOutcome.Missed, 0), outcomes["inform-police"]);
        Assert.Equal((32, 80), (report.Score.Points, report.Score.MaxPoints));

        var outsider = await host.CreateUserAsync((await host.CreateOrgAsync(Builders.Org("Not Playing"))).Id, Role.Analyst);
        await Assert.ThrowsAsync<NotFoundException>(() => host.Run(sp => exercises(sp).GetAsync(outsider, run.Id, None)));
        Assert.Equal(2, await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().Incidents.CountAsync(i => i.IsExercise)));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Two_workers_delivering_at_once_deliver_each_inject_once(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var agency = await host.CreateOrgAsync(Builders.Org("Race Agency"));
        var director = await host.CreateUserAsync(host.Admin.OrganisationId, Role.Analyst);
        var roles = new Dictionary<string, Guid>
        {
            ["national-soc"] = host.Admin.OrganisationId, ["agency-csirt"] = agency.Id, ["mobile-assistance-team"] = agency.Id, ["police"] = agency.Id,
        };
        var run = await host.Run(sp => sp.GetRequiredService<ExerciseService>().StartAsync(director, new ExerciseStart("agency-ir-drill", null, roles), None));
        host.Time.Advance(TimeSpan.FromHours(1));
        var counts = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => host.Run(sp => sp.GetRequiredService<ExerciseService>().DeliverDueAsync(None))));
        Assert.Equal(2, counts.Sum());
        var report = await host.Run(sp => sp.GetRequiredService<ExerciseService>().GetAsync(director, run.Id, None));
        Assert.All(report.Injects, i => Assert.NotNull(i.DeliveredAt));
        Assert.Equal(2, await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().Incidents.CountAsync(i => i.IsExercise)));
    }
}
