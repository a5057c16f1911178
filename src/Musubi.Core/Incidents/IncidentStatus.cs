namespace Musubi.Core.Incidents;

/// <summary>
/// Where an incident stands. The six working stages follow the usual response life cycle (NIST SP 800-61 phases,
/// as CSIRTs name them); <see cref="Rejected"/> and <see cref="Merged"/> end an incident without a response.
/// Serialised in kebab-case.
/// </summary>
public enum IncidentStatus
{
    Reported,
    Triaged,
    Contained,
    Eradicated,
    Recovered,
    Closed,
    Rejected,
    Merged,
}

/// <summary>
/// The status workflow: which moves are legal. The table is the whole rule; everything else refuses.
/// <list type="bullet">
/// <item>Forward one stage at a time: reported → triaged → contained → eradicated → recovered → closed.</item>
/// <item>A stage that does not apply may be skipped forward from triaged onwards (a phishing report with nothing to
/// contain goes triaged → eradicated or straight to closed); reported must be triaged first, so every incident is
/// looked at by a person.</item>
/// <item>One step back from contained, eradicated or recovered (containment failed, the attacker came back).</item>
/// <item>Rejected only from reported or triaged (not an incident, or out of the constituency).</item>
/// <item>Merged from any open stage (it continues inside another incident). Merged is final.</item>
/// <item>Closed and rejected may be reopened to triaged, with a reason.</item>
/// </list>
/// </summary>
public static class IncidentWorkflow
{
    private static readonly IncidentStatus[] Stages =
    [
        IncidentStatus.Reported, IncidentStatus.Triaged, IncidentStatus.Contained,
        IncidentStatus.Eradicated, IncidentStatus.Recovered, IncidentStatus.Closed,
    ];

    public static bool IsOpen(IncidentStatus status) =>
        status is not (IncidentStatus.Closed or IncidentStatus.Rejected or IncidentStatus.Merged);

    /// <summary>The position of a working stage (0 = reported … 5 = closed), or -1 for rejected and merged.</summary>
    public static int StageIndex(IncidentStatus status) => Array.IndexOf(Stages, status);

    public static bool CanMove(IncidentStatus from, IncidentStatus to)
    {
        if (from == to)
        {
            return false;
        }

        return (from, to) switch
        {
            (IncidentStatus.Merged, _) => false,
            (_, IncidentStatus.Merged) => IsOpen(from),
            (IncidentStatus.Reported or IncidentStatus.Triaged, IncidentStatus.Rejected) => true,
            (_, IncidentStatus.Rejected) => false,
            (IncidentStatus.Closed or IncidentStatus.Rejected, IncidentStatus.Triaged) => true,
            (IncidentStatus.Closed or IncidentStatus.Rejected, _) => false,
            (IncidentStatus.Reported, _) => to == IncidentStatus.Triaged,
            _ => MovesAlongStages(StageIndex(from), StageIndex(to)),
        };
    }

    private static bool MovesAlongStages(int from, int to) =>
        from >= 1 && to >= 1 && (to > from || (to == from - 1 && from <= 4));

    public static IReadOnlyList<IncidentStatus> NextFrom(IncidentStatus from) =>
        Enum.GetValues<IncidentStatus>().Where(to => CanMove(from, to)).ToArray();

    /// <summary>Throws <see cref="ConflictException"/> naming the allowed moves when the move is illegal.</summary>
    public static void EnsureCanMove(IncidentStatus from, IncidentStatus to)
    {
        if (!CanMove(from, to))
        {
            var allowed = NextFrom(from);
            throw new ConflictException(
                $"an incident cannot move from {Name(from)} to {Name(to)}; allowed: " +
                (allowed.Count == 0 ? "none" : string.Join(", ", allowed.Select(Name))),
                "status");
        }
    }

    /// <summary>Moves that must carry a reason: backward steps, reopening, rejection and merging.</summary>
    public static bool NeedsReason(IncidentStatus from, IncidentStatus to) =>
        to is IncidentStatus.Rejected or IncidentStatus.Merged
        || from is IncidentStatus.Closed or IncidentStatus.Rejected
        || (StageIndex(to) >= 0 && StageIndex(to) < StageIndex(from));

    public static string Name(IncidentStatus status) => status switch
    {
        IncidentStatus.Reported => "reported",
        IncidentStatus.Triaged => "triaged",
        IncidentStatus.Contained => "contained",
        IncidentStatus.Eradicated => "eradicated",
        IncidentStatus.Recovered => "recovered",
        IncidentStatus.Closed => "closed",
        IncidentStatus.Rejected => "rejected",
        IncidentStatus.Merged => "merged",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };
}
