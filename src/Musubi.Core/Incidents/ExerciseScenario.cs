namespace Musubi.Core.Incidents;

/// <summary>What an inject delivers: an alert or a report opens an exercise incident; a message goes on its timeline.</summary>
public enum InjectKind
{
    Alert,
    Report,
    Message,
}

/// <summary>
/// One inject: delivered <see cref="At"/> after the start through the normal channels, marked EXERCISE. An alert or a
/// report opens an incident (with <see cref="Classification"/>, affecting the participant holding
/// <see cref="AffectedRole"/>); a message is added to the timeline of the incident opened by <see cref="Incident"/>.
/// </summary>
public sealed record ExerciseInject(
    string Id,
    TimeSpan At,
    InjectKind Kind,
    string Title,
    string? Body,
    string? Classification,
    string? AffectedRole,
    string? Incident,
    int AssetCriticality = 3);

/// <summary>The actions an expected step can look for on the incident of an inject.</summary>
public enum ExpectedActionKind
{
    /// <summary>The incident reached a status (<see cref="ExpectedAction.Status"/>) or a later one.</summary>
    Status,
    /// <summary>An organisation was assigned with a team role (<see cref="ExpectedAction.TeamRole"/>).</summary>
    AssignTeam,
    /// <summary>A task was created.</summary>
    Task,
    /// <summary>Evidence was attached.</summary>
    Evidence,
    /// <summary>A note was written.</summary>
    Note,
}

/// <summary>
/// What the players should do after an inject: <see cref="Within"/> of the inject's delivery, by the participant
/// holding <see cref="Role"/> (for the after-action report), worth <see cref="Points"/>.
/// </summary>
public sealed record ExpectedAction(
    string Id,
    string Inject,
    ExpectedActionKind Action,
    TimeSpan Within,
    string Role,
    int Points = 10,
    IncidentStatus? Status = null,
    IncidentRole? TeamRole = null,
    string? Description = null);

public sealed record ExerciseScenario(
    string Id,
    string TitleEn,
    string TitleJa,
    string? Description,
    TimeSpan Duration,
    IReadOnlyList<string> Roles,
    IReadOnlyList<ExerciseInject> Injects,
    IReadOnlyList<ExpectedAction> Expected);

/// <summary>How an expected action went.</summary>
public enum ExpectedOutcome
{
    OnTime,
    Late,
    Missed,
}

public sealed record ActionScore(ExpectedAction Expected, ExpectedOutcome Outcome, TimeSpan? TakenAfter, int Points);

public sealed record ExerciseScore(int Points, int MaxPoints, IReadOnlyList<ActionScore> Actions)
{
    public double Percent => MaxPoints == 0 ? 0 : Math.Round(100.0 * Points / MaxPoints, 1);
}

/// <summary>
/// Scoring (docs/INCIDENTS.md, "Exercises"): an action taken within its target earns its points; one taken later
/// but before twice the target earns half; later or never earns nothing.
/// </summary>
public static class ExerciseScoring
{
    /// <param name="takenAfter">For each expected action id, how long after its inject's delivery it was first taken (absent: not taken).</param>
    public static ExerciseScore Score(ExerciseScenario scenario, IReadOnlyDictionary<string, TimeSpan> takenAfter)
    {
        var actions = scenario.Expected.Select(e =>
        {
            if (!takenAfter.TryGetValue(e.Id, out var after))
            {
                return new ActionScore(e, ExpectedOutcome.Missed, null, 0);
            }

            return after <= e.Within ? new ActionScore(e, ExpectedOutcome.OnTime, after, e.Points)
                : after <= e.Within * 2 ? new ActionScore(e, ExpectedOutcome.Late, after, e.Points / 2)
                : new ActionScore(e, ExpectedOutcome.Missed, after, 0);
        }).ToList();
        return new ExerciseScore(actions.Sum(a => a.Points), scenario.Expected.Sum(e => e.Points), actions);
    }

    /// <summary>Checks the references inside a scenario; returns errors keyed by path (injects[2].incident, ...).</summary>
    public static IReadOnlyDictionary<string, string[]> Check(ExerciseScenario scenario)
    {
        var errors = new Validation.FieldErrors();
        errors.Check("id", string.IsNullOrWhiteSpace(scenario.Id) ? "is required" : null);
        errors.Check("title", string.IsNullOrWhiteSpace(scenario.TitleEn) ? "is required" : null);
        errors.Check("duration", scenario.Duration <= TimeSpan.Zero || scenario.Duration > TimeSpan.FromDays(14) ? "must be more than zero and at most 14 days" : null);
        errors.Check("injects", scenario.Injects.Count is 0 or > 500 ? "there must be 1 to 500 injects" : null);
        errors.Check("expected", scenario.Expected.Count > 1000 ? "at most 1000 expected actions" : null);
        var injectIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < scenario.Injects.Count; i++)
        {
            var inject = scenario.Injects[i];
            var path = $"injects[{i}]";
            errors.Check(path + ".id", string.IsNullOrWhiteSpace(inject.Id) ? "is required" : !injectIds.Add(inject.Id) ? $"'{inject.Id}' is used twice" : null);
            errors.Check(path + ".at", inject.At < TimeSpan.Zero || inject.At > scenario.Duration ? "must be within the exercise's duration" : null);
            errors.Check(path + ".title", string.IsNullOrWhiteSpace(inject.Title) ? "is required" : null);
            if (inject.Kind is InjectKind.Alert or InjectKind.Report)
            {
                errors.Check(path + ".classification", IncidentTaxonomy.Find(inject.Classification) is null ? $"'{inject.Classification}' is not a class of the {IncidentTaxonomy.Name}" : null);
                errors.Check(path + ".affectedRole", inject.AffectedRole is null || !scenario.Roles.Contains(inject.AffectedRole) ? "must name one of the scenario's roles" : null);
                errors.Check(path + ".assetCriticality", inject.AssetCriticality is < 1 or > 5 ? "must be 1 to 5" : null);
            }
            else
            {
                var target = scenario.Injects.Take(i).FirstOrDefault(x => x.Id == inject.Incident);
                errors.Check(path + ".incident", target is null || target.Kind == InjectKind.Message ? "a message must name an earlier alert or report inject" : null);
            }
        }

        var expectedIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < scenario.Expected.Count; i++)
        {
            var e = scenario.Expected[i];
            var path = $"expected[{i}]";
            errors.Check(path + ".id", string.IsNullOrWhiteSpace(e.Id) ? "is required" : !expectedIds.Add(e.Id) ? $"'{e.Id}' is used twice" : null);
            var inject = scenario.Injects.FirstOrDefault(x => x.Id == e.Inject);
            errors.Check(path + ".inject", inject is null || inject.Kind == InjectKind.Message ? "must name an alert or report inject" : null);
            errors.Check(path + ".within", e.Within <= TimeSpan.Zero ? "must be more than zero" : null);
            errors.Check(path + ".role", !scenario.Roles.Contains(e.Role) ? "must name one of the scenario's roles" : null);
            errors.Check(path + ".points", e.Points is < 0 or > 1000 ? "must be 0 to 1000" : null);
            errors.Check(path + ".status", e.Action == ExpectedActionKind.Status && e.Status is null ? "is required for a status action" : null);
            errors.Check(path + ".teamRole", e.Action == ExpectedActionKind.AssignTeam && e.TeamRole is null ? "is required for a team assignment" : null);
        }

        return errors.ToDictionary();
    }
}
