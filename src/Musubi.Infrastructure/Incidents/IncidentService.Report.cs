using Microsoft.EntityFrameworkCore;
using Musubi.Core.Identity;
using Musubi.Core.Incidents;

namespace Musubi.Infrastructure.Incidents;

/// <summary>One response stage of the post-incident report: when it was reached, how long it took, against its deadline.</summary>
public sealed record ReportStage(string Stage, DateTimeOffset? ReachedAt, TimeSpan? Took, TimeSpan? Target, bool? OnTime);

/// <summary>The post-incident report: the incident as the reader's layer shows it, and its response times.</summary>
public sealed record PostIncidentReport(IncidentDto Incident, IReadOnlyList<ReportStage> Stages, DateTimeOffset GeneratedAt);

public sealed partial class IncidentService
{
    public const int MaxLessonsLength = 20_000;

    public async Task<IncidentDto> SetLessonsLearnedAsync(Actor actor, Guid id, string? text, CancellationToken ct)
    {
        var (incident, layer, _) = await LoadVisibleAsync(actor, id, ct, track: true);
        RequireWork(actor, layer);
        var trimmed = string.IsNullOrWhiteSpace(text) ? null : text.Trim();
        if (trimmed is { Length: > MaxLessonsLength })
        {
            throw new Core.ValidationFailedException("lessonsLearned", $"must be at most {MaxLessonsLength} characters");
        }

        var before = incident.LessonsLearned;
        incident.LessonsLearned = trimmed;
        incident.UpdatedAt = time.GetUtcNow();
        Timeline(incident, actor, "lessons", trimmed is null ? "lessons learned cleared" : "lessons learned updated", IncidentLayer.Full);
        audit.Record(actor, "incident.lessons", "incident", incident.Reference, incident.CoordinatingOrganisationId,
            new { lessonsLearned = before }, new { lessonsLearned = trimmed });
        await db.SaveChangesAsync(ct);
        return await ProjectAsync(actor, incident, layer, ct);
    }

    /// <summary>
    /// The report obeys the layers: it is built from the reader's projection (<see cref="GetAsync"/>), so a police
    /// reader gets the law-enforcement view, a policy reader the summary, an outsider a 404. Acknowledged is the first
    /// action after the report; triaged, contained and closed are when the incident first reached them. Targets are the
    /// severity's deadlines (docs/INCIDENTS.md).
    /// </summary>
    public async Task<PostIncidentReport> PostIncidentReportAsync(Actor actor, Guid id, CancellationToken ct)
    {
        var (incident, layer, _) = await LoadVisibleAsync(actor, id, ct);
        var dto = await ProjectAsync(actor, incident, layer, ct);
        var firstAction = await db.IncidentTimeline.AsNoTracking().Where(t => t.IncidentId == id && t.Kind != "reported")
            .OrderBy(t => t.Id).Select(t => (DateTimeOffset?)t.At).FirstOrDefaultAsync(ct);
        var deadlines = options.Deadlines;
        ReportStage Stage(string name, DateTimeOffset? at, TimeSpan? target)
        {
            var took = at - incident.ReportedAt;
            return new ReportStage(name, at, took, target, took is { } t && target is { } limit ? t <= limit : null);
        }

        var stages = new List<ReportStage>
        {
            Stage("acknowledge", firstAction, deadlines.Window(incident.Severity, IncidentStatus.Triaged)),
            Stage("triage", incident.TriagedAt, deadlines.Window(incident.Severity, IncidentStatus.Triaged)),
            Stage("contain", incident.ContainedAt, deadlines.Window(incident.Severity, IncidentStatus.Contained)),
            Stage("recover", incident.RecoveredAt, deadlines.Window(incident.Severity, IncidentStatus.Recovered)),
            Stage("close", incident.ClosedAt, deadlines.Window(incident.Severity, IncidentStatus.Closed)),
        };
        return new PostIncidentReport(dto, stages, time.GetUtcNow());
    }
}
