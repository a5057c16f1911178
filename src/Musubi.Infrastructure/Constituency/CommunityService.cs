using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Core.Validation;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Constituency;

/// <summary>Communities (layers, sectors, trust and partner groups), their memberships, and the sector list.</summary>
public sealed class CommunityService(MusubiDbContext db, AuditTrail audit, TimeProvider time)
{
    public async Task<IReadOnlyList<CommunityDto>> ListAsync(Actor actor, CancellationToken ct)
    {
        RequireRead(actor);
        var list = await db.Communities.AsNoTracking().Include(c => c.Memberships).ThenInclude(m => m.Organisation)
            .AsSplitQuery().ToListAsync(ct);
        return list.OrderBy(c => c.Kind).ThenBy(c => c.Slug).Select(ToDto).ToList();
    }

    public async Task<CommunityDto> GetAsync(Actor actor, string slug, CancellationToken ct)
    {
        RequireRead(actor);
        var c = await db.Communities.AsNoTracking().Include(x => x.Memberships).ThenInclude(m => m.Organisation)
            .AsSplitQuery().FirstOrDefaultAsync(x => x.Slug == slug, ct) ?? throw new NotFoundException("community", slug);
        return ToDto(c);
    }

    public async Task<CommunityDto> CreateAsync(Actor actor, CommunityInput input, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanManageCommunities(actor), "only a platform administrator may create communities");
        var errors = new FieldErrors();
        errors.Check("slug", FieldRules.Slug(input.Slug));
        errors.Check("nameEn", FieldRules.RequiredText(input.NameEn));
        errors.Check("nameJa", FieldRules.OptionalText(input.NameJa, FieldRules.MaxNameLength));
        errors.Check("description", FieldRules.OptionalText(input.Description));
        if (input.Kind is null)
        {
            errors.Add("kind", "is required (layer, sector, trust-group or partner-group)");
        }
        else if (input.Kind == CommunityKind.Sector && string.IsNullOrWhiteSpace(input.SectorId))
        {
            errors.Add("sectorId", "is required for a sector community");
        }

        if (!string.IsNullOrWhiteSpace(input.SectorId) && !await db.Sectors.AnyAsync(s => s.Id == input.SectorId, ct))
        {
            errors.Add("sectorId", $"unknown sector '{input.SectorId}'");
        }

        errors.ThrowIfAny();
        if (await db.Communities.AnyAsync(c => c.Slug == input.Slug, ct))
        {
            throw new ConflictException($"a community '{input.Slug}' already exists", "slug");
        }

