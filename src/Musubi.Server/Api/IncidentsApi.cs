using Musubi.Core.Incidents;
using Musubi.Infrastructure.Incidents;
using Musubi.Server.Auth;
using Musubi.Server.Ui;

namespace Musubi.Server.Api;

public sealed record LessonsInput(string? LessonsLearned);

public sealed record IncidentClassDto(string Code, string Category, string Type, string NameEn, string NameJa);

public static class IncidentsApi
{
    public static RouteGroupBuilder MapIncidentsApi(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/incidents").WithTags("Incidents");
        g.MapGet("/", async (HttpContext http, IncidentService svc, IncidentStatus? status, Severity? severity, string? sector,
                bool? open, bool? exercises, CancellationToken ct) =>
                TypedResults.Ok(await svc.ListAsync(http.RequireActor(), new IncidentFilter(status, severity, sector, open, exercises ?? false), ct)))
            .WithSummary("The incident board: every incident the caller may see, each projected to the caller's layer.");
        g.MapPost("/", async (HttpContext http, IncidentService svc, IncidentInput input, CancellationToken ct) =>
            {
                var incident = await svc.ReportAsync(http.RequireActor(), input, ct);
                return TypedResults.Created($"/api/v1/incidents/{incident.Id}", incident);
            })
            .WithSummary("Report an incident (an organisation about itself) or open one (the national centre, for any organisations).");
        g.MapPost("/from-alerts", async (HttpContext http, IncidentService svc, AlertEscalationInput input, CancellationToken ct) =>
            {
                var incident = await svc.EscalateAlertsAsync(http.RequireActor(), input, ct);
                return TypedResults.Created($"/api/v1/incidents/{incident.Id}", incident);
            })
            .WithSummary("Escalate one or several alerts into one incident (analysts of the alerts' organisation, or the national SOC); 409 names alerts already escalated.");
        g.MapGet("/{id:guid}", async (HttpContext http, IncidentService svc, Guid id, CancellationToken ct) =>
                TypedResults.Ok(await svc.GetAsync(http.RequireActor(), id, ct)))
            .WithSummary("One incident, projected to the caller's layer; 404 when the caller may not see it.");
        g.MapPost("/{id:guid}/status", async (HttpContext http, IncidentService svc, Guid id, StatusChange input, CancellationToken ct) =>
                TypedResults.Ok(await svc.MoveAsync(http.RequireActor(), id, input, ct)))
            .WithSummary("Move the incident along the workflow; illegal moves get 409 naming the allowed ones.");
        g.MapPost("/{id:guid}/severity", async (HttpContext http, IncidentService svc, Guid id, SeverityOverrideInput input, CancellationToken ct) =>
                TypedResults.Ok(await svc.OverrideSeverityAsync(http.RequireActor(), id, input, ct)))
            .WithSummary("Override the computed severity, with a reason.");
        g.MapPost("/{id:guid}/teams", async (HttpContext http, IncidentService svc, Guid id, TeamInput input, CancellationToken ct) =>
                TypedResults.Ok(await svc.AssignTeamAsync(http.RequireActor(), id, input, ct)))
            .WithSummary("Assign an organisation to the incident with a role (national SOC, mobile assistance team, police, ...).");
        g.MapDelete("/{id:guid}/teams/{organisationId:guid}", async (HttpContext http, IncidentService svc, Guid id, Guid organisationId, CancellationToken ct) =>
                TypedResults.Ok(await svc.RemoveTeamAsync(http.RequireActor(), id, organisationId, ct)));
        g.MapPost("/{id:guid}/tasks", async (HttpContext http, IncidentService svc, Guid id, TaskInput input, CancellationToken ct) =>
            {
                var task = await svc.AddTaskAsync(http.RequireActor(), id, input, ct);
                return TypedResults.Created($"/api/v1/incidents/{id}/tasks/{task.Id}", task);
            });
        g.MapPost("/{id:guid}/tasks/{taskId:guid}/done", async (HttpContext http, IncidentService svc, Guid id, Guid taskId, CancellationToken ct) =>
                TypedResults.Ok(await svc.CompleteTaskAsync(http.RequireActor(), id, taskId, ct)));
        g.MapPost("/{id:guid}/notes", async (HttpContext http, IncidentService svc, Guid id, NoteInput input, CancellationToken ct) =>
                TypedResults.Ok(await svc.AddNoteAsync(http.RequireActor(), id, input, ct)))
            .WithSummary("Add a note to the timeline, visible from the given layer up (default: full only).");
        g.MapPost("/{id:guid}/evidence", async (HttpContext http, IncidentService svc, Guid id, string? fileName, string? description, CancellationToken ct) =>
            {
                var evidence = await svc.AddEvidenceAsync(http.RequireActor(), id, fileName, http.Request.ContentType, http.Request.Body, description, ct);
                return TypedResults.Created($"/api/v1/incidents/{id}/evidence/{evidence.Id}", evidence);
            })
            .WithSummary("Attach evidence: the request body is the file (at most 25 MiB), ?fileName= names it; its SHA-256 is recorded.");
        g.MapGet("/{id:guid}/evidence/{evidenceId:guid}", async (HttpContext http, IncidentService svc, Guid id, Guid evidenceId, CancellationToken ct) =>
            {
                var (meta, content) = await svc.GetEvidenceAsync(http.RequireActor(), id, evidenceId, ct);
                http.Response.Headers["X-Content-SHA256"] = meta.Sha256;
                return TypedResults.File(content, meta.ContentType, meta.FileName);
            });
        g.MapGet("/{id:guid}/indicators", async (HttpContext http, IncidentService svc, Guid id, CancellationToken ct) =>
                TypedResults.Ok(await svc.ListIndicatorsAsync(http.RequireActor(), id, ct)))
            .WithSummary("The incident's indicators (from its alerts and added by responders); technical layer and above.");
        g.MapPost("/{id:guid}/indicators", async (HttpContext http, IncidentService svc, Guid id, IndicatorInput input, CancellationToken ct) =>
            {
                var indicator = await svc.AddIndicatorAsync(http.RequireActor(), id, input, ct);
                return TypedResults.Created($"/api/v1/incidents/{id}/indicators", indicator);
            })
            .WithSummary("Add an indicator (ipv4-addr, ipv6-addr, domain-name, url, email-addr, md5, sha-1, sha-256).");
        g.MapPost("/{id:guid}/publish-indicators", async (HttpContext http, IncidentService svc, Guid id, IndicatorPublication input, CancellationToken ct) =>
                TypedResults.Ok(await svc.PublishIndicatorsAsync(http.RequireActor(), id, input, ct)))
            .WithSummary("Publish the incident's indicators, sanitised, to the intelligence store with a TLP and communities (the coordinating organisation).");
        g.MapPost("/{id:guid}/lessons", async (HttpContext http, IncidentService svc, Guid id, LessonsInput input, CancellationToken ct) =>
                TypedResults.Ok(await svc.SetLessonsLearnedAsync(http.RequireActor(), id, input.LessonsLearned, ct)))
            .WithSummary("Write the lessons learned for the post-incident report (responders on the incident).");
        g.MapGet("/{id:guid}/report", async (HttpContext http, IncidentService svc, Guid id, CancellationToken ct) =>
                TypedResults.Content(IncidentReportHtml.Document(await svc.PostIncidentReportAsync(http.RequireActor(), id, ct)), "text/html; charset=utf-8"))
            .WithSummary("The post-incident report as HTML (timeline, actions, response times against the deadlines, lessons learned), in the caller's layer.");
        g.MapGet("/{id:guid}/report.pdf", async (HttpContext http, IncidentService svc, Guid id, CancellationToken ct) =>
                IncidentReportPdf.Result(http, await svc.PostIncidentReportAsync(http.RequireActor(), id, ct)))
            .WithSummary("The post-incident report as PDF (falls back to HTML with a message when the server has no font for it).");
        g.MapPost("/{id:guid}/merge", async (HttpContext http, IncidentService svc, Guid id, MergeInput input, CancellationToken ct) =>
                TypedResults.Ok(await svc.MergeAsync(http.RequireActor(), id, input, ct)))
            .WithSummary("Merge this incident into another open one; returns the target.");

        api.MapGet("/incident-metrics", async (HttpContext http, IncidentMetrics svc, TimeProvider time, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct) =>
            {
                var end = to ?? time.GetUtcNow();
                return TypedResults.Ok(await svc.ComputeAsync(http.RequireActor(), from ?? end.AddDays(-90), end, ct));
            })
            .WithTags("Incidents")
            .WithSummary("Median and 90th-percentile hours to acknowledge, contain, recover and close, by severity and sector (default: last 90 days; exercises never count).");
        var x = api.MapGroup("/exercises").WithTags("Exercises");
        x.MapGet("/", async (HttpContext http, ExerciseService svc, CancellationToken ct) => TypedResults.Ok(await svc.ListAsync(http.RequireActor(), ct)))
            .WithSummary("Exercise runs: all for the national centre, the ones an organisation plays in for the others.");
        x.MapPost("/", async (HttpContext http, ExerciseService svc, ExerciseStart input, CancellationToken ct) =>
            {
                var run = await svc.StartAsync(http.RequireActor(), input, ct);
                return TypedResults.Created($"/api/v1/exercises/{run.Id}", run);
            })
            .WithSummary("Start a scenario (built-in by id, or a YAML/JSON text) with an organisation for each role; national centre analysts.");
        x.MapGet("/{id:guid}", async (HttpContext http, ExerciseService svc, Guid id, CancellationToken ct) => TypedResults.Ok(await svc.GetAsync(http.RequireActor(), id, ct)))
            .WithSummary("A run with its injects and its score: the after-action report once it has ended.");
        x.MapPost("/{id:guid}/stop", async (HttpContext http, ExerciseService svc, Guid id, CancellationToken ct) => TypedResults.Ok(await svc.StopAsync(http.RequireActor(), id, ct)));
        api.MapGet("/exercise-scenarios", (ExerciseService svc) => TypedResults.Ok(svc.BuiltInScenarios())).WithTags("Exercises")
            .WithSummary("The scenarios that ship with Musubi.");
        api.MapGet("/incident-taxonomy", () => TypedResults.Ok(IncidentTaxonomy.All
                .Select(c => new IncidentClassDto(c.Code, c.Category, c.Type, c.NameEn, c.NameJa)).ToList()))
            .WithTags("Incidents")
            .WithSummary("The classes incidents are classified with (ENISA/TF-CSIRT Reference Security Incident Taxonomy).");
        return api;
    }
}
