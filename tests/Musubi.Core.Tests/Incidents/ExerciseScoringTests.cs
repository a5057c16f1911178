using Musubi.Core.Incidents;

namespace Musubi.Core.Tests.Incidents;

public sealed class ExerciseScoringTests
{
    private static readonly ExerciseScenario Scenario = new("drill", "Drill", "訓練", null, TimeSpan.FromHours(2), ["soc", "csirt"],
        [
            new ExerciseInject("alert", TimeSpan.Zero, InjectKind.Alert, "Beacon", null, "malicious-code/infected-system", "csirt", null),
            new ExerciseInject("msg", TimeSpan.FromMinutes(30), InjectKind.Message, "Update", null, null, null, "alert"),
        ],
        [
            new ExpectedAction("triage", "alert", ExpectedActionKind.Status, TimeSpan.FromMinutes(15), "soc", 10, IncidentStatus.Triaged),
            new ExpectedAction("team", "alert", ExpectedActionKind.AssignTeam, TimeSpan.FromMinutes(30), "soc", 15, TeamRole: IncidentRole.MobileAssistanceTeam),
            new ExpectedAction("contain", "alert", ExpectedActionKind.Status, TimeSpan.FromHours(1), "csirt", 20, IncidentStatus.Contained),
            new ExpectedAction("evidence", "alert", ExpectedActionKind.Evidence, TimeSpan.FromHours(1), "csirt", 9),
        ]);

    [Fact]
    public void On_time_earns_all_late_within_twice_the_target_earns_half_and_later_or_never_earns_nothing()
    {
        var score = ExerciseScoring.Score(Scenario, new Dictionary<string, TimeSpan>
        {
            ["triage"] = TimeSpan.FromMinutes(15),   // exactly on target
            ["team"] = TimeSpan.FromMinutes(45),     // late, within 2 × 30 min
            ["contain"] = TimeSpan.FromMinutes(121), // beyond 2 × 1 h
        });
        Assert.Equal([ExpectedOutcome.OnTime, ExpectedOutcome.Late, ExpectedOutcome.Missed, ExpectedOutcome.Missed], score.Actions.Select(a => a.Outcome));
        Assert.Equal([10, 7, 0, 0], score.Actions.Select(a => a.Points));
        Assert.Equal((17, 54), (score.Points, score.MaxPoints));
        Assert.Equal(31.5, score.Percent);
        Assert.Null(score.Actions[3].TakenAfter);
    }

    [Fact]
    public void A_consistent_scenario_has_no_errors() => Assert.Empty(ExerciseScoring.Check(Scenario));

    [Fact]
    public void Broken_references_are_reported_by_path()
    {
        var broken = Scenario with
        {
            Injects =
            [
                Scenario.Injects[1] with { Id = "msg-first", Incident = "alert" },
                Scenario.Injects[0] with { At = TimeSpan.FromHours(3), AffectedRole = "ministry", Classification = "made/up" },
                Scenario.Injects[1],
            ],
            Expected =
            [
                Scenario.Expected[0] with { Inject = "msg", Role = "nobody" },
                Scenario.Expected[1] with { TeamRole = null },
                Scenario.Expected[0],
            ],
        };
        var errors = ExerciseScoring.Check(broken);
        Assert.Equal(
            ["expected[0].inject", "expected[0].role", "expected[1].teamRole", "expected[2].id", "injects[0].incident", "injects[1].affectedRole", "injects[1].at", "injects[1].classification"],
            errors.Keys.Order(StringComparer.Ordinal));
    }
}