        var entity = new CommunityEntity
        {
            Id = Guid.NewGuid(),
            Slug = input.Slug!,
            Kind = input.Kind!.Value,
            NameEn = input.NameEn!.Trim(),
            NameJa = OrganisationService.Blank(input.NameJa),
            SectorId = OrganisationService.Blank(input.SectorId),
            Description = OrganisationService.Blank(input.Description),
            CreatedAt = time.GetUtcNow(),
        };
        db.Communities.Add(entity);
        var dto = ToDto(entity);
        audit.Record(actor, "community.create", "community", entity.Slug, null, null, dto);
        await db.SaveChangesAsync(ct);
        return dto;
    }

    public async Task DeleteAsync(Actor actor, string slug, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanManageCommunities(actor), "only a platform administrator may delete communities");
        var c = await db.Communities.FirstOrDefaultAsync(x => x.Slug == slug, ct) ?? throw new NotFoundException("community", slug);
        if (c.BuiltIn)
        {
            throw new ConflictException("built-in communities (the four layers and the sectors) cannot be deleted");
        }

        audit.Record(actor, "community.delete", "community", slug, null, ToDto(c), null);
        db.Communities.Remove(c);
        await db.SaveChangesAsync(ct);
    }

    public async Task AddMemberAsync(Actor actor, string slug, Guid organisationId, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanManageCommunities(actor), "only a platform administrator may change memberships");
        var c = await db.Communities.FirstOrDefaultAsync(x => x.Slug == slug, ct) ?? throw new NotFoundException("community", slug);
        if (!await db.Organisations.AnyAsync(o => o.Id == organisationId, ct))
        {
            throw new ValidationFailedException("organisationId", "unknown organisation");
        }

        if (await db.Memberships.AnyAsync(m => m.CommunityId == c.Id && m.OrganisationId == organisationId, ct))
        {
            return;
        }

        db.Memberships.Add(new MembershipEntity { CommunityId = c.Id, OrganisationId = organisationId, JoinedAt = time.GetUtcNow() });
        audit.Record(actor, "community.member-add", "community", slug, organisationId, null, new { organisationId });
        await db.SaveChangesAsync(ct);
    }

    public async Task RemoveMemberAsync(Actor actor, string slug, Guid organisationId, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanManageCommunities(actor), "only a platform administrator may change memberships");
        var c = await db.Communities.FirstOrDefaultAsync(x => x.Slug == slug, ct) ?? throw new NotFoundException("community", slug);
        var m = await db.Memberships.FirstOrDefaultAsync(x => x.CommunityId == c.Id && x.OrganisationId == organisationId, ct)
            ?? throw new NotFoundException("membership", organisationId.ToString());
        db.Memberships.Remove(m);
        audit.Record(actor, "community.member-remove", "community", slug, organisationId, new { organisationId }, null);
        await db.SaveChangesAsync(ct);
    }

    public async Task<IReadOnlyList<SectorDto>> ListSectorsAsync(Actor actor, CancellationToken ct)
    {
        RequireRead(actor);
        var list = await db.Sectors.AsNoTracking().ToListAsync(ct);
        return list.OrderBy(s => !s.BuiltIn).ThenBy(s => s.Id).Select(s => new SectorDto(s.Id, s.NameEn, s.NameJa, s.BuiltIn)).ToList();
    }

    /// <summary>Adds a sector and its sector community.</summary>
    public async Task<SectorDto> CreateSectorAsync(Actor actor, SectorInput input, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanManageSectors(actor), "only a platform administrator may add sectors");
        var errors = new FieldErrors();
        errors.Check("id", FieldRules.Slug(input.Id));
        errors.Check("nameEn", FieldRules.RequiredText(input.NameEn));
        errors.Check("nameJa", FieldRules.RequiredText(input.NameJa));
        errors.ThrowIfAny();
        if (await db.Sectors.AnyAsync(s => s.Id == input.Id, ct))
        {
            throw new ConflictException($"a sector '{input.Id}' already exists", "id");
        }

        var sector = new SectorEntity { Id = input.Id!, NameEn = input.NameEn!.Trim(), NameJa = input.NameJa!.Trim() };
        db.Sectors.Add(sector);
        var info = BuiltInCommunities.ForSector(new SectorInfo(sector.Id, sector.NameEn, sector.NameJa));
        if (!await db.Communities.AnyAsync(c => c.Slug == info.Slug, ct))
        {
            db.Communities.Add(new CommunityEntity
            {
                Id = Guid.NewGuid(), Slug = info.Slug, Kind = info.Kind, NameEn = info.NameEn, NameJa = info.NameJa,
                SectorId = sector.Id, BuiltIn = true, CreatedAt = time.GetUtcNow(),
            });
        }

        var dto = new SectorDto(sector.Id, sector.NameEn, sector.NameJa, false);
        audit.Record(actor, "sector.create", "sector", sector.Id, null, null, dto);
        await db.SaveChangesAsync(ct);
        return dto;
    }

    private static CommunityDto ToDto(CommunityEntity c) => new(c.Id, c.Slug, c.Kind, c.NameEn, c.NameJa, c.SectorId, c.Description, c.BuiltIn,
        c.Memberships.Where(m => m.Organisation is not null).Select(m => m.Organisation!)
            .OrderBy(o => o.Name).Select(o => new OrganisationRef(o.Id, o.Name, o.NameJa, o.Kind)).ToList());

    private static void RequireRead(Actor actor) =>
        ForbiddenException.ThrowUnless(AccessRules.CanReadDirectory(actor), "reading the directory needs the constituency:read scope");
}
