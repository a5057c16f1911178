namespace Musubi.Core.Incidents;

/// <summary>How a deadline stands at a moment.</summary>
public enum DeadlineState
{
    OnTime,
    Near,
    Missed,
}

/// <summary>The deadline for reaching <see cref="Stage"/>, and how it stands.</summary>
public sealed record StageDeadline(IncidentStatus Stage, DateTimeOffset Due, DeadlineState State);

/// <summary>
/// Deadlines per severity for each stage, counted from the time the incident was reported (so a slow triage eats
/// into the time to contain, as it does in real life). A deadline is <see cref="DeadlineState.Near"/> when at most a
/// quarter of its window is left. Defaults are in docs/INCIDENTS.md; an installation may configure its own.
/// </summary>
public sealed class StageDeadlines
{
    public const double NearFraction = 0.25;

    private static readonly IncidentStatus[] Targets =
    [
        IncidentStatus.Triaged, IncidentStatus.Contained, IncidentStatus.Eradicated, IncidentStatus.Recovered, IncidentStatus.Closed,
    ];

    private readonly Dictionary<(Severity, IncidentStatus), TimeSpan> _windows;

    public StageDeadlines(IReadOnlyDictionary<Severity, TimeSpan[]> windows)
    {
        _windows = [];
        foreach (var severity in Enum.GetValues<Severity>())
        {
            if (!windows.TryGetValue(severity, out var spans) || spans.Length != Targets.Length)
            {
                throw new ArgumentException($"deadlines for {severity} need {Targets.Length} windows (triage, contain, eradicate, recover, close)", nameof(windows));
            }

            for (var i = 0; i < Targets.Length; i++)
            {
                if (spans[i] <= TimeSpan.Zero || (i > 0 && spans[i] < spans[i - 1]))
                {
                    throw new ArgumentException($"deadlines for {severity} must be positive and not decrease from one stage to the next", nameof(windows));
                }

                _windows[(severity, Targets[i])] = spans[i];
            }
        }
    }

    public static StageDeadlines Default { get; } = new(new Dictionary<Severity, TimeSpan[]>
    {
        [Severity.Critical] = [TimeSpan.FromHours(1), TimeSpan.FromHours(4), TimeSpan.FromHours(24), TimeSpan.FromHours(72), TimeSpan.FromDays(14)],
        [Severity.High] = [TimeSpan.FromHours(4), TimeSpan.FromHours(24), TimeSpan.FromHours(72), TimeSpan.FromDays(7), TimeSpan.FromDays(30)],
        [Severity.Medium] = [TimeSpan.FromHours(24), TimeSpan.FromHours(72), TimeSpan.FromDays(7), TimeSpan.FromDays(14), TimeSpan.FromDays(60)],
        [Severity.Low] = [TimeSpan.FromHours(72), TimeSpan.FromDays(7), TimeSpan.FromDays(30), TimeSpan.FromDays(60), TimeSpan.FromDays(90)],
    });

    public TimeSpan Window(Severity severity, IncidentStatus stage) =>
        _windows.TryGetValue((severity, stage), out var span)
            ? span
            : throw new ArgumentOutOfRangeException(nameof(stage), $"{stage} has no deadline");

    /// <summary>
    /// The deadline of the next stage an open incident must reach, or null when it is not open (closed, rejected,
    /// merged). From a later stage that skipped some, the next stage is the one after the current one.
    /// </summary>
    public StageDeadline? Next(IncidentStatus current, Severity severity, DateTimeOffset reportedAt, DateTimeOffset now)
    {
        if (!IncidentWorkflow.IsOpen(current))
        {
            return null;
        }

        var target = Targets[IncidentWorkflow.StageIndex(current)];
        var window = Window(severity, target);
        var due = reportedAt + window;
        var left = due - now;
        var state = left < TimeSpan.Zero ? DeadlineState.Missed
            : left.Ticks <= window.Ticks * NearFraction ? DeadlineState.Near
            : DeadlineState.OnTime;
        return new StageDeadline(target, due, state);
    }
}
