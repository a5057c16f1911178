using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Musubi.Core;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Core.Incidents;
using Musubi.Core.Sharing;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Incidents;

public sealed record ScenarioInfo(string Id, string TitleEn, string TitleJa, string? Description, TimeSpan Duration,
    IReadOnlyList<string> Roles, int Injects, int Expected);

/// <summary>Start a built-in scenario by <see cref="ScenarioId"/> or an uploaded one by <see cref="ScenarioText"/>; <see cref="Participants"/> maps each role to an organisation.</summary>
public sealed record ExerciseStart(string? ScenarioId, string? ScenarioText, IReadOnlyDictionary<string, Guid>? Participants);

public sealed record ParticipantDto(string Role, Guid OrganisationId, string Organisation);

public sealed record DeliveryDto(string InjectId, InjectKind Kind, string Title, TimeSpan At, DateTimeOffset? DeliveredAt, Guid? IncidentId);

/// <summary>A run with its injects, and its score so far (the after-action report once it has ended).</summary>
public sealed record ExerciseRunDto(Guid Id, string ScenarioId, string TitleEn, string TitleJa, DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt, bool Running, IReadOnlyList<ParticipantDto> Participants, IReadOnlyList<DeliveryDto> Injects, ExerciseScore Score);

/// <summary>
/// Exercises: a scenario's injects are delivered through the normal channels (alerts and reports open incidents
/// through <see cref="IncidentService"/>, messages go on their timelines), every one marked EXERCISE; the players'
/// actions are read back from those incidents and scored against the targets (<see cref="ExerciseScoring"/>).
/// Exercise incidents carry <c>IsExercise</c>, so they never enter the real board or metrics.
/// </summary>
public sealed class ExerciseService(MusubiDbContext db, IncidentService incidents, AuditTrail audit, TimeProvider time, ILogger<ExerciseService> log)
{
    public static IReadOnlyList<(string Name, string Text)> BuiltInScenarioTexts { get; } = LoadBuiltIns();

    /// <summary>The shipped scenarios, read once.</summary>
    private static readonly Lazy<IReadOnlyList<(string Text, ExerciseScenario Scenario)>> BuiltIns =
        new(() => BuiltInScenarioTexts.Select(s => (s.Text, ScenarioReader.Read(s.Text))).ToList());

    public IReadOnlyList<ScenarioInfo> BuiltInScenarios() => BuiltIns.Value.Select(s => Info(s.Scenario)).ToList();

    public async Task<ExerciseRunDto> StartAsync(Actor actor, ExerciseStart start, CancellationToken ct)
    {
        await RequireDirectorAsync(actor, ct);
        var text = start.ScenarioText;
        if (string.IsNullOrWhiteSpace(text))
        {
            text = BuiltIns.Value.FirstOrDefault(s => s.Scenario.Id == start.ScenarioId).Text
                ?? throw new ValidationFailedException("scenarioId", $"no built-in scenario '{start.ScenarioId}'; give one of {string.Join(", ", BuiltInScenarios().Select(s => s.Id))} or a scenario text");
        }

        var scenario = ScenarioReader.Read(text);
        var participants = start.Participants ?? new Dictionary<string, Guid>();
        var errors = new Core.Validation.FieldErrors();
        foreach (var role in scenario.Roles.Where(r => !participants.ContainsKey(r)))
        {
            errors.Add($"participants.{role}", "name the organisation that plays this role");
        }

        foreach (var role in participants.Keys.Where(r => !scenario.Roles.Contains(r)))
        {
            errors.Add($"participants.{role}", "is not a role of this scenario");
        }

        var ids = participants.Values.Distinct().ToList();
        var known = await db.Organisations.AsNoTracking().Where(o => ids.Contains(o.Id)).Select(o => o.Id).ToListAsync(ct);
        foreach (var (role, org) in participants.Where(p => !known.Contains(p.Value)))
        {
            errors.Add($"participants.{role}", $"unknown organisation {org}");
        }

        errors.ThrowIfAny();
        var run = new ExerciseRunEntity
        {
            Id = Guid.NewGuid(), ScenarioId = scenario.Id, ScenarioText = text, StartedAt = time.GetUtcNow(),
            StartedByUserId = actor.UserId, StartedByName = actor.UserName, StartedByOrganisationId = actor.OrganisationId,
            Participants = participants.Select(p => new ExerciseParticipantEntity { Role = p.Key, OrganisationId = p.Value }).ToList(),
        };
        db.ExerciseRuns.Add(run);
        audit.Record(actor, "exercise.start", "exercise", run.Id.ToString(), actor.OrganisationId, null,
            new { scenario = scenario.Id, participants });
        await db.SaveChangesAsync(ct);
        await DeliverDueAsync(ct);
        return await GetAsync(actor, run.Id, ct);
    }

