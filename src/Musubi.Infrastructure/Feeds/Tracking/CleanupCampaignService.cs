using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Feeds;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Feeds.Tracking;

public sealed record CampaignInput(
    string Name, string? Description, DateTimeOffset Start, DateTimeOffset End, IReadOnlyList<Guid>? Organisations,
    string? Taxonomy, string? Type, string? Malware);

public sealed record CampaignDto(
    Guid Id, string Name, string? Description, DateTimeOffset Start, DateTimeOffset End, IReadOnlyList<Guid> Organisations,
    string? Taxonomy, string? Type, string? Malware, DateTimeOffset CreatedAt);

public sealed record CampaignOrganisationFigures(Guid OrganisationId, string Name, int HostsAtStart, int CleanedDuring, int StillOpen, int NewDuring, double? Rate);

public sealed record CampaignDay(DateTimeOffset Day, int OpenOfStart);

/// <summary>
/// A campaign's figures (docs/NOTIFICATION.md): hosts open at its start, of those cleaned during it (last observed
/// within the period and since confirmed cleaned), still open, hosts newly infected during it, the rate, per
/// organisation and day by day.
/// </summary>
public sealed record CampaignFigures(
    CampaignDto Campaign, int HostsAtStart, int CleanedDuring, int StillOpen, int NewDuring, double? Rate,
    IReadOnlyList<CampaignOrganisationFigures> Organisations, IReadOnlyList<CampaignDay> Days);

/// <summary>
/// Clean-up campaigns ("clean day"): managed by platform administrators and centre staff (audited); read by centre staff
/// (every organisation) and by targeted organisations (their own figures only).
/// </summary>
public sealed class CleanupCampaignService(MusubiDbContext db, AuditTrail audit, TimeProvider time, InfectedHostQueries queries, CleanupFigures figures)
{
    public const int MaxDays = 366;
    public const int MaxOrganisations = 200;

    public async Task<CampaignDto> CreateAsync(Actor actor, CampaignInput input, CancellationToken ct)
    {
        await RequireManagerAsync(actor, ct);
        await ValidateAsync(input, ct);
        var now = time.GetUtcNow();
        var entity = new CleanupCampaignEntity
        {
            Id = Guid.NewGuid(), Name = input.Name.Trim(), Organisations = "", CreatedBy = actor.UserId, CreatedAt = now, UpdatedAt = now,
        };
        Apply(entity, input);
        db.Set<CleanupCampaignEntity>().Add(entity);
        audit.Record(actor, "campaign.create", "cleanup-campaign", entity.Id.ToString(), null, null, Dto(entity));
        await db.SaveChangesAsync(ct);
        return Dto(entity);
    }

    public async Task<CampaignDto> UpdateAsync(Actor actor, Guid id, CampaignInput input, CancellationToken ct)
    {
        await RequireManagerAsync(actor, ct);
        var entity = await db.Set<CleanupCampaignEntity>().FirstOrDefaultAsync(c => c.Id == id, ct) ?? throw new NotFoundException("campaign", id.ToString());
        await ValidateAsync(input, ct);
        var before = Dto(entity);
        Apply(entity, input);
        entity.UpdatedAt = time.GetUtcNow();
        audit.Record(actor, "campaign.update", "cleanup-campaign", id.ToString(), null, before, Dto(entity));
        await db.SaveChangesAsync(ct);
        return Dto(entity);
    }

