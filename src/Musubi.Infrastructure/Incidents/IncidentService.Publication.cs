using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Core.Incidents;
using Musubi.Core.Sharing;
using Musubi.Core.Validation;
using Musubi.Infrastructure.Constituency;
using Musubi.Infrastructure.Intelligence;

namespace Musubi.Infrastructure.Incidents;

public sealed record IndicatorInput(string? Type, string? Value, string? Description);

public sealed record IndicatorDto(Guid Id, string Type, string Value, string? Description, Guid? SourceAlertId, DateTimeOffset AddedAt, string? PublishedStixId);

/// <summary>Publish the incident's indicators with this TLP to these communities (slugs).</summary>
public sealed record IndicatorPublication(Tlp? Tlp, IReadOnlyList<string>? Communities);

public sealed record IndicatorPublicationResult(IReadOnlyList<string> Published, IReadOnlyList<string> Withheld, Tlp Tlp, string BundleJson);

public sealed partial class IncidentService
{
    public const int MaxIndicatorsPerIncident = 5000;

    public async Task<IReadOnlyList<IndicatorDto>> ListIndicatorsAsync(Actor actor, Guid id, CancellationToken ct)
    {
        var (incident, layer, _) = await LoadVisibleAsync(actor, id, ct);
        return layer >= IncidentLayer.Technical ? await IndicatorsOfAsync(incident.Id, ct) : [];
    }

    public async Task<IndicatorDto> AddIndicatorAsync(Actor actor, Guid id, IndicatorInput input, CancellationToken ct)
    {
        var (incident, layer, _) = await LoadVisibleAsync(actor, id, ct, track: true);
        RequireWork(actor, layer);
        var errors = new FieldErrors();
        var type = input.Type?.Trim().ToLowerInvariant();
        errors.Check("type", type is null ? "is required" : IncidentIndicatorTypes.IsKnown(type) ? null : "one of " + string.Join(", ", IncidentIndicatorTypes.All));
        errors.Check("value", FieldRules.RequiredText(input.Value, 2048));
        errors.Check("description", FieldRules.OptionalText(input.Description, 4000));
        errors.ThrowIfAny();
        var value = input.Value!.Trim();
        errors.Check("value", IndicatorPattern(type!, value) is null ? $"not a valid {type}" : null);
        errors.ThrowIfAny();
        if (await db.Set<IncidentIndicatorEntity>().AnyAsync(i => i.IncidentId == id && i.Type == type && i.Value == value, ct))
        {
            throw new ConflictException($"the incident already lists {type} {value}", "value");
        }

        if (await db.Set<IncidentIndicatorEntity>().CountAsync(i => i.IncidentId == id, ct) >= MaxIndicatorsPerIncident)
        {
            throw new ValidationFailedException("value", $"an incident lists at most {MaxIndicatorsPerIncident} indicators");
        }

        var entity = new IncidentIndicatorEntity
        {
            Id = Guid.NewGuid(), IncidentId = id, Type = type!, Value = value, Description = OrganisationService.Blank(input.Description), AddedAt = time.GetUtcNow(),
        };
        db.Set<IncidentIndicatorEntity>().Add(entity);
        incident.UpdatedAt = entity.AddedAt;
        Timeline(incident, actor, "indicator", $"indicator {type} {value} added", IncidentLayer.Technical);
        audit.Record(actor, "incident.indicator-add", "incident", incident.Reference, incident.CoordinatingOrganisationId, null, new { type, value });
        await db.SaveChangesAsync(ct);
        return ToDto(entity);
    }