    public async Task<ExerciseRunDto> StopAsync(Actor actor, Guid id, CancellationToken ct)
    {
        await RequireDirectorAsync(actor, ct);
        var run = await db.ExerciseRuns.FirstOrDefaultAsync(r => r.Id == id, ct) ?? throw new NotFoundException("exercise", id.ToString());
        if (run.EndedAt is null)
        {
            run.EndedAt = time.GetUtcNow();
            audit.Record(actor, "exercise.stop", "exercise", run.Id.ToString(), actor.OrganisationId, null, new { endedAt = run.EndedAt });
            await db.SaveChangesAsync(ct);
        }

        return await GetAsync(actor, id, ct);
    }

    public async Task<IReadOnlyList<ExerciseRunDto>> ListAsync(Actor actor, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanReadIncidents(actor), "reading exercises needs the incidents:read scope");
        var director = await IsDirectorAsync(actor, ct);
        var runs = await db.ExerciseRuns.AsNoTracking()
            .Where(r => director || r.Participants.Any(p => p.OrganisationId == actor.OrganisationId))
            .OrderByDescending(r => r.StartedAt).Select(r => r.Id).Take(200).ToListAsync(ct);
        var result = new List<ExerciseRunDto>();
        foreach (var id in runs)
        {
            result.Add(await GetAsync(actor, id, ct));
        }

