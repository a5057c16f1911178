using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Constituency;
using Musubi.Core.Detection;
using Musubi.Core.Identity;
using Musubi.Core.Incidents;
using Musubi.Core.Sharing;
using Musubi.Core.Validation;
using Musubi.Infrastructure.Detection;

namespace Musubi.Infrastructure.Incidents;

/// <summary>Alerts escalated into one incident. Omitted values are derived from the alerts (docs/INCIDENTS.md).</summary>
public sealed record AlertEscalationInput(
    IReadOnlyList<Guid>? AlertIds,
    string? Title = null,
    string? Classification = null,
    int? AssetCriticality = null,
    DataSensitivity? DataSensitivity = null,
    Tlp? Tlp = null,
    IReadOnlyList<string>? SharedWithCommunities = null);

public sealed partial class IncidentService
{
    public const int MaxAlertsPerEscalation = 100;

    /// <summary>
    /// Creates one incident from one or several alerts: their organisations are the affected organisations, their
    /// evidence is attached, indicator hits become the incident's indicators, and the risk score takes its indicator
    /// confidence from them. Each alert is marked escalated and linked to the incident. One unit of work: the incident,
    /// the links, the alerts' status, the evidence, the timeline and the audit entries commit together or not at all.
    /// </summary>
    public async Task<IncidentDto> EscalateAlertsAsync(Actor actor, AlertEscalationInput input, CancellationToken ct)
    {
        var ids = (input.AlertIds ?? []).Distinct().ToList();
        if (ids.Count == 0)
        {
            throw new ValidationFailedException("alertIds", "name at least one alert");
        }

        if (ids.Count > MaxAlertsPerEscalation)
        {
            throw new ValidationFailedException("alertIds", $"at most {MaxAlertsPerEscalation} alerts");
        }

        var alerts = await db.Set<AlertEntity>().Where(a => ids.Contains(a.Id)).ToListAsync(ct);
        var soc = await db.Organisations.AsNoTracking().AnyAsync(o => o.Id == actor.OrganisationId && o.Kind == OrganisationKind.NationalCentre, ct);
        foreach (var id in ids)
        {
            var alert = alerts.FirstOrDefault(a => a.Id == id);
            if (alert is null || !DetectionAccessRules.CanReadAlerts(actor, alert.OrganisationId, soc))
            {
                // An alert the caller may not see does not exist for them.
                throw new NotFoundException("alert", id.ToString());
            }
        }

        ForbiddenException.ThrowUnless(AccessRules.CanEscalateAlerts(actor, alerts.Select(a => a.OrganisationId), soc),
            "escalating alerts needs an analyst or organisation administrator of the alerts' organisation, or of the national SOC");
        await RefuseEscalatedAsync(ids, ct);

        alerts = [.. ids.Select(id => alerts.First(a => a.Id == id))];
        var indicators = alerts.Select(a => (Alert: a, Hit: IndicatorHitOf(a))).ToList();
        var confidence = indicators.Max(i => i.Hit?.Confidence ?? i.Alert.Severity);
        var first = alerts[0];
        var title = input.Title is { Length: > 0 } given ? given
            : alerts.Count == 1 ? first.Title : $"{first.Title} (+{alerts.Count - 1} alerts)";
        if (title.Length > MaxTitleLength)
        {
            title = title[..MaxTitleLength];
        }

        var description = new StringBuilder("Escalated from alerts:\n");
        foreach (var a in alerts)
        {
            description.Append(CultureInvariant($"- [{a.Kind}] {a.Title} on {a.Host}: {a.Count}× between {a.FirstSeen:u} and {a.LastSeen:u}, severity {a.Severity} (alert {a.Id})\n"));
        }

        var report = new IncidentInput(
            title,
            description.Length > MaxDescriptionLength ? description.ToString(0, MaxDescriptionLength) : description.ToString(),
            input.Classification ?? (indicators.Any(i => i.Hit is not null) ? "malicious-code/infected-system" : "other/undetermined"),
            [.. alerts.Select(a => a.OrganisationId).Distinct()],
            input.AssetCriticality,
            input.DataSensitivity,
            Math.Clamp(confidence, 0, 100),
            input.Tlp,
            input.SharedWithCommunities);

        try
        {
            return await ReportAsync(actor, report, async incident =>
            {
                var now = time.GetUtcNow();
                foreach (var (alert, hit) in indicators)
                {
                    db.Set<IncidentAlertEntity>().Add(new IncidentAlertEntity { AlertId = alert.Id, IncidentId = incident.Id, EscalatedAt = now, EscalatedBy = actor.UserName });
                    var before = alert.Status;
                    alert.Status = "escalated";
                    if (alert.AcknowledgedAt is null)
                    {
                        alert.AcknowledgedAt = now;
                        alert.AcknowledgedBy = actor.UserId == Guid.Empty ? null : actor.UserId;
                    }

                    var content = Encoding.UTF8.GetBytes(alert.Evidence);
                    db.IncidentEvidence.Add(new IncidentEvidenceEntity
                    {
                        Id = Guid.NewGuid(), IncidentId = incident.Id, FileName = $"alert-{alert.Id}.json", ContentType = "application/json",
                        Size = content.Length, Sha256 = Convert.ToHexStringLower(SHA256.HashData(content)), Content = content,
                        Description = $"Evidence of alert '{Truncate(alert.Title, 3000)}' ({alert.Kind} {Truncate(alert.SourceId, 200)})",
                        AddedAt = now, AddedBy = actor.UserName, AddedByOrganisationId = actor.OrganisationId,
                    });
                    if (hit is not null && db.ChangeTracker.Entries<IncidentIndicatorEntity>()
                            .All(e => e.Entity.IncidentId != incident.Id || e.Entity.Type != hit.Type || e.Entity.Value != hit.Value))
                    {
                        db.Set<IncidentIndicatorEntity>().Add(new IncidentIndicatorEntity
                        {
                            Id = Guid.NewGuid(), IncidentId = incident.Id, Type = hit.Type, Value = hit.Value, SourceAlertId = alert.Id, AddedAt = now,
                            Description = $"matched by alert {alert.Id}",
                        });
                    }

                    audit.Record(actor, "alert.escalate", "alert", alert.Id.ToString(), alert.OrganisationId, new { Status = before },
                        new { alert.Status, incident = incident.Reference });
                }

                Timeline(incident, actor, "escalated",
                    $"escalated from {alerts.Count} alert(s): " + string.Join("; ", alerts.Select(a => $"{a.Title} ({a.Id})")), IncidentLayer.Full);
                await notifications.QueueAsync(Responders(incident), "escalation", incident.Id,
                    $"{incident.Reference}: alerts escalated to an incident / アラートがインシデントに引き上げられました — {incident.Title}", false, null, ct);
            }, ct);
        }
        catch (DbUpdateException)
        {
            // Another escalation of one of these alerts committed first (the link's key is the alert id).
            db.ChangeTracker.Clear();
            await RefuseEscalatedAsync(ids, ct);
            throw;
        }
    }

