using Musubi.Core.Incidents;

namespace Musubi.Core.Tests.Incidents;

public sealed class StageDeadlinesTests
{
    private static readonly DateTimeOffset Reported = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(IncidentStatus.Reported, IncidentStatus.Triaged, 1)]
    [InlineData(IncidentStatus.Triaged, IncidentStatus.Contained, 4)]
    [InlineData(IncidentStatus.Contained, IncidentStatus.Eradicated, 24)]
    [InlineData(IncidentStatus.Eradicated, IncidentStatus.Recovered, 72)]
    [InlineData(IncidentStatus.Recovered, IncidentStatus.Closed, 14 * 24)]
    public void A_critical_incident_has_the_documented_deadline_for_its_next_stage(IncidentStatus current, IncidentStatus next, int hours)
    {
        var deadline = StageDeadlines.Default.Next(current, Severity.Critical, Reported, Reported);
        Assert.NotNull(deadline);
        Assert.Equal(next, deadline.Stage);
        Assert.Equal(Reported.AddHours(hours), deadline.Due);
    }

    [Theory]
    [InlineData(0, DeadlineState.OnTime)]
    [InlineData(179, DeadlineState.OnTime)]   // 61 minutes left of 4 hours: more than a quarter
    [InlineData(180, DeadlineState.Near)]     // exactly a quarter left
    [InlineData(240, DeadlineState.Near)]     // due now
    [InlineData(241, DeadlineState.Missed)]
    public void A_deadline_is_near_in_its_last_quarter_and_missed_after_it(int minutesAfterReport, DeadlineState state)
    {
        var deadline = StageDeadlines.Default.Next(IncidentStatus.Reported, Severity.High, Reported, Reported.AddMinutes(minutesAfterReport));
        Assert.Equal(state, deadline!.State);
    }

    [Theory]
    [InlineData(IncidentStatus.Closed)]
    [InlineData(IncidentStatus.Rejected)]
    [InlineData(IncidentStatus.Merged)]
    public void Ended_incidents_have_no_deadline(IncidentStatus status) =>
        Assert.Null(StageDeadlines.Default.Next(status, Severity.Critical, Reported, Reported.AddYears(1)));

    [Fact]
    public void Lower_severities_never_get_tighter_deadlines()
    {
        foreach (var stage in new[] { IncidentStatus.Triaged, IncidentStatus.Contained, IncidentStatus.Eradicated, IncidentStatus.Recovered, IncidentStatus.Closed })
        {
            Assert.True(StageDeadlines.Default.Window(Severity.Low, stage) >= StageDeadlines.Default.Window(Severity.Medium, stage));
            Assert.True(StageDeadlines.Default.Window(Severity.Medium, stage) >= StageDeadlines.Default.Window(Severity.High, stage));
            Assert.True(StageDeadlines.Default.Window(Severity.High, stage) >= StageDeadlines.Default.Window(Severity.Critical, stage));
        }
    }

    [Fact]
    public void A_configuration_with_missing_or_decreasing_windows_is_refused()
    {
        var hour = TimeSpan.FromHours(1);
        var good = new[] { hour, hour * 2, hour * 3, hour * 4, hour * 5 };
        Assert.Throws<ArgumentException>(() => new StageDeadlines(new Dictionary<Severity, TimeSpan[]> { [Severity.Low] = good }));
        var all = Enum.GetValues<Severity>().ToDictionary(s => s, _ => good);
        _ = new StageDeadlines(all);
        all[Severity.High] = [hour, hour * 3, hour * 2, hour * 4, hour * 5];
        Assert.Throws<ArgumentException>(() => new StageDeadlines(all));
        all[Severity.High] = [TimeSpan.Zero, hour, hour, hour, hour];
        Assert.Throws<ArgumentException>(() => new StageDeadlines(all));
    }
}