        return result;
    }

    public async Task<ExerciseRunDto> GetAsync(Actor actor, Guid id, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanReadIncidents(actor), "reading exercises needs the incidents:read scope");
        var run = await db.ExerciseRuns.AsNoTracking().Include(r => r.Participants).Include(r => r.Deliveries).AsSplitQuery()
            .FirstOrDefaultAsync(r => r.Id == id, ct) ?? throw new NotFoundException("exercise", id.ToString());
        if (!await IsDirectorAsync(actor, ct) && run.Participants.All(p => p.OrganisationId != actor.OrganisationId))
        {
            throw new NotFoundException("exercise", id.ToString());
        }

        var scenario = ScenarioReader.Read(run.ScenarioText);
        var names = await db.Organisations.AsNoTracking().Where(o => run.Participants.Select(p => p.OrganisationId).Contains(o.Id))
            .ToDictionaryAsync(o => o.Id, o => o.Name, ct);
        var deliveries = run.Deliveries.ToDictionary(d => d.InjectId);
        var score = ExerciseScoring.Score(scenario, await TakenAfterAsync(scenario, deliveries, ct));
        var now = time.GetUtcNow();
        return new ExerciseRunDto(run.Id, scenario.Id, scenario.TitleEn, scenario.TitleJa, run.StartedAt, run.EndedAt,
            run.EndedAt is null && now - run.StartedAt < scenario.Duration,
            run.Participants.OrderBy(p => scenario.Roles.ToList().IndexOf(p.Role))
                .Select(p => new ParticipantDto(p.Role, p.OrganisationId, names.GetValueOrDefault(p.OrganisationId, "?"))).ToList(),
            scenario.Injects.Select(i => new DeliveryDto(i.Id, i.Kind, i.Title, i.At,
                deliveries.GetValueOrDefault(i.Id)?.DeliveredAt, deliveries.GetValueOrDefault(i.Id)?.IncidentId)).ToList(),
            score);
    }

    /// <summary>Delivers every inject whose time has come in every running exercise; ends exercises past their duration.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken ct)
    {
        var delivered = 0;
        var now = time.GetUtcNow();
        var runs = await db.ExerciseRuns.Include(r => r.Participants).Include(r => r.Deliveries).AsSplitQuery()
            .Where(r => r.EndedAt == null).ToListAsync(ct);
        foreach (var run in runs)
        {
            var scenario = ScenarioReader.Read(run.ScenarioText);
            var director = new Actor(run.StartedByUserId, run.StartedByName, run.StartedByOrganisationId, Role.Analyst);
            foreach (var inject in scenario.Injects.Where(i => run.StartedAt + i.At <= now).OrderBy(i => i.At))
            {
                if (run.Deliveries.Any(d => d.InjectId == inject.Id))
                {
                    continue;
                }

                var delivery = new ExerciseDeliveryEntity { RunId = run.Id, InjectId = inject.Id, DeliveredAt = now };
                run.Deliveries.Add(delivery);
                try
                {
                    // One transaction: the delivery row becomes visible with its incident, never before it.
                    await using var transaction = await db.Database.BeginTransactionAsync(ct);
                    delivery.IncidentId = await DeliverAsync(director, run, inject, ct);
                    await db.SaveChangesAsync(ct);
                    await transaction.CommitAsync(ct);
                    delivered++;
                }
                catch (DbUpdateException)
                {
                    // Another worker (or node) delivered this inject at the same moment: the unique (run, inject) key
                    // refused ours and the whole save — incident included — was rolled back. Start afresh next pass.
                    db.ChangeTracker.Clear();
                    return delivered;
                }
                catch (MusubiException e)
                {
                    // The inject cannot be delivered (the incident it refers to is gone, say): recorded as delivered without
                    // an incident so the run goes on, and logged for the exercise director.
                    log.LogWarning("exercise {Run}: inject {Inject} could not be delivered: {Reason}", run.Id, inject.Id, e.Message);
                    delivery.IncidentId = null;
                    await db.SaveChangesAsync(ct);
                }
            }

            if (now - run.StartedAt >= scenario.Duration)
            {
                run.EndedAt = run.StartedAt + scenario.Duration;
                await db.SaveChangesAsync(ct);
            }
        }

        return delivered;
    }

    private async Task<Guid?> DeliverAsync(Actor director, ExerciseRunEntity run, ExerciseInject inject, CancellationToken ct)
    {
        if (inject.Kind == InjectKind.Message)
        {
            var target = run.Deliveries.FirstOrDefault(d => d.InjectId == inject.Incident)?.IncidentId
                ?? throw new ConflictException($"inject '{inject.Incident}' has not opened an incident");
            await incidents.AddExerciseMessageAsync(director, target, inject.Title + (inject.Body is null ? "" : ": " + inject.Body), ct);
            return target;
        }

        var affected = run.Participants.First(p => p.Role == inject.AffectedRole).OrganisationId;
        var created = await incidents.ReportAsync(director, new IncidentInput(
            "[EXERCISE] " + inject.Title, inject.Body, inject.Classification, [affected], inject.AssetCriticality,
            null, inject.Kind == InjectKind.Alert ? 80 : 60, Tlp.Amber, null, Exercise: true), ct);
        return created.Id;
    }

    private async Task<Dictionary<string, TimeSpan>> TakenAfterAsync(ExerciseScenario scenario, Dictionary<string, ExerciseDeliveryEntity> deliveries, CancellationToken ct)
    {
        var incidentIds = deliveries.Values.Select(d => d.IncidentId).OfType<Guid>().Distinct().ToList();
        var rows = await db.Incidents.AsNoTracking().Include(i => i.Teams).Where(i => incidentIds.Contains(i.Id)).ToDictionaryAsync(i => i.Id, ct);
        var tasks = await db.IncidentTasks.AsNoTracking().Where(t => incidentIds.Contains(t.IncidentId))
            .GroupBy(t => t.IncidentId).Select(g => new { g.Key, First = g.Min(t => t.CreatedAt) }).ToListAsync(ct);
        var evidence = await db.IncidentEvidence.AsNoTracking().Where(e => incidentIds.Contains(e.IncidentId))
            .Select(e => new { e.IncidentId, e.AddedAt }).ToListAsync(ct);
        var notes = await db.IncidentTimeline.AsNoTracking().Where(t => incidentIds.Contains(t.IncidentId) && t.Kind == "note")
            .Select(t => new { t.IncidentId, t.At }).ToListAsync(ct);
        var result = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        foreach (var expected in scenario.Expected)
        {
            if (!deliveries.TryGetValue(expected.Inject, out var delivery) || delivery.IncidentId is not { } id || !rows.TryGetValue(id, out var incident))
            {
                continue;
            }

            DateTimeOffset? at = expected.Action switch
            {
                ExpectedActionKind.Status => StageReached(incident, expected.Status!.Value),
                ExpectedActionKind.AssignTeam => incident.Teams.Where(t => t.Role == expected.TeamRole).Select(t => (DateTimeOffset?)t.AssignedAt).Min(),
                ExpectedActionKind.Task => tasks.FirstOrDefault(t => t.Key == id)?.First,
                ExpectedActionKind.Evidence => evidence.Where(e => e.IncidentId == id).Select(e => (DateTimeOffset?)e.AddedAt).Min(),
                ExpectedActionKind.Note => notes.Where(n => n.IncidentId == id).Select(n => (DateTimeOffset?)n.At).Min(),
                _ => null,
            };
            if (at is { } taken)
            {
                result[expected.Id] = taken < delivery.DeliveredAt ? TimeSpan.Zero : taken - delivery.DeliveredAt;
            }
        }

        return result;
    }

    /// <summary>When the incident first reached <paramref name="status"/> or a later working stage.</summary>
    private static DateTimeOffset? StageReached(IncidentEntity i, IncidentStatus status)
    {
        var stages = new (IncidentStatus Stage, DateTimeOffset? At)[]
        {
            (IncidentStatus.Triaged, i.TriagedAt), (IncidentStatus.Contained, i.ContainedAt), (IncidentStatus.Eradicated, i.EradicatedAt),
            (IncidentStatus.Recovered, i.RecoveredAt), (IncidentStatus.Closed, i.ClosedAt),
        };
        var target = IncidentWorkflow.StageIndex(status);
        return stages.Where(s => IncidentWorkflow.StageIndex(s.Stage) >= target).Select(s => s.At).OfType<DateTimeOffset>().Cast<DateTimeOffset?>().Min();
    }

    private async Task<bool> IsDirectorAsync(Actor actor, CancellationToken ct) =>
        await db.Organisations.AsNoTracking().AnyAsync(o => o.Id == actor.OrganisationId && o.Kind == OrganisationKind.NationalCentre, ct);

    private async Task RequireDirectorAsync(Actor actor, CancellationToken ct) =>
        ForbiddenException.ThrowUnless(AccessRules.CanReportIncident(actor) && await IsDirectorAsync(actor, ct),
            "exercises are directed by the national centre's analysts");

    private static ScenarioInfo Info(ExerciseScenario s) =>
        new(s.Id, s.TitleEn, s.TitleJa, s.Description, s.Duration, s.Roles, s.Injects.Count, s.Expected.Count);

    private static IReadOnlyList<(string Name, string Text)> LoadBuiltIns()
    {
        var assembly = typeof(ExerciseService).Assembly;
        return assembly.GetManifestResourceNames().Where(n => n.StartsWith("scenarios/", StringComparison.Ordinal)).Order()
            .Select(n =>
            {
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var reader = new StreamReader(stream);
                return (n["scenarios/".Length..], reader.ReadToEnd());
            }).ToList();
    }
}