    /// <summary>
    /// Publishes the incident's indicators to the intelligence store as STIX 2.1 indicators, sanitised
    /// (<see cref="StixSanitiser"/>: no victim names, no internal fields, created by the national centre), with the chosen
    /// TLP and communities, through <see cref="StixImporter"/> so that the access policy governs every read. The
    /// incident stays private; its timeline records the published ids. The coordinating organisation's responders
    /// publish (the store names the publishing organisation, which must not be a victim). One transaction.
    /// </summary>
    public async Task<IndicatorPublicationResult> PublishIndicatorsAsync(Actor actor, Guid id, IndicatorPublication input, CancellationToken ct)
    {
        var (incident, layer, _) = await LoadVisibleAsync(actor, id, ct, track: true);
        RequireWork(actor, layer);
        ForbiddenException.ThrowUnless(actor.OrganisationId == incident.CoordinatingOrganisationId && AccessRules.CanPublishIntelligence(actor),
            "the coordinating organisation's analysts publish an incident's indicators (with the intel:write scope)");
        var errors = new FieldErrors();
        errors.Check("tlp", input.Tlp is null ? "is required" : null);
        var communities = await ResolveCommunitiesAsync(input.Communities, errors, ct);
        errors.Check("communities", input.Tlp is not null and not Tlp.Clear and not Tlp.Red && communities.Count == 0
            ? "name at least one community to share with" : null);
        var indicators = await db.Set<IncidentIndicatorEntity>().Where(i => i.IncidentId == id).OrderBy(i => i.AddedAt).ToListAsync(ct);
        errors.Check("indicators", indicators.Count == 0 ? "the incident lists no indicators" : null);
        errors.ThrowIfAny();
        var tlp = input.Tlp!.Value;

        var now = time.GetUtcNow();
        static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var stamp = Stamp(now);
        var centre = await db.Organisations.AsNoTracking().FirstAsync(o => o.Id == incident.CoordinatingOrganisationId, ct);
        var identityId = $"identity--{centre.Id}";
        var victims = await VictimTermsAsync(incident, ct);
        var options = new SanitiserOptions(identityId, tlp, victims);
        var cls = IncidentTaxonomy.Find(incident.Classification);
        var objects = new JsonArray(new JsonObject
        {
            ["type"] = "identity", ["spec_version"] = "2.1", ["id"] = identityId, ["created"] = Stamp(centre.CreatedAt), ["modified"] = Stamp(centre.CreatedAt),
            ["name"] = centre.Name, ["identity_class"] = "organization",
        });
        var published = new List<string>();
        var withheld = new List<string>();
        foreach (var indicator in indicators)
        {
            var stixId = indicator.PublishedStixId ?? $"indicator--{Guid.NewGuid()}";
            // STIX 2.1 §3.2: created stays the same across versions, so a re-publication is a new version of the same
            // object (created = when the indicator joined the incident), modified = now.
            var original = new JsonObject
            {
                ["type"] = "indicator", ["spec_version"] = "2.1", ["id"] = stixId, ["created"] = Stamp(indicator.AddedAt), ["modified"] = stamp,
                ["name"] = $"{indicator.Type} {indicator.Value}",
                ["description"] = $"Seen in a coordinated incident ({cls?.NameEn ?? incident.Classification}). {indicator.Description}".Trim(),
                ["indicator_types"] = new JsonArray("malicious-activity"),
                ["pattern"] = IndicatorPattern(indicator.Type, indicator.Value), ["pattern_type"] = "stix", ["valid_from"] = stamp,
                ["labels"] = new JsonArray(incident.Classification),
                ["x_musubi_incident"] = incident.Reference,
            };
            if (StixSanitiser.Sanitise(original, options) is not { } clean)
            {
                withheld.Add($"{indicator.Type} {indicator.Value}");
                continue;
            }

            objects.Add(clean);
            indicator.PublishedStixId = stixId;
            published.Add(stixId);
        }

        if (published.Count == 0)
        {
            throw new ValidationFailedException("indicators", "every indicator names a victim and was withheld: " + string.Join(", ", withheld));
        }

        var bundle = new JsonObject { ["type"] = "bundle", ["id"] = $"bundle--{Guid.NewGuid()}", ["objects"] = objects }.ToJsonString();
        Timeline(incident, actor, "published",
            $"published {published.Count} indicator(s) to the intelligence store as TLP:{TlpName(tlp)}" +
            (withheld.Count > 0 ? $" ({withheld.Count} withheld: they name a victim)" : "") + ": " + string.Join(", ", published), IncidentLayer.Full);
        audit.Record(actor, "incident.publish-indicators", "incident", incident.Reference, incident.CoordinatingOrganisationId, null,
            new { tlp, communities = input.Communities, published, withheld });
        incident.UpdatedAt = now;

        // The importer's one transaction also commits what is staged here (timeline line, audit entry, published ids),
        // so the store and the incident change together. The objects are generated here and valid; should the validator
        // refuse one all the same, the others are already stored and the caller gets a 400 naming the refusal.
        var result = await importer.ImportAsync(actor, new MemoryStream(Encoding.UTF8.GetBytes(bundle)), new PublishOptions(tlp, communities), ct);
        if (result.Failures.Count > 0)
        {
            throw new ValidationFailedException("indicators", string.Join("; ", result.Failures.SelectMany(f => f.Errors)));
        }

        return new IndicatorPublicationResult(published, withheld, tlp, bundle);
    }

