using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Core.Validation;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Constituency;

/// <summary>Organisations, their contacts and their networks. Every write is checked against <see cref="AccessRules"/> and audited.</summary>
public sealed class OrganisationService(MusubiDbContext db, AuditTrail audit, TimeProvider time, OwnershipDirectory ownership)
{
    public const int MaxPageSize = 500;

    public async Task<Paged<OrganisationSummary>> ListAsync(Actor actor, OrganisationQuery q, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanReadDirectory(actor), "reading the directory needs the constituency:read scope");
        var page = Math.Max(1, q.Page);
        var size = Math.Clamp(q.PageSize, 1, MaxPageSize);
        IQueryable<OrganisationEntity> query = db.Organisations.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(q.Search))
        {
            var s = q.Search.Trim().ToLowerInvariant();
            query = query.Where(o => o.Name.ToLower().Contains(s)
                || (o.NameJa != null && o.NameJa.Contains(q.Search.Trim()))
                || (o.ShortName != null && o.ShortName.ToLower().Contains(s)));
        }

        if (q.Kind is { } kind)
        {
            query = query.Where(o => o.Kind == kind);
        }

        if (!string.IsNullOrWhiteSpace(q.Sector))
        {
            query = query.Where(o => o.SectorId == q.Sector);
        }

        if (!string.IsNullOrWhiteSpace(q.Country))
        {
            var c = q.Country.Trim().ToUpperInvariant();
            query = query.Where(o => o.Country == c);
        }

        if (!string.IsNullOrWhiteSpace(q.Community))
        {
            query = query.Where(o => o.Memberships.Any(m => m.Community!.Slug == q.Community));
        }

        var total = await query.CountAsync(ct);
        var items = await query.OrderBy(o => o.Name).Skip((page - 1) * size).Take(size)
            .Select(o => new OrganisationSummary(o.Id, o.Name, o.NameJa, o.ShortName, o.Kind, o.SectorId, o.Country,
                o.Networks.Count, o.Contacts.Count))
            .ToListAsync(ct);
        return new Paged<OrganisationSummary>(items, page, size, total);
    }

    /// <summary>Directory-wide counts (no names, no blocks): anyone who may read the directory may see them.</summary>
    public async Task<DirectoryStatistics> StatisticsAsync(Actor actor, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanReadDirectory(actor), "reading the directory needs the constituency:read scope");
        var byKind = await db.Organisations.AsNoTracking().GroupBy(o => o.Kind)
            .Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
        var bySector = await db.Organisations.AsNoTracking().Where(o => o.SectorId != null).GroupBy(o => o.SectorId!)
            .Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
        var networks = await db.Networks.AsNoTracking().GroupBy(n => n.Kind)
            .Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
        return new DirectoryStatistics(
            byKind.ToDictionary(x => x.Key, x => x.Count),
            bySector.ToDictionary(x => x.Key, x => x.Count, StringComparer.Ordinal),
            networks.ToDictionary(x => x.Key, x => x.Count));
    }

    public async Task<OrganisationDetail> GetAsync(Actor actor, Guid id, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanReadDirectory(actor), "reading the directory needs the constituency:read scope");
        var o = await db.Organisations.AsNoTracking().AsSplitQuery()
            .Include(x => x.Contacts).Include(x => x.Networks).Include(x => x.Memberships).ThenInclude(m => m.Community)
            .FirstOrDefaultAsync(x => x.Id == id, ct) ?? throw new NotFoundException("organisation", id.ToString());
        return ToDetail(o);
    }

    public async Task<OrganisationDetail> CreateAsync(Actor actor, OrganisationInput input, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanCreateOrganisation(actor), "only a platform administrator may create organisations");
        var errors = new FieldErrors();
        var sectors = await KnownSectorsAsync(ct);
        OrganisationValidator.ValidateDetails(input, errors, sectors);
        var communities = await ResolveCommunitiesAsync(input.Communities, errors, ct);
        var contacts = BuildContacts(input.Contacts, errors);
        var networks = BuildNetworks(input.Networks, errors);
        errors.ThrowIfAny();
        await EnsureUniqueNameAsync(input.Name!, null, ct);
        await EnsureNetworksFreeAsync(networks, ct);

        var now = time.GetUtcNow();
        var entity = new OrganisationEntity
        {
            Id = Guid.NewGuid(),
            Name = input.Name!.Trim(),
            NameJa = Blank(input.NameJa),
            ShortName = Blank(input.ShortName),
            Kind = input.Kind!.Value,
            SectorId = Blank(input.SectorId),
            Country = input.Country!,
            Description = Blank(input.Description),
            CreatedAt = now,
            UpdatedAt = now,
            Contacts = contacts,
            Networks = networks.Select(n => { n.CreatedAt = now; return n; }).ToList(),
        };
        foreach (var c in communities)
        {
            entity.Memberships.Add(new MembershipEntity { CommunityId = c.Id, OrganisationId = entity.Id, JoinedAt = now });
        }

        await AddSectorCommunityAsync(entity, now, ct);
        db.Organisations.Add(entity);
        var detail = ToDetail(entity, communities);
        audit.Record(actor, "organisation.create", "organisation", entity.Id.ToString(), entity.Id, null, detail);
        await SaveAsync(ct);
        return await GetAsync(actor, entity.Id, ct);
    }

    /// <summary>Replaces name, kind, sector, country and description. Kind and sector need a platform administrator.</summary>
    public async Task<OrganisationDetail> UpdateAsync(Actor actor, Guid id, OrganisationInput input, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanEditOrganisation(actor, id), "you may only edit your own organisation");
        var entity = await db.Organisations.Include(o => o.Memberships).FirstOrDefaultAsync(o => o.Id == id, ct)
            ?? throw new NotFoundException("organisation", id.ToString());
        var errors = new FieldErrors();
        OrganisationValidator.ValidateDetails(input, errors, await KnownSectorsAsync(ct));
        errors.ThrowIfAny();
        if ((input.Kind != entity.Kind || Blank(input.SectorId) != entity.SectorId) && !AccessRules.CanClassifyOrganisation(actor))
        {
            throw new ForbiddenException("only a platform administrator may change an organisation's kind or sector");
        }

        await EnsureUniqueNameAsync(input.Name!, id, ct);
        var before = Snapshot(entity);
        entity.Name = input.Name!.Trim();
        entity.NameJa = Blank(input.NameJa);
        entity.ShortName = Blank(input.ShortName);
        entity.Kind = input.Kind!.Value;
        entity.SectorId = Blank(input.SectorId);
        entity.Country = input.Country!;
        entity.Description = Blank(input.Description);
        entity.UpdatedAt = time.GetUtcNow();
        await AddSectorCommunityAsync(entity, entity.UpdatedAt, ct);
        audit.Record(actor, "organisation.update", "organisation", id.ToString(), id, before, Snapshot(entity));
        await SaveAsync(ct);
        return await GetAsync(actor, id, ct);
    }

    public async Task DeleteAsync(Actor actor, Guid id, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanDeleteOrganisation(actor), "only a platform administrator may delete organisations");
        var entity = await db.Organisations.Include(o => o.Contacts).Include(o => o.Networks)
            .FirstOrDefaultAsync(o => o.Id == id, ct) ?? throw new NotFoundException("organisation", id.ToString());
        if (await db.Users.AnyAsync(u => u.OrganisationId == id, ct))
        {
            throw new ConflictException("the organisation still has users: move or delete them first");
        }

        audit.Record(actor, "organisation.delete", "organisation", id.ToString(), id, ToDetail(entity, []), null);
        db.Organisations.Remove(entity);
        await SaveAsync(ct);
    }

    public async Task<ContactDto> AddContactAsync(Actor actor, Guid organisationId, ContactInput input, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanEditOrganisation(actor, organisationId), "you may only edit your own organisation");
        await EnsureExistsAsync(organisationId, ct);
        var errors = new FieldErrors();
        OrganisationValidator.ValidateContact(input, errors, "");
        errors.ThrowIfAny();
        if (await db.Contacts.CountAsync(c => c.OrganisationId == organisationId, ct) >= OrganisationValidator.MaxContacts)
        {
            throw new ValidationFailedException("contacts", $"an organisation may have at most {OrganisationValidator.MaxContacts} contacts");
        }

        var contact = ToContact(input);
        contact.OrganisationId = organisationId;
        db.Contacts.Add(contact);
        var dto = ToDto(contact);
        audit.Record(actor, "contact.create", "contact", contact.Id.ToString(), organisationId, null, dto);
        await SaveAsync(ct);
        return dto;
    }

    public async Task<ContactDto> UpdateContactAsync(Actor actor, Guid organisationId, Guid contactId, ContactInput input, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanEditOrganisation(actor, organisationId), "you may only edit your own organisation");
        var contact = await db.Contacts.FirstOrDefaultAsync(c => c.Id == contactId && c.OrganisationId == organisationId, ct)
            ?? throw new NotFoundException("contact", contactId.ToString());
        var errors = new FieldErrors();
        OrganisationValidator.ValidateContact(input, errors, "");
        errors.ThrowIfAny();
        var before = ToDto(contact);
        contact.Name = input.Name!.Trim();
        contact.Role = input.Role!.Value;
        contact.Email = input.Email!.Trim();
        contact.Phone = Blank(input.Phone);
        contact.PgpKey = Blank(input.PgpKey);
        var dto = ToDto(contact);
        audit.Record(actor, "contact.update", "contact", contactId.ToString(), organisationId, before, dto);
        await SaveAsync(ct);
        return dto;
    }

    public async Task RemoveContactAsync(Actor actor, Guid organisationId, Guid contactId, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanEditOrganisation(actor, organisationId), "you may only edit your own organisation");
        var contact = await db.Contacts.FirstOrDefaultAsync(c => c.Id == contactId && c.OrganisationId == organisationId, ct)
            ?? throw new NotFoundException("contact", contactId.ToString());
        audit.Record(actor, "contact.delete", "contact", contactId.ToString(), organisationId, ToDto(contact), null);
        db.Contacts.Remove(contact);
        await SaveAsync(ct);
    }

    public async Task<NetworkDto> AddNetworkAsync(Actor actor, Guid organisationId, NetworkInput input, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanEditOrganisation(actor, organisationId), "you may only edit your own organisation");
        await EnsureExistsAsync(organisationId, ct);
        var errors = new FieldErrors();
        var value = OrganisationValidator.NormaliseNetwork(input.Kind, input.Value, errors, "");
        errors.Check("description", FieldRules.OptionalText(input.Description));
        errors.ThrowIfAny();
        var network = new NetworkEntity
        {
            Id = Guid.NewGuid(),
            OrganisationId = organisationId,
            Kind = input.Kind!.Value,
            Value = value!,
            Description = Blank(input.Description),
            CreatedAt = time.GetUtcNow(),
        };
        await EnsureNetworksFreeAsync([network], ct);
        db.Networks.Add(network);
        var dto = ToDto(network);
        audit.Record(actor, "network.create", "network", network.Id.ToString(), organisationId, null, dto);
        await SaveAsync(ct);
        return dto;
    }

    public async Task RemoveNetworkAsync(Actor actor, Guid organisationId, Guid networkId, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanEditOrganisation(actor, organisationId), "you may only edit your own organisation");
        var network = await db.Networks.FirstOrDefaultAsync(n => n.Id == networkId && n.OrganisationId == organisationId, ct)
            ?? throw new NotFoundException("network", networkId.ToString());
        audit.Record(actor, "network.delete", "network", networkId.ToString(), organisationId, ToDto(network), null);
        db.Networks.Remove(network);
        await SaveAsync(ct);
    }

    private async Task SaveAsync(CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (IsUniqueViolation(ex))
        {
            throw new ConflictException("the change clashes with an existing record (a duplicate name or a block claimed meanwhile); reload and retry");
        }

        ownership.Invalidate();
    }

    internal static bool IsUniqueViolation(DbUpdateException ex) =>
        ex.InnerException?.Message.Contains("UNIQUE", StringComparison.OrdinalIgnoreCase) == true
        || ex.InnerException?.Message.Contains("duplicate key", StringComparison.OrdinalIgnoreCase) == true;

    private async Task EnsureExistsAsync(Guid id, CancellationToken ct)
    {
        if (!await db.Organisations.AnyAsync(o => o.Id == id, ct))
        {
            throw new NotFoundException("organisation", id.ToString());
        }
    }

    private async Task EnsureUniqueNameAsync(string name, Guid? self, CancellationToken ct)
    {
        var trimmed = name.Trim();
        if (await db.Organisations.AnyAsync(o => o.Name == trimmed && o.Id != self, ct))
        {
            throw new ConflictException($"an organisation named '{trimmed}' already exists", "name");
        }
    }

    /// <summary>
    /// The conflict rule: a block (exact CIDR, ASN or domain) has one owner. A second claim is refused and names the
    /// holder. Nested blocks are not conflicts: the more specific one wins at lookup.
    /// </summary>
    private async Task EnsureNetworksFreeAsync(IReadOnlyList<NetworkEntity> networks, CancellationToken ct)
    {
        foreach (var group in networks.GroupBy(n => n.Kind))
        {
            var values = group.Select(n => n.Value).ToList();
            var taken = await db.Networks.AsNoTracking().Where(n => n.Kind == group.Key && values.Contains(n.Value))
                .Join(db.Organisations, n => n.OrganisationId, o => o.Id, (n, o) => new { n.Value, o.Name, o.Id })
                .FirstOrDefaultAsync(ct);
            if (taken is not null)
            {
                throw new ConflictException($"{taken.Value} is already claimed by '{taken.Name}' ({taken.Id}); a block has one owner", "networks");
            }
        }
    }

    private async Task AddSectorCommunityAsync(OrganisationEntity entity, DateTimeOffset now, CancellationToken ct)
    {
        if (entity.SectorId is null)
        {
            return;
        }

        var slug = BuiltInCommunities.SectorSlug(entity.SectorId);
        var community = await db.Communities.FirstOrDefaultAsync(c => c.Slug == slug, ct);
        if (community is not null && entity.Memberships.All(m => m.CommunityId != community.Id))
        {
            entity.Memberships.Add(new MembershipEntity { CommunityId = community.Id, OrganisationId = entity.Id, JoinedAt = now });
        }
    }

    private async Task<IReadOnlySet<string>> KnownSectorsAsync(CancellationToken ct) =>
        (await db.Sectors.Select(s => s.Id).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);

    private async Task<List<CommunityEntity>> ResolveCommunitiesAsync(IReadOnlyList<string>? slugs, FieldErrors errors, CancellationToken ct)
    {
        if (slugs is null || slugs.Count == 0)
        {
            return [];
        }

        var found = await db.Communities.Where(c => slugs.Contains(c.Slug)).ToListAsync(ct);
        for (var i = 0; i < slugs.Count; i++)
        {
            if (found.All(c => c.Slug != slugs[i]))
            {
                errors.Add($"communities[{i}]", $"unknown community '{slugs[i]}'");
            }
        }

        return found;
    }

    private static List<ContactEntity> BuildContacts(IReadOnlyList<ContactInput>? inputs, FieldErrors errors)
    {
        var list = new List<ContactEntity>();
        if (inputs is null)
        {
            return list;
        }

        if (inputs.Count > OrganisationValidator.MaxContacts)
        {
            errors.Add("contacts", $"at most {OrganisationValidator.MaxContacts} contacts");
            return list;
        }

        for (var i = 0; i < inputs.Count; i++)
        {
            OrganisationValidator.ValidateContact(inputs[i], errors, $"contacts[{i}].");
            if (!errors.Any)
            {
                list.Add(ToContact(inputs[i]));
            }
        }

        return list;
    }

    private static List<NetworkEntity> BuildNetworks(IReadOnlyList<NetworkInput>? inputs, FieldErrors errors)
    {
        var list = new List<NetworkEntity>();
        if (inputs is null)
        {
            return list;
        }

        if (inputs.Count > OrganisationValidator.MaxNetworksPerRequest)
        {
            errors.Add("networks", $"at most {OrganisationValidator.MaxNetworksPerRequest} networks per request");
            return list;
        }

        var seen = new HashSet<(NetworkKind, string)>();
        for (var i = 0; i < inputs.Count; i++)
        {
            var value = OrganisationValidator.NormaliseNetwork(inputs[i].Kind, inputs[i].Value, errors, $"networks[{i}].");
            if (value is null)
            {
                continue;
            }

            if (!seen.Add((inputs[i].Kind!.Value, value)))
            {
                errors.Add($"networks[{i}].value", $"{value} is listed twice");
                continue;
            }

            list.Add(new NetworkEntity { Id = Guid.NewGuid(), Kind = inputs[i].Kind!.Value, Value = value, Description = Blank(inputs[i].Description) });
        }

        return list;
    }

    private static ContactEntity ToContact(ContactInput c) => new()
    {
        Id = Guid.NewGuid(),
        Name = c.Name!.Trim(),
        Role = c.Role!.Value,
        Email = c.Email!.Trim(),
        Phone = Blank(c.Phone),
        PgpKey = Blank(c.PgpKey),
    };

    internal static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static object Snapshot(OrganisationEntity o) =>
        new { o.Name, o.NameJa, o.ShortName, o.Kind, o.SectorId, o.Country, o.Description };

    internal static ContactDto ToDto(ContactEntity c) => new(c.Id, c.Name, c.Role, c.Email, c.Phone, c.PgpKey);

    internal static NetworkDto ToDto(NetworkEntity n) => new(n.Id, n.Kind, n.Value, n.Description);

    private static OrganisationDetail ToDetail(OrganisationEntity o, IEnumerable<CommunityEntity>? communities = null) =>
        new(o.Id, o.Name, o.NameJa, o.ShortName, o.Kind, o.SectorId, o.Country, o.Description, o.CreatedAt, o.UpdatedAt,
            o.Contacts.OrderBy(c => c.Name).Select(ToDto).ToList(),
            o.Networks.OrderBy(n => n.Kind).ThenBy(n => n.Value).Select(ToDto).ToList(),
            (communities ?? o.Memberships.Where(m => m.Community is not null).Select(m => m.Community!))
                .OrderBy(c => c.Slug).Select(c => new CommunityRef(c.Id, c.Slug, c.NameEn, c.NameJa, c.Kind)).ToList());
}