    public async Task DeleteAsync(Actor actor, Guid id, CancellationToken ct)
    {
        await RequireManagerAsync(actor, ct);
        var entity = await db.Set<CleanupCampaignEntity>().FirstOrDefaultAsync(c => c.Id == id, ct) ?? throw new NotFoundException("campaign", id.ToString());
        db.Remove(entity);
        audit.Record(actor, "campaign.delete", "cleanup-campaign", id.ToString(), null, Dto(entity), null);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Centre staff: every campaign; others: those that target their organisation (or every organisation).</summary>
    public async Task<IReadOnlyList<CampaignDto>> ListAsync(Actor actor, CancellationToken ct)
    {
        var all = (await db.Set<CleanupCampaignEntity>().AsNoTracking().ToListAsync(ct)).Select(Dto);
        var centre = await CentreStaffAsync(actor, ct);
        if (!centre)
        {
            await queries.ReadableOrganisationAsync(actor, null, ct);
            all = all.Where(c => Targets(c, actor.OrganisationId));
        }

        return all.OrderByDescending(c => c.Start).ThenBy(c => c.Name, StringComparer.Ordinal).ToList();
    }

    public async Task<CampaignFigures> FiguresAsync(Actor actor, Guid id, CancellationToken ct)
    {
        var entity = await db.Set<CleanupCampaignEntity>().AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
        var centre = await CentreStaffAsync(actor, ct);
        var campaign = entity is null ? null : Dto(entity);
        if (campaign is null || (!centre && !(Targets(campaign, actor.OrganisationId) && await CanReadOwnAsync(actor, ct))))
        {
            throw new NotFoundException("campaign", id.ToString());
        }

        List<Guid> orgs;
        if (!centre)
        {
            orgs = [actor.OrganisationId];
        }
        else if (campaign.Organisations.Count > 0)
        {
            orgs = campaign.Organisations.ToList();
        }
        else
        {
            orgs = await db.Set<InfectedHostEntity>().AsNoTracking().Where(h => h.OrganisationId != null).Select(h => h.OrganisationId!.Value)
                .Distinct().ToListAsync(ct);
        }

        var episodes = await figures.EpisodesAsync(orgs, campaign.End, ct);
        var hostIds = episodes.Select(e => e.HostId).Distinct().ToList();
        var matching = new HashSet<long>();
        foreach (var chunk in hostIds.Chunk(1000))
        {
            var q = db.Set<InfectedHostEntity>().AsNoTracking().Where(h => chunk.Contains(h.Id));
            if (campaign.Taxonomy is { } taxonomy)
            {
                q = q.Where(h => h.Taxonomy == taxonomy);
            }

            if (campaign.Type is { } type)
            {
                q = q.Where(h => h.Type == type);
            }

            if (campaign.Malware is { } malware)
            {
                q = q.Where(h => h.Malware == malware);
            }

            matching.UnionWith(await q.Select(h => h.Id).ToListAsync(ct));
        }

        episodes = episodes.Where(e => matching.Contains(e.HostId)).ToList();
        var atStart = episodes.Where(e => e.OpenAt(campaign.Start)).ToList();
        bool CleanedDuring(CleanupFigures.Episode e) => e.CleanedAt is not null && e.LastSeen <= campaign.End;
        var names = await db.Organisations.AsNoTracking().Where(o => orgs.Contains(o.Id)).ToDictionaryAsync(o => o.Id, o => o.Name, ct);
        var perOrg = orgs.Select(o =>
            {
                var start = atStart.Where(e => e.OrganisationId == o).ToList();
                var cleaned = start.Count(CleanedDuring);
                return new CampaignOrganisationFigures(o, names.GetValueOrDefault(o, o.ToString()), start.Count, cleaned, start.Count - cleaned,
                    episodes.Count(e => e.OrganisationId == o && e.OpenedAt > campaign.Start && e.OpenedAt <= campaign.End),
                    start.Count == 0 ? null : (double)cleaned / start.Count);
            })
            .OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        var days = new List<CampaignDay>();
        for (var day = new DateTimeOffset(campaign.Start.UtcDateTime.Date, TimeSpan.Zero); day <= campaign.End && days.Count < MaxDays + 1; day = day.AddDays(1))
        {
            var endOfDay = day.AddDays(1) < campaign.End ? day.AddDays(1) : campaign.End;
            days.Add(new CampaignDay(day, atStart.Count(e => e.CleanedAt is null || e.LastSeen >= endOfDay)));
        }

        var cleanedTotal = atStart.Count(CleanedDuring);
        return new CampaignFigures(campaign, atStart.Count, cleanedTotal, atStart.Count - cleanedTotal,
            episodes.Count(e => e.OpenedAt > campaign.Start && e.OpenedAt <= campaign.End),
            atStart.Count == 0 ? null : (double)cleanedTotal / atStart.Count, perOrg, days);
    }

    private async Task<bool> CentreStaffAsync(Actor actor, CancellationToken ct) =>
        actor.HasScope(Scopes.ConstituencyRead) && FeedAccessRules.IsCentreStaff(actor, await queries.InCentreAsync(actor, ct));

    private async Task<bool> CanReadOwnAsync(Actor actor, CancellationToken ct) =>
        FeedAccessRules.CanReadInfectedHosts(actor, actor.OrganisationId, await queries.InCentreAsync(actor, ct));

    private async Task RequireManagerAsync(Actor actor, CancellationToken ct) =>
        ForbiddenException.ThrowUnless(FeedAccessRules.CanManageCampaigns(actor, await queries.InCentreAsync(actor, ct)),
            "campaigns are managed by platform administrators and the national centre's staff");

    private static bool Targets(CampaignDto c, Guid organisation) => c.Organisations.Count == 0 || c.Organisations.Contains(organisation);

    private async Task ValidateAsync(CampaignInput input, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(input.Name) || input.Name.Trim().Length > 200)
        {
            errors["name"] = ["is required, at most 200 characters"];
        }

        if (input.Description is { Length: > 4000 })
        {
            errors["description"] = ["at most 4000 characters"];
        }

        if (input.End <= input.Start)
        {
            errors["end"] = ["must be after start"];
        }
        else if (input.End - input.Start > TimeSpan.FromDays(MaxDays))
        {
            errors["end"] = [$"a campaign lasts at most {MaxDays} days"];
        }

        foreach (var (field, value, max) in new[] { ("taxonomy", input.Taxonomy, 64), ("type", input.Type, 64), ("malware", input.Malware, 256) })
        {
            if (value is { } v && v.Length > max)
            {
                errors[field] = [$"at most {max} characters"];
            }
        }

        var orgs = input.Organisations ?? [];
        if (orgs.Count > MaxOrganisations)
        {
            errors["organisations"] = [$"at most {MaxOrganisations} organisations (none: every organisation)"];
        }
        else if (orgs.Count > 0)
        {
            var ids = orgs.Distinct().ToList();
            var known = await db.Organisations.AsNoTracking().Where(o => ids.Contains(o.Id)).Select(o => o.Id).ToListAsync(ct);
            for (var i = 0; i < orgs.Count; i++)
            {
                if (!known.Contains(orgs[i]))
                {
                    errors[$"organisations[{i}]"] = [$"no organisation {orgs[i]}"];
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }
    }

    private static void Apply(CleanupCampaignEntity e, CampaignInput input)
    {
        e.Name = input.Name.Trim();
        e.Description = string.IsNullOrWhiteSpace(input.Description) ? null : input.Description.Trim();
        e.Start = input.Start;
        e.End = input.End;
        e.Organisations = string.Join(',', (input.Organisations ?? []).Distinct());
        e.Taxonomy = Blank(input.Taxonomy);
        e.Type = Blank(input.Type);
        e.Malware = Blank(input.Malware);
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static CampaignDto Dto(CleanupCampaignEntity e) => new(e.Id, e.Name, e.Description, e.Start, e.End,
        e.Organisations.Length == 0 ? [] : e.Organisations.Split(',').Select(Guid.Parse).ToList(), e.Taxonomy, e.Type, e.Malware, e.CreatedAt);
}