    private async Task<IReadOnlyList<IndicatorDto>> IndicatorsOfAsync(Guid incidentId, CancellationToken ct) =>
        (await db.Set<IncidentIndicatorEntity>().AsNoTracking().Where(i => i.IncidentId == incidentId).OrderBy(i => i.AddedAt).ToListAsync(ct))
        .Select(ToDto).ToList();

    private static IndicatorDto ToDto(IncidentIndicatorEntity i) => new(i.Id, i.Type, i.Value, i.Description, i.SourceAlertId, i.AddedAt, i.PublishedStixId);

    /// <summary>Everything that names an affected organisation: names, short name, contacts, claimed domains.</summary>
    private async Task<List<string>> VictimTermsAsync(IncidentEntity incident, CancellationToken ct)
    {
        var ids = incident.Affected.Select(a => a.OrganisationId).Where(o => o != incident.CoordinatingOrganisationId).ToList();
        var organisations = await db.Organisations.AsNoTracking().Where(o => ids.Contains(o.Id)).ToListAsync(ct);
        var contacts = await db.Contacts.AsNoTracking().Where(c => ids.Contains(c.OrganisationId)).Select(c => new { c.Name, c.Email }).ToListAsync(ct);
        var domains = await db.Networks.AsNoTracking().Where(n => ids.Contains(n.OrganisationId) && n.Kind == NetworkKind.Domain).Select(n => n.Value).ToListAsync(ct);
        return
        [
            .. organisations.SelectMany(o => new[] { o.Name, o.NameJa, o.ShortName }).OfType<string>(),
            .. contacts.SelectMany(c => new[] { c.Name, c.Email }),
            .. domains,
        ];
    }

    /// <summary>The STIX pattern for an indicator value, or null when the value is not of its type.</summary>
    private static string? IndicatorPattern(string type, string value)
    {
        if (value.Length == 0 || value.Length > 2048 || value.Any(char.IsControl))
        {
            return null;
        }

        var quoted = value.Replace("\\", "\\\\").Replace("'", "\\'");
        return type switch
        {
            "ipv4-addr" when System.Net.IPAddress.TryParse(value, out var a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork => $"[ipv4-addr:value = '{quoted}']",
            "ipv6-addr" when System.Net.IPAddress.TryParse(value, out var a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 => $"[ipv6-addr:value = '{quoted}']",
            "domain-name" when value.Contains('.') && !value.Contains(' ') => $"[domain-name:value = '{quoted}']",
            "url" when Uri.TryCreate(value, UriKind.Absolute, out _) => $"[url:value = '{quoted}']",
            "email-addr" when value.Contains('@') => $"[email-addr:value = '{quoted}']",
            "md5" when IsHex(value, 32) => $"[file:hashes.MD5 = '{value.ToLowerInvariant()}']",
            "sha-1" when IsHex(value, 40) => $"[file:hashes.'SHA-1' = '{value.ToLowerInvariant()}']",
            "sha-256" when IsHex(value, 64) => $"[file:hashes.'SHA-256' = '{value.ToLowerInvariant()}']",
            _ => null,
        };
    }

    private static bool IsHex(string value, int length) => value.Length == length && value.All(Uri.IsHexDigit);

    private static string TlpName(Tlp tlp) => tlp switch
    {
        Tlp.AmberStrict => "AMBER+STRICT",
        _ => tlp.ToString().ToUpperInvariant(),
    };
}