    private async Task RefuseEscalatedAsync(List<Guid> ids, CancellationToken ct)
    {
        var escalated = await db.Set<IncidentAlertEntity>().AsNoTracking().Where(l => ids.Contains(l.AlertId)).Select(l => l.AlertId).ToListAsync(ct);
        escalated.AddRange(await db.Set<AlertEntity>().AsNoTracking().Where(a => ids.Contains(a.Id) && a.Status == "escalated").Select(a => a.Id).ToListAsync(ct));
        if (escalated.Count > 0)
        {
            throw new ConflictException("already escalated: " + string.Join(", ", escalated.Distinct().Order()), "alertIds");
        }
    }

    private sealed record AlertIndicator(string Type, string Value, int? Confidence);

    /// <summary>
    /// The indicator an indicator alert matched (the threat's address, domain, URL or hash). Sigma alerts carry the
    /// victim's own event, whose addresses would identify the victim: nothing is taken from them.
    /// </summary>
    private static AlertIndicator? IndicatorHitOf(AlertEntity alert)
    {
        if (alert.Kind != "indicator")
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(alert.Evidence);
            if (!document.RootElement.TryGetProperty("indicator", out var indicator)
                || !indicator.TryGetProperty("kind", out var kind) || !indicator.TryGetProperty("value", out var value)
                || kind.GetString() is not { Length: > 0 } k || value.GetString() is not { Length: > 0 and <= 2048 } v)
            {
                return null;
            }

            int? confidence = indicator.TryGetProperty("confidence", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : null;
            return IncidentIndicatorTypes.IsKnown(k) ? new AlertIndicator(k, v, confidence) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];

    private static string CultureInvariant(FormattableString text) => FormattableString.Invariant(text);
}

/// <summary>The kinds of indicator an incident lists, named as the detection engine names them.</summary>
public static class IncidentIndicatorTypes
{
    public static readonly IReadOnlyList<string> All = ["ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr", "md5", "sha-1", "sha-256"];

    public static bool IsKnown(string type) => All.Contains(type);
}
