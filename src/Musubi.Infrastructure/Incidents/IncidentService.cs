using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Core.Incidents;
using Musubi.Core.Sharing;
using Musubi.Core.Validation;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Constituency;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Notifications;

namespace Musubi.Infrastructure.Incidents;

/// <summary>
/// Incidents: reporting, the status workflow, teams, tasks, timeline, evidence, severity and merging. Every read
/// decides the viewer's layer with <see cref="IncidentLayers.LayerFor"/> and projects the incident to it; an incident
/// whose layer is <see cref="IncidentLayer.None"/> does not exist for the viewer (404). Every write is audited and
/// leaves a timeline line.
/// </summary>
public sealed partial class IncidentService(MusubiDbContext db, AuditTrail audit, TimeProvider time, IncidentOptions options, NotificationService notifications, Ledger.ILedger ledger,
    Intelligence.IntelligencePrincipals principals, Intelligence.StixImporter importer)
{
    public const int MaxEvidenceBytes = 25 * 1024 * 1024;
    public const int MaxTitleLength = 300;
    public const int MaxDescriptionLength = 20_000;
    public const int MaxNoteLength = 8_000;

    public Task<IncidentDto> ReportAsync(Actor actor, IncidentInput input, CancellationToken ct) => ReportAsync(actor, input, null, ct);

    /// <param name="beforeSave">Adds more to the same unit of work (escalated alerts), so that all of it commits or none.</param>
    private async Task<IncidentDto> ReportAsync(Actor actor, IncidentInput input, Func<IncidentEntity, Task>? beforeSave, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanReportIncident(actor), "reporting an incident needs the incidents:write scope and a role other than read-only");
        var errors = new FieldErrors();
        errors.Check("title", FieldRules.RequiredText(input.Title, MaxTitleLength));
        errors.Check("description", FieldRules.OptionalText(input.Description, MaxDescriptionLength));
        var classification = IncidentTaxonomy.Find(input.Classification);
        if (classification is null)
        {
            errors.Check("classification", CatchMessage(() => IncidentTaxonomy.Require(input.Classification, "classification")));
        }

        var affected = (input.AffectedOrganisations ?? []).Distinct().ToList();
        if (affected.Count == 0)
        {
            affected.Add(actor.OrganisationId);
        }

        errors.Check("affectedOrganisations", affected.Count > 500 ? "at most 500 organisations" : null);
        var known = await db.Organisations.AsNoTracking().Where(o => affected.Contains(o.Id)).Select(o => new { o.Id, o.SectorId, o.Kind }).ToListAsync(ct);
        foreach (var missing in affected.Where(a => known.All(k => k.Id != a)))
        {
            errors.Add("affectedOrganisations", $"unknown organisation {missing}");
        }

        var communities = await ResolveCommunitiesAsync(input.SharedWithCommunities, errors, ct);
        var coordinator = await CoordinatorAsync(actor, ct);
        var reporterIsResponder = actor.OrganisationId == coordinator;
        if (!reporterIsResponder && affected.Any(a => a != actor.OrganisationId))
        {
            errors.Add("affectedOrganisations", "an organisation reports incidents about itself; the national centre adds other organisations");
        }

        var inputs = new RiskInputs(
            input.AssetCriticality ?? 3,
            known.Any(k => k.SectorId is not null),
            affected.Count,
            input.DataSensitivity ?? DataSensitivity.None,
            input.IndicatorConfidence ?? (reporterIsResponder ? 80 : 60));
        RiskAssessment? risk = null;
        try
        {
            risk = RiskScore.Assess(inputs);
        }
        catch (ValidationFailedException invalid)
        {
            foreach (var (field, reasons) in invalid.Errors)
            {
                foreach (var reason in reasons)
                {
                    errors.Add(field, reason);
                }
            }
        }

        errors.ThrowIfAny();
        var now = time.GetUtcNow();
        var entity = new IncidentEntity
        {
            Id = Guid.NewGuid(),
            Reference = await NextReferenceAsync(now.Year, ct),
            Title = input.Title!.Trim(),
            Description = OrganisationService.Blank(input.Description),
            Classification = classification!.Code,
            Status = IncidentStatus.Reported,
            CoordinatingOrganisationId = coordinator,
            ReportedByOrganisationId = actor.OrganisationId,
            ReportedByUserId = actor.UserId == Guid.Empty ? null : actor.UserId,
            ReportedAt = now,
            UpdatedAt = now,
            AssetCriticality = inputs.AssetCriticality,
            CriticalInfrastructure = inputs.CriticalInfrastructureSector,
            DataSensitivity = inputs.DataSensitivity,
            IndicatorConfidence = inputs.IndicatorConfidence,
            RiskScore = risk!.Score,
            ComputedSeverity = risk.Severity,
            Severity = risk.Severity,
            Tlp = input.Tlp ?? Tlp.Amber,
            IsExercise = input.Exercise,
            Affected = affected.Select(a => new IncidentOrganisationEntity { OrganisationId = a }).ToList(),
            SharedWith = communities.Select(c => new IncidentCommunityEntity { CommunityId = c }).ToList(),
        };
        db.Incidents.Add(entity);
        Timeline(entity, actor, "reported", $"reported as {entity.Classification}, severity {Name(entity.Severity)} (score {entity.RiskScore})", IncidentLayer.Policy);
        audit.Record(actor, "incident.report", "incident", entity.Reference, actor.OrganisationId, null,
            new { entity.Reference, entity.Title, entity.Classification, entity.Severity, entity.Tlp, affected });
        if (beforeSave is not null)
        {
            await beforeSave(entity);
        }

        await db.SaveChangesAsync(ct);
        return await GetAsync(actor, entity.Id, ct);
    }

    public async Task<IncidentDto> GetAsync(Actor actor, Guid id, CancellationToken ct)
    {
        var (incident, layer, _) = await LoadVisibleAsync(actor, id, ct);
        return await ProjectAsync(actor, incident, layer, ct);
    }

    public async Task<IReadOnlyList<IncidentDto>> ListAsync(Actor actor, IncidentFilter filter, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanReadIncidents(actor), "reading incidents needs the incidents:read scope");
        var query = db.Incidents.AsNoTracking().Include(i => i.Affected).Include(i => i.Teams).Include(i => i.SharedWith).AsSplitQuery();
        if (!filter.IncludeExercises)
        {
            query = query.Where(i => !i.IsExercise);
        }

        if (filter.Status is { } status)
        {
            query = query.Where(i => i.Status == status);
        }

        if (filter.Severity is { } severity)
        {
            query = query.Where(i => i.Severity == severity);
        }

        if (filter.Open is true)
        {
            query = query.Where(i => i.Status != IncidentStatus.Closed && i.Status != IncidentStatus.Rejected && i.Status != IncidentStatus.Merged);
        }

        var principal = await PrincipalAsync(actor, ct);
        var layers = await LayerCommunitiesAsync(ct);
        var sectors = await SectorsByOrganisationAsync(ct);
        var result = new List<IncidentDto>();
        foreach (var incident in await query.OrderByDescending(i => i.ReportedAt).Take(2000).ToListAsync(ct))
        {
            var layer = IncidentLayers.LayerFor(principal, Audience(incident), layers);
            if (layer == IncidentLayer.None)
            {
                continue;
            }

            var dto = Summary(incident, layer, sectors);
            if (filter.Sector is null || dto.Sectors.Contains(filter.Sector))
            {
                result.Add(dto);
            }
        }

        return result;
    }

    public async Task<IncidentDto> MoveAsync(Actor actor, Guid id, StatusChange change, CancellationToken ct)
    {
        var (incident, layer, _) = await LoadVisibleAsync(actor, id, ct, track: true);
        RequireWork(actor, layer);
        if (change.Status is not { } to)
        {
            throw new ValidationFailedException("status", "is required");
        }

        if (to == IncidentStatus.Merged)
        {
            throw new ValidationFailedException("status", "merge through the merge action, which names the incident to merge into");
        }

        IncidentWorkflow.EnsureCanMove(incident.Status, to);
        var reason = RequireReasonIf(IncidentWorkflow.NeedsReason(incident.Status, to), change.Reason);
        var from = incident.Status;
        Advance(incident, to, time.GetUtcNow());
        Timeline(incident, actor, "status", $"{IncidentWorkflow.Name(from)} → {IncidentWorkflow.Name(to)}" + (reason is null ? "" : $": {reason}"), IncidentLayer.Policy);
        audit.Record(actor, "incident.status", "incident", incident.Reference, incident.CoordinatingOrganisationId,
            new { status = from }, new { status = to, reason });
        await db.SaveChangesAsync(ct);
        return await ProjectAsync(actor, incident, layer, ct);
    }

    public async Task<IncidentDto> OverrideSeverityAsync(Actor actor, Guid id, SeverityOverrideInput input, CancellationToken ct)
    {
        var (incident, layer, _) = await LoadVisibleAsync(actor, id, ct, track: true);
        RequireWork(actor, layer);
        if (input.Severity is not { } severity)
        {
            throw new ValidationFailedException("severity", "is required");
        }

        var decision = new SeverityDecision(Assessment(incident), incident.SeverityOverride, incident.SeverityOverrideReason)
            .WithOverride(severity, input.Reason);
        var before = incident.Severity;
        incident.SeverityOverride = decision.Override;
        incident.SeverityOverrideReason = decision.OverrideReason;
        incident.Severity = decision.Effective;
        incident.UpdatedAt = time.GetUtcNow();
        Timeline(incident, actor, "severity", $"severity {Name(before)} → {Name(severity)} (computed {Name(incident.ComputedSeverity)}): {decision.OverrideReason}", IncidentLayer.Policy);
        if (severity > before)
        {
            await notifications.QueueAsync(Responders(incident), "escalation", incident.Id,
                $"{incident.Reference}: escalated to {Name(severity)} / 深刻度が引き上げられました — {decision.OverrideReason}", incident.IsExercise, null, ct);
        }
        audit.Record(actor, "incident.severity-override", "incident", incident.Reference, incident.CoordinatingOrganisationId,
            new { severity = before }, new { severity, reason = decision.OverrideReason });
        await db.SaveChangesAsync(ct);
        return await ProjectAsync(actor, incident, layer, ct);
    }

    public async Task<IncidentDto> AssignTeamAsync(Actor actor, Guid id, TeamInput input, CancellationToken ct)
    {
        var (incident, layer, _) = await LoadVisibleAsync(actor, id, ct, track: true);
        RequireWork(actor, layer);
        var errors = new FieldErrors();
        errors.Check("role", input.Role is null ? "is required" : null);
        errors.Check("organisationId", input.OrganisationId is null ? "is required" : null);
        errors.ThrowIfAny();
        var organisation = await db.Organisations.AsNoTracking().FirstOrDefaultAsync(o => o.Id == input.OrganisationId, ct)
            ?? throw new ValidationFailedException("organisationId", "unknown organisation");
        var existing = incident.Teams.FirstOrDefault(t => t.OrganisationId == organisation.Id);
        var before = existing?.Role;
        if (existing is null)
        {
            incident.Teams.Add(new IncidentTeamEntity { IncidentId = incident.Id, OrganisationId = organisation.Id, Role = input.Role!.Value, AssignedAt = time.GetUtcNow() });
        }
        else
        {
            existing.Role = input.Role!.Value;
        }

        incident.UpdatedAt = time.GetUtcNow();
        Timeline(incident, actor, "team", $"{organisation.Name} assigned as {RoleName(input.Role!.Value)}", IncidentLayer.LawEnforcement);
        await notifications.QueueAsync([organisation.Id], "assignment", incident.Id,
            $"{incident.Reference}: your organisation was assigned as {RoleName(input.Role!.Value)} / {RoleNameJa(input.Role!.Value)}として割り当てられました — {incident.Title}",
            incident.IsExercise, null, ct);
        audit.Record(actor, "incident.team-assign", "incident", incident.Reference, organisation.Id,
            before is null ? null : new { organisation = organisation.Id, role = before }, new { organisation = organisation.Id, role = input.Role });
        await db.SaveChangesAsync(ct);
        return await ProjectAsync(actor, incident, layer, ct);
    }

    public async Task<IncidentDto> RemoveTeamAsync(Actor actor, Guid id, Guid organisationId, CancellationToken ct)
    {
        var (incident, layer, _) = await LoadVisibleAsync(actor, id, ct, track: true);
        RequireWork(actor, layer);
        var team = incident.Teams.FirstOrDefault(t => t.OrganisationId == organisationId) ?? throw new NotFoundException("team", organisationId.ToString());
        incident.Teams.Remove(team);
        incident.UpdatedAt = time.GetUtcNow();
        Timeline(incident, actor, "team", $"team {organisationId} ({RoleName(team.Role)}) removed", IncidentLayer.LawEnforcement);
        audit.Record(actor, "incident.team-remove", "incident", incident.Reference, organisationId, new { organisation = organisationId, role = team.Role }, null);
        await db.SaveChangesAsync(ct);
        return await ProjectAsync(actor, incident, layer, ct);
    }

    public async Task<TaskDto> AddTaskAsync(Actor actor, Guid id, TaskInput input, CancellationToken ct)
    {
        var (incident, layer, _) = await LoadVisibleAsync(actor, id, ct, track: true);
        RequireWork(actor, layer);
        var errors = new FieldErrors();
        errors.Check("title", FieldRules.RequiredText(input.Title, 500));
        var owner = input.OwnerOrganisationId ?? actor.OrganisationId;
        var ownerOrg = await db.Organisations.AsNoTracking().FirstOrDefaultAsync(o => o.Id == owner, ct);
        errors.Check("ownerOrganisationId", ownerOrg is null ? "unknown organisation" : null);
        errors.ThrowIfAny();
        var task = new IncidentTaskEntity
        {
            Id = Guid.NewGuid(), IncidentId = incident.Id, Title = input.Title!.Trim(), OwnerOrganisationId = owner,
            DueAt = input.DueAt, CreatedAt = time.GetUtcNow(),
        };
        db.IncidentTasks.Add(task);
        incident.UpdatedAt = task.CreatedAt;
        Timeline(incident, actor, "task", $"task '{task.Title}' for {ownerOrg!.Name}" + (task.DueAt is { } due ? $", due {due:u}" : ""), IncidentLayer.Full);
        audit.Record(actor, "incident.task-add", "incident", incident.Reference, owner, null, new { task.Id, task.Title, task.DueAt });
        await db.SaveChangesAsync(ct);
        return new TaskDto(task.Id, task.Title, Ref(ownerOrg), task.DueAt, task.CreatedAt, null);
    }

    public async Task<TaskDto> CompleteTaskAsync(Actor actor, Guid id, Guid taskId, CancellationToken ct)
    {
        var (incident, layer, _) = await LoadVisibleAsync(actor, id, ct, track: true);
        ForbiddenException.ThrowUnless(AccessRules.CanReportIncident(actor) && layer == IncidentLayer.Full, "only responders on the incident may complete its tasks");
        var task = await db.IncidentTasks.FirstOrDefaultAsync(t => t.Id == taskId && t.IncidentId == incident.Id, ct)
            ?? throw new NotFoundException("task", taskId.ToString());
        if (task.DoneAt is null)
        {
            task.DoneAt = time.GetUtcNow();
            incident.UpdatedAt = task.DoneAt.Value;
            Timeline(incident, actor, "task", $"task '{task.Title}' done", IncidentLayer.Full);
            audit.Record(actor, "incident.task-done", "incident", incident.Reference, task.OwnerOrganisationId, new { task.Id, done = false }, new { task.Id, done = true });
            await db.SaveChangesAsync(ct);
        }

        var owner = await db.Organisations.AsNoTracking().FirstAsync(o => o.Id == task.OwnerOrganisationId, ct);
        return new TaskDto(task.Id, task.Title, Ref(owner), task.DueAt, task.CreatedAt, task.DoneAt);
    }

    public async Task<IncidentDto> AddNoteAsync(Actor actor, Guid id, NoteInput input, CancellationToken ct)
    {
        var (incident, layer, _) = await LoadVisibleAsync(actor, id, ct, track: true);
        ForbiddenException.ThrowUnless(AccessRules.CanAddIncidentEvidence(actor, layer), "only responders, police and defence on the incident may add notes");
        var errors = new FieldErrors();
        errors.Check("text", FieldRules.RequiredText(input.Text, MaxNoteLength));
        var noteLayer = input.Layer ?? IncidentLayer.Full;
        errors.Check("layer", noteLayer == IncidentLayer.None || !Enum.IsDefined(noteLayer) ? "must be policy, technical, law-enforcement or full" : null);
        errors.ThrowIfAny();
        incident.UpdatedAt = time.GetUtcNow();
        Timeline(incident, actor, "note", input.Text!.Trim(), noteLayer);
        audit.Record(actor, "incident.note", "incident", incident.Reference, actor.OrganisationId, null, new { text = input.Text.Trim(), layer = noteLayer });
        await db.SaveChangesAsync(ct);
        return await ProjectAsync(actor, incident, layer, ct);
    }

    /// <summary>An exercise inject of kind message: a timeline line marked EXERCISE, visible to every layer that sees the incident.</summary>
    public async Task AddExerciseMessageAsync(Actor actor, Guid id, string text, CancellationToken ct)
    {
        var (incident, layer, _) = await LoadVisibleAsync(actor, id, ct, track: true);
        RequireWork(actor, layer);
        if (!incident.IsExercise)
        {
            throw new ConflictException("exercise messages go to exercise incidents only");
        }

        incident.UpdatedAt = time.GetUtcNow();
        Timeline(incident, actor, "inject", "[EXERCISE] " + text, IncidentLayer.Policy);
        audit.Record(actor, "incident.exercise-inject", "incident", incident.Reference, incident.CoordinatingOrganisationId, null, new { text });
        await db.SaveChangesAsync(ct);
    }

    public async Task<EvidenceDto> AddEvidenceAsync(Actor actor, Guid id, string? fileName, string? contentType, Stream content, string? description, CancellationToken ct)
    {
        var (incident, layer, _) = await LoadVisibleAsync(actor, id, ct, track: true);
        ForbiddenException.ThrowUnless(AccessRules.CanAddIncidentEvidence(actor, layer), "only responders, police and defence on the incident may add evidence");
        var errors = new FieldErrors();
        var name = Path.GetFileName(fileName ?? "").Trim();
        errors.Check("file", FieldRules.RequiredText(name, 255));
        errors.Check("description", FieldRules.OptionalText(description, 4000));
        errors.ThrowIfAny();
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await content.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxEvidenceBytes)
            {
                throw new ValidationFailedException("file", $"evidence files are limited to {MaxEvidenceBytes / (1024 * 1024)} MiB");
            }

            buffer.Write(chunk, 0, read);
        }

        var bytes = buffer.ToArray();
        var evidence = new IncidentEvidenceEntity
        {
            Id = Guid.NewGuid(), IncidentId = incident.Id, FileName = name,
            ContentType = string.IsNullOrWhiteSpace(contentType) ? "application/octet-stream" : contentType.Trim(),
            Size = bytes.Length, Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)), Content = bytes,
            Description = OrganisationService.Blank(description), AddedAt = time.GetUtcNow(), AddedBy = actor.UserName,
            AddedByOrganisationId = actor.OrganisationId,
        };
        db.IncidentEvidence.Add(evidence);
        incident.UpdatedAt = evidence.AddedAt;
        Timeline(incident, actor, "evidence", $"evidence '{evidence.FileName}' ({evidence.Size} bytes, sha256 {evidence.Sha256})", IncidentLayer.LawEnforcement);
        audit.Record(actor, "incident.evidence-add", "incident", incident.Reference, actor.OrganisationId, null,
            new { evidence.Id, evidence.FileName, evidence.Size, evidence.Sha256 });
        await db.SaveChangesAsync(ct);
        return ToDto(evidence);
    }

    public async Task<(EvidenceDto Meta, byte[] Content)> GetEvidenceAsync(Actor actor, Guid id, Guid evidenceId, CancellationToken ct)
    {
        var (incident, layer, _) = await LoadVisibleAsync(actor, id, ct);
        if (layer < IncidentLayer.LawEnforcement)
        {
            throw new NotFoundException("evidence", evidenceId.ToString());
        }

        var evidence = await db.IncidentEvidence.AsNoTracking().FirstOrDefaultAsync(e => e.Id == evidenceId && e.IncidentId == incident.Id, ct)
            ?? throw new NotFoundException("evidence", evidenceId.ToString());
        return (ToDto(evidence), evidence.Content);
    }

    public async Task<IncidentDto> MergeAsync(Actor actor, Guid id, MergeInput input, CancellationToken ct)
    {
        var (incident, layer, _) = await LoadVisibleAsync(actor, id, ct, track: true);
        RequireWork(actor, layer);
        if (input.Into is not { } intoId || intoId == id)
        {
            throw new ValidationFailedException("into", "name another incident to merge into");
        }

        var (target, targetLayer, _) = await LoadVisibleAsync(actor, intoId, ct, track: true);
        RequireWork(actor, targetLayer);
        if (!IncidentWorkflow.IsOpen(target.Status))
        {
            throw new ConflictException($"{target.Reference} is {IncidentWorkflow.Name(target.Status)}; merge into an open incident", "into");
        }

        if (target.IsExercise != incident.IsExercise)
        {
            throw new ConflictException("an exercise incident and a real one cannot be merged", "into");
        }

        IncidentWorkflow.EnsureCanMove(incident.Status, IncidentStatus.Merged);
        var reason = RequireReasonIf(true, input.Reason);
        var now = time.GetUtcNow();
        foreach (var organisation in incident.Affected.Where(a => target.Affected.All(t => t.OrganisationId != a.OrganisationId)))
        {
            target.Affected.Add(new IncidentOrganisationEntity { IncidentId = target.Id, OrganisationId = organisation.OrganisationId });
        }

        foreach (var team in incident.Teams.Where(a => target.Teams.All(t => t.OrganisationId != a.OrganisationId)))
        {
            target.Teams.Add(new IncidentTeamEntity { IncidentId = target.Id, OrganisationId = team.OrganisationId, Role = team.Role, AssignedAt = now });
        }

        foreach (var community in incident.SharedWith.Where(a => target.SharedWith.All(t => t.CommunityId != a.CommunityId)))
        {
            target.SharedWith.Add(new IncidentCommunityEntity { IncidentId = target.Id, CommunityId = community.CommunityId });
        }

        target.Tlp = (Tlp)Math.Max((int)target.Tlp, (int)incident.Tlp);
        Reassess(target);
        target.UpdatedAt = now;
        incident.Status = IncidentStatus.Merged;
        incident.MergedIntoId = target.Id;
        incident.UpdatedAt = now;
        Timeline(incident, actor, "merged", $"merged into {target.Reference}: {reason}", IncidentLayer.Policy);
        Timeline(target, actor, "merged", $"{incident.Reference} merged into this incident: {reason}", IncidentLayer.Policy);
        audit.Record(actor, "incident.merge", "incident", incident.Reference, incident.CoordinatingOrganisationId,
            new { status = IncidentStatus.Merged }, new { into = target.Reference, reason });
        await db.SaveChangesAsync(ct);
        return await ProjectAsync(actor, target, targetLayer, ct);
    }

    // ---------------------------------------------------------------- internals

    private async Task<(IncidentEntity Incident, IncidentLayer Layer, Principal Principal)> LoadVisibleAsync(Actor actor, Guid id, CancellationToken ct, bool track = false)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanReadIncidents(actor), "reading incidents needs the incidents:read scope");
        var query = db.Incidents.Include(i => i.Affected).Include(i => i.Teams).Include(i => i.SharedWith).AsSplitQuery();
        var incident = await (track ? query : query.AsNoTracking()).FirstOrDefaultAsync(i => i.Id == id, ct)
            ?? throw new NotFoundException("incident", id.ToString());
        var principal = await PrincipalAsync(actor, ct);
        var layer = IncidentLayers.LayerFor(principal, Audience(incident), await LayerCommunitiesAsync(ct));
        if (layer == IncidentLayer.None)
        {
            throw new NotFoundException("incident", id.ToString());
        }

        return (incident, layer, principal);
    }

    private static void RequireWork(Actor actor, IncidentLayer layer) =>
        ForbiddenException.ThrowUnless(AccessRules.CanWorkIncident(actor, layer),
            "only responders on the incident (coordinator, affected organisation, national SOC, mobile assistance team, CSIRT) may work it");

    private static string? RequireReasonIf(bool required, string? reason)
    {
        var trimmed = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        if (required && trimmed is null)
        {
            throw new ValidationFailedException("reason", "this change needs a reason");
        }

        if (trimmed is { Length: > 2000 })
        {
            throw new ValidationFailedException("reason", "must be at most 2000 characters");
        }

        return trimmed;
    }

    private static void Advance(IncidentEntity incident, IncidentStatus to, DateTimeOffset now)
    {
        incident.Status = to;
        incident.UpdatedAt = now;
        switch (to)
        {
            case IncidentStatus.Triaged: incident.TriagedAt ??= now; break;
            case IncidentStatus.Contained: incident.TriagedAt ??= now; incident.ContainedAt ??= now; break;
            case IncidentStatus.Eradicated: incident.TriagedAt ??= now; incident.EradicatedAt ??= now; break;
            case IncidentStatus.Recovered: incident.TriagedAt ??= now; incident.RecoveredAt ??= now; break;
            case IncidentStatus.Closed: incident.ClosedAt = now; break;
        }
    }

    private static RiskAssessment Assessment(IncidentEntity incident) => RiskScore.Assess(new RiskInputs(
        incident.AssetCriticality, incident.CriticalInfrastructure, incident.Affected.Count, incident.DataSensitivity, incident.IndicatorConfidence));

    private static void Reassess(IncidentEntity incident)
    {
        var risk = Assessment(incident);
        incident.RiskScore = risk.Score;
        incident.ComputedSeverity = risk.Severity;
        incident.Severity = incident.SeverityOverride ?? risk.Severity;
    }

    /// <summary>Adds a timeline line and its ledger entry (category incident-timeline) to the same unit of work.</summary>
    private void Timeline(IncidentEntity incident, Actor actor, string kind, string text, IncidentLayer layer)
    {
        var line = new IncidentTimelineEntity
        {
            IncidentId = incident.Id, At = time.GetUtcNow(), Kind = kind, Text = text.Length > MaxNoteLength ? text[..MaxNoteLength] : text,
            ActorUserId = actor.UserId == Guid.Empty ? null : actor.UserId, ActorName = actor.UserName,
            ActorOrganisationId = actor.OrganisationId == Guid.Empty ? null : actor.OrganisationId, Layer = layer,
        };
        db.IncidentTimeline.Add(line);
        ledger.Stage(new Ledger.LedgerRecord("incident-timeline", incident.CoordinatingOrganisationId,
            System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new
            {
                incident = incident.Id, reference = incident.Reference, at = line.At, kind, text = line.Text, actor = actor.UserName,
                actorOrganisation = line.ActorOrganisationId, layer = layer.ToString(), exercise = incident.IsExercise,
            }, MusubiJson.Options)));
    }

    private async Task<string> NextReferenceAsync(int year, CancellationToken ct)
    {
        var counter = await db.IncidentCounters.FirstOrDefaultAsync(c => c.Year == year, ct);
        if (counter is null)
        {
            counter = new IncidentCounterEntity { Year = year, Last = 0 };
            db.IncidentCounters.Add(counter);
        }

        counter.Last++;
        return $"INC-{year}-{counter.Last:D5}";
    }

    private async Task<Guid> CoordinatorAsync(Actor actor, CancellationToken ct)
    {
        var own = await db.Organisations.AsNoTracking().Where(o => o.Id == actor.OrganisationId).Select(o => o.Kind).FirstOrDefaultAsync(ct);
        if (own == OrganisationKind.NationalCentre)
        {
            return actor.OrganisationId;
        }

        var centre = await db.Organisations.AsNoTracking().Where(o => o.Kind == OrganisationKind.NationalCentre)
            .OrderBy(o => o.CreatedAt).Select(o => (Guid?)o.Id).FirstOrDefaultAsync(ct);
        return centre ?? actor.OrganisationId;
    }

    private async Task<List<Guid>> ResolveCommunitiesAsync(IReadOnlyList<string>? slugs, FieldErrors errors, CancellationToken ct)
    {
        var wanted = (slugs ?? []).Select(s => s.Trim()).Where(s => s.Length > 0).Distinct().ToList();
        if (wanted.Count > 100)
        {
            errors.Add("sharedWithCommunities", "at most 100 communities");
            return [];
        }

        var found = await db.Communities.AsNoTracking().Where(c => wanted.Contains(c.Slug)).Select(c => new { c.Slug, c.Id }).ToListAsync(ct);
        foreach (var missing in wanted.Where(w => found.All(f => f.Slug != w)))
        {
            errors.Add("sharedWithCommunities", $"unknown community '{missing}'");
        }

        return found.Select(f => f.Id).ToList();
    }

    /// <summary>The access policy's principal for the actor: the same resolution the intelligence store uses.</summary>
    private Task<Principal> PrincipalAsync(Actor actor, CancellationToken ct) => principals.ForAsync(actor, ct);

    private async Task<LayerCommunities> LayerCommunitiesAsync(CancellationToken ct)
    {
        var layers = await db.Communities.AsNoTracking().Where(c => c.Slug == "layer-law-enforcement" || c.Slug == "layer-policy")
            .Select(c => new { c.Slug, c.Id }).ToListAsync(ct);
        return new LayerCommunities(
            layers.FirstOrDefault(l => l.Slug == "layer-law-enforcement")?.Id,
            layers.FirstOrDefault(l => l.Slug == "layer-policy")?.Id);
    }

    private async Task<Dictionary<Guid, string?>> SectorsByOrganisationAsync(CancellationToken ct) =>
        await db.Organisations.AsNoTracking().Select(o => new { o.Id, o.SectorId }).ToDictionaryAsync(o => o.Id, o => o.SectorId, ct);

    private static IncidentAudience Audience(IncidentEntity incident) => new(
        incident.CoordinatingOrganisationId,
        incident.Affected.Select(a => a.OrganisationId).ToHashSet(),
        incident.Teams.ToDictionary(t => t.OrganisationId, t => t.Role),
        new ObjectMarking(incident.Tlp, incident.CoordinatingOrganisationId, SharingScope.Of(incident.SharedWith.Select(s => s.CommunityId))));

    private IncidentDto Summary(IncidentEntity i, IncidentLayer layer, IReadOnlyDictionary<Guid, string?> sectors)
    {
        var full = layer == IncidentLayer.Full;
        var named = layer >= IncidentLayer.LawEnforcement;
        var cls = IncidentTaxonomy.Find(i.Classification);
        return new IncidentDto(
            i.Id, i.Reference, layer,
            named ? i.Title : cls?.NameEn ?? i.Classification,
            i.Classification, i.Status, i.Severity, i.Tlp, i.IsExercise, i.ReportedAt, i.UpdatedAt,
            i.Affected.Select(a => sectors.GetValueOrDefault(a.OrganisationId)).OfType<string>().Distinct().Order().ToList(),
            i.Affected.Count,
            named ? i.Description : null,
            null, null, null,
            full ? new RiskDto(i.RiskScore, i.ComputedSeverity, i.SeverityOverride, i.SeverityOverrideReason, i.AssetCriticality,
                i.CriticalInfrastructure, i.Affected.Count, i.DataSensitivity, i.IndicatorConfidence) : null,
            full ? options.Deadlines.Next(i.Status, i.Severity, i.ReportedAt, time.GetUtcNow()) : null,
            full ? IncidentWorkflow.NextFrom(i.Status).Where(s => s != IncidentStatus.Merged).ToList() : null,
            null, null, null, i.MergedIntoId);
    }

    private async Task<IncidentDto> ProjectAsync(Actor actor, IncidentEntity i, IncidentLayer layer, CancellationToken ct)
    {
        _ = actor;
        var organisationIds = i.Affected.Select(a => a.OrganisationId).Concat(i.Teams.Select(t => t.OrganisationId)).Append(i.CoordinatingOrganisationId).ToHashSet();
        var organisations = await db.Organisations.AsNoTracking().Where(o => organisationIds.Contains(o.Id)).ToDictionaryAsync(o => o.Id, ct);
        var sectors = organisations.ToDictionary(o => o.Key, o => o.Value.SectorId);
        var summary = Summary(i, layer, sectors);
        var named = layer >= IncidentLayer.LawEnforcement;
        var full = layer == IncidentLayer.Full;
        var timeline = await db.IncidentTimeline.AsNoTracking().Where(t => t.IncidentId == i.Id).OrderBy(t => t.Id).ToListAsync(ct);
        var tasks = full ? await db.IncidentTasks.AsNoTracking().Where(t => t.IncidentId == i.Id).OrderBy(t => t.CreatedAt).ToListAsync(ct) : [];
        var taskOwners = tasks.Select(t => t.OwnerOrganisationId).Where(o => !organisations.ContainsKey(o)).ToHashSet();
        foreach (var extra in await db.Organisations.AsNoTracking().Where(o => taskOwners.Contains(o.Id)).ToListAsync(ct))
        {
            organisations[extra.Id] = extra;
        }

        var evidence = named
            ? await db.IncidentEvidence.AsNoTracking().Where(e => e.IncidentId == i.Id).OrderBy(e => e.AddedAt)
                .Select(e => new EvidenceDto(e.Id, e.FileName, e.ContentType, e.Size, e.Sha256, e.Description, e.AddedAt, e.AddedBy)).ToListAsync(ct)
            : null;
        return summary with
        {
            Affected = named ? i.Affected.Select(a => Ref(organisations[a.OrganisationId])).OrderBy(o => o.Name).ToList() : null,
            Coordinator = layer >= IncidentLayer.Technical ? Ref(organisations[i.CoordinatingOrganisationId]) : null,
            Teams = layer >= IncidentLayer.Technical
                ? i.Teams.OrderBy(t => t.AssignedAt).Select(t => new TeamDto(Ref(organisations[t.OrganisationId]), t.Role, t.AssignedAt)).ToList()
                : null,
            Tasks = full ? tasks.Select(t => new TaskDto(t.Id, t.Title, Ref(organisations[t.OwnerOrganisationId]), t.DueAt, t.CreatedAt, t.DoneAt)).ToList() : null,
            Timeline = timeline.Where(t => t.Layer <= layer)
                .Select(t => new TimelineDto(t.Id, t.At, t.Kind, t.Text, named ? t.ActorName : "", t.Layer)).ToList(),
            Evidence = evidence,
            Indicators = layer >= IncidentLayer.Technical ? await IndicatorsOfAsync(i.Id, ct) : null,
            LessonsLearned = full ? i.LessonsLearned : null,
        };
    }

    /// <summary>The organisations told about escalations and deadlines: coordinator, affected organisations and full-layer teams.</summary>
    internal static IEnumerable<Guid> Responders(IncidentEntity incident) =>
        incident.Affected.Select(a => a.OrganisationId)
            .Concat(incident.Teams.Where(t => IncidentLayers.LayerOf(t.Role) == IncidentLayer.Full).Select(t => t.OrganisationId))
            .Append(incident.CoordinatingOrganisationId).Distinct();

    private static string RoleNameJa(IncidentRole role) => role switch
    {
        IncidentRole.NationalSoc => "政府SOC",
        IncidentRole.MobileAssistanceTeam => "機動的支援チーム",
        IncidentRole.OrganisationCsirt => "組織内CSIRT",
        IncidentRole.SectorCoordinator => "分野別調整役",
        IncidentRole.Vendor => "ベンダー",
        IncidentRole.Police => "警察",
        IncidentRole.Defence => "防衛",
        _ => role.ToString(),
    };

    private static OrganisationRef Ref(OrganisationEntity o) => new(o.Id, o.Name, o.NameJa, o.Kind);

    private static EvidenceDto ToDto(IncidentEvidenceEntity e) =>
        new(e.Id, e.FileName, e.ContentType, e.Size, e.Sha256, e.Description, e.AddedAt, e.AddedBy);

    private static string Name(Severity severity) => severity.ToString().ToLowerInvariant();

    private static string RoleName(IncidentRole role) => role switch
    {
        IncidentRole.NationalSoc => "national SOC",
        IncidentRole.MobileAssistanceTeam => "mobile assistance team",
        IncidentRole.OrganisationCsirt => "organisation CSIRT",
        IncidentRole.SectorCoordinator => "sector coordinator",
        IncidentRole.Vendor => "vendor",
        IncidentRole.Police => "police",
        IncidentRole.Defence => "defence",
        _ => role.ToString(),
    };

    private static string? CatchMessage(Action action)
    {
        try
        {
            action();
            return null;
        }
        catch (ValidationFailedException e)
        {
            return e.Errors.Values.SelectMany(v => v).FirstOrDefault();
        }
    }
}

/// <summary>Incident settings: deadlines per severity.</summary>
public sealed class IncidentOptions
{
    public StageDeadlines Deadlines { get; init; } = StageDeadlines.Default;
}
