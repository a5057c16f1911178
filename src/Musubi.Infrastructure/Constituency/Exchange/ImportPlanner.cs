using Microsoft.EntityFrameworkCore;
using Musubi.Core.Constituency;
using Musubi.Core.Validation;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Constituency.Exchange;

/// <summary>
/// Checks every record of an <see cref="ImportBatch"/> against the field rules (<see cref="OrganisationValidator"/>),
/// against each other (duplicate names, a block listed twice) and against the database (unknown sectors and
/// communities, a block another organisation owns), and works out what to write. Reads the database, never writes.
/// </summary>
internal sealed class ImportPlanner(MusubiDbContext db, TimeProvider time)
{
    private const int QueryChunk = 1000;
    private const int ProgressEvery = 2000;

    private readonly ImportPlan _plan = new();
    private readonly HashSet<string> _sectors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (Guid Id, SourceLocation? At)> _communities = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PlannedOrganisation> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<OrganisationRow, PlannedOrganisation> _byRow = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, SourceLocation> _defined = new(StringComparer.Ordinal);
    private Dictionary<string, (Guid Id, OrganisationDetails Details)> _stored = new(StringComparer.Ordinal);
    private Dictionary<Guid, string> _storedNames = [];
    private IssueList _issues = null!;
    private IProgress<ExchangeProgress>? _progress;
    private long _done;
    private long _total;

    public async Task<ImportPlan> PlanAsync(ImportBatch batch, IProgress<ExchangeProgress>? progress, CancellationToken ct)
    {
        _issues = batch.Issues;
        _progress = progress;
        _total = batch.Rows;
        await LoadAsync(ct);
        PlanSectors(batch.Sectors);
        PlanCommunities(batch.Communities);
        PlanOrganisations(batch.Organisations);
        await PlanNetworksAsync(batch.Networks, ct);
        await PlanContactsAsync(batch.Contacts, ct);
        await PlanMembershipsAsync(ct);
        _plan.OrganisationsUnchanged = _byName.Values.Count(o => o.Valid && !o.ChangesAnything && !o.IsNew);
        _plan.Organisations.AddRange(_byName.Values.Where(o => o.Valid && o.ChangesAnything));
        _progress?.Report(new ExchangeProgress(ExchangeStage.Validating, _total, _total));
        return _plan;
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        _sectors.UnionWith(await db.Sectors.AsNoTracking().Select(s => s.Id).ToListAsync(ct));
        foreach (var c in await db.Communities.AsNoTracking().Select(c => new { c.Slug, c.Id }).ToListAsync(ct))
        {
            _communities[c.Slug] = (c.Id, null);
        }

        var stored = await db.Organisations.AsNoTracking().ToListAsync(ct);
        _stored = stored.ToDictionary(o => o.Name, o => (o.Id, OrganisationDetails.Of(o)), StringComparer.Ordinal);
        _storedNames = stored.ToDictionary(o => o.Id, o => o.Name);
    }

    private void PlanSectors(List<SectorRow> rows)
    {
        var seen = new Dictionary<string, SourceLocation>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            Step();
            var errors = new FieldErrors();
            Check(errors, "id", FieldRules.Slug(row.Id));
            Check(errors, "nameEn", FieldRules.RequiredText(row.NameEn));
            Check(errors, "nameJa", FieldRules.RequiredText(row.NameJa));
            if (FieldRules.Slug(row.Id) is null)
            {
                if (seen.TryGetValue(row.Id!, out var first))
                {
                    errors.Add("id", $"sector '{row.Id}' is defined twice (first at {first.Describe(null)})");
                }
                else
                {
                    seen[row.Id!] = row.At;
                }
            }

            if (Report(errors, row.At) || !_sectors.Add(row.Id!))
            {
                // Invalid, or already in the database: existing sectors are kept as they are.
                _sectors.Add(row.Id ?? "");
                continue;
            }

            var sector = new SectorEntity { Id = row.Id!, NameEn = row.NameEn!.Trim(), NameJa = row.NameJa!.Trim() };
            _plan.NewSectors.Add(sector);
            var info = BuiltInCommunities.ForSector(new SectorInfo(sector.Id, sector.NameEn, sector.NameJa));
            if (!_communities.ContainsKey(info.Slug))
            {
                var community = new CommunityEntity
                {
                    Id = Guid.NewGuid(), Slug = info.Slug, Kind = info.Kind, NameEn = info.NameEn, NameJa = info.NameJa,
                    SectorId = sector.Id, BuiltIn = true, CreatedAt = time.GetUtcNow(),
                };
                _plan.NewCommunities.Add(community);
                _communities[info.Slug] = (community.Id, row.At);
            }
        }
    }

    private void PlanCommunities(List<CommunityRow> rows)
    {
        var seen = new Dictionary<string, SourceLocation>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            Step();
            var errors = new FieldErrors();
            Check(errors, "slug", FieldRules.Slug(row.Slug));
            Check(errors, "nameEn", FieldRules.RequiredText(row.NameEn));
            Check(errors, "nameJa", FieldRules.OptionalText(row.NameJa, FieldRules.MaxNameLength));
            Check(errors, "description", FieldRules.OptionalText(row.Description));
            var kind = ParseEnum<CommunityKind>(row.Kind, "kind", errors);
            if (kind == CommunityKind.Sector && string.IsNullOrWhiteSpace(row.SectorId))
            {
                errors.Add("sectorId", "is required for a sector community");
            }

            if (!string.IsNullOrWhiteSpace(row.SectorId) && !_sectors.Contains(row.SectorId.Trim()))
            {
                errors.Add("sectorId", $"unknown sector '{row.SectorId}'");
            }

            if (FieldRules.Slug(row.Slug) is null)
            {
                if (seen.TryGetValue(row.Slug!, out var first))
                {
                    errors.Add("slug", $"community '{row.Slug}' is defined twice (first at {first.Describe(null)})");
                }
                else
                {
                    seen[row.Slug!] = row.At;
                }
            }

            var exists = row.Slug is not null && _communities.ContainsKey(row.Slug);
            if (Report(errors, row.At) || exists)
            {
                // Invalid, or already there (existing communities are kept as they are).
                if (row.Slug is not null && !exists)
                {
                    _communities[row.Slug] = (Guid.Empty, row.At);
                }

                continue;
            }

            var community = new CommunityEntity
            {
                Id = Guid.NewGuid(), Slug = row.Slug!, Kind = kind!.Value, NameEn = row.NameEn!.Trim(),
                NameJa = OrganisationService.Blank(row.NameJa), SectorId = OrganisationService.Blank(row.SectorId),
                Description = OrganisationService.Blank(row.Description), CreatedAt = time.GetUtcNow(),
            };
            _plan.NewCommunities.Add(community);
            _communities[community.Slug] = (community.Id, row.At);
        }
    }

    /// <summary>
    /// An optional detail that is absent (a column the CSV file lacks, a JSON property left out or null) keeps the
    /// stored value of an existing organisation; an empty one clears it.
    /// </summary>
    private void PlanOrganisations(List<OrganisationRow> rows)
    {
        foreach (var row in rows)
        {
            Step();
            var errors = new FieldErrors();
            var name = row.Name?.Trim() ?? "";
            var stored = _stored.TryGetValue(name, out var s) ? s : ((Guid Id, OrganisationDetails Details)?)null;
            var old = stored?.Details;
            var (nameJa, shortName, sectorId, description) =
                (row.NameJa ?? old?.NameJa, row.ShortName ?? old?.ShortName, row.SectorId ?? old?.SectorId, row.Description ?? old?.Description);
            var kind = ParseEnum<OrganisationKind>(row.Kind, "kind", errors, reportMissing: false);
            var kindUnknown = kind is null && !string.IsNullOrWhiteSpace(row.Kind);
            var input = new OrganisationInput(row.Name, nameJa, shortName,
                kindUnknown ? OrganisationKind.Enterprise : kind, OrganisationService.Blank(sectorId), row.Country, description);
            OrganisationValidator.ValidateDetails(input, errors, _sectors);
            foreach (var m in row.Communities)
            {
                if (!_communities.ContainsKey(m.Slug))
                {
                    errors.Add(m.Field, $"unknown community '{m.Slug}'");
                }
            }

            PlannedOrganisation planned;
            if (name.Length > 0 && !_defined.TryAdd(name, row.At))
            {
                errors.Add("name", $"organisation '{name}' is defined twice (first at {_defined[name].Describe(null)})");
                planned = new PlannedOrganisation(Guid.Empty, name, null, row.At) { Valid = false };
            }
            else
            {
                planned = stored is { } st
                    ? new PlannedOrganisation(st.Id, name, st.Details, row.At)
                    : new PlannedOrganisation(Guid.NewGuid(), name, null, row.At);
                if (name.Length > 0)
                {
                    _byName[name] = planned;
                }
            }

            _byRow[row] = planned;
            if (Report(errors, row.At))
            {
                planned.Valid = false;
                continue;
            }

            planned.Details = new OrganisationDetails(name, OrganisationService.Blank(nameJa), OrganisationService.Blank(shortName),
                kind!.Value, OrganisationService.Blank(sectorId), row.Country!.Trim(), OrganisationService.Blank(description));
            planned.CommunitySlugs.AddRange(row.Communities.Select(c => c.Slug));
        }
    }

    private async Task PlanNetworksAsync(List<NetworkRow> rows, CancellationToken ct)
    {
        var seen = new Dictionary<(NetworkKind, string), SourceLocation>();
        var pending = new List<(PlannedOrganisation Org, NetworkEntity Network, SourceLocation At)>();
        var now = time.GetUtcNow();
        foreach (var row in rows)
        {
            Step();
            var errors = new FieldErrors();
            var org = Resolve(row.Parent, row.Organisation, errors);
            var kind = ParseEnum<NetworkKind>(row.Kind, "kind", errors);
            var value = kind is null ? null : OrganisationValidator.NormaliseNetwork(kind, row.Value, errors, "");
            Check(errors, "description", FieldRules.OptionalText(row.Description));
            if (value is not null && !seen.TryAdd((kind!.Value, value), row.At))
            {
                errors.Add("value", $"{value} is listed twice (also at {seen[(kind.Value, value)].Describe(null)})");
            }

            if (!Report(errors, row.At) && org is { Valid: true })
            {
                var network = new NetworkEntity
                {
                    Id = Guid.NewGuid(), OrganisationId = org.Id, Kind = kind!.Value, Value = value!,
                    Description = OrganisationService.Blank(row.Description), CreatedAt = now,
                };
                pending.Add((org, network, row.At));
            }
        }

        // The conflict rule: one owner per exact block. Nested blocks are fine (the more specific one wins at lookup).
        // A small table is read whole; against a large one, only the blocks in the input are looked up.
        var owners = new Dictionary<(NetworkKind, string), Guid>();
        var readWhole = pending.Count > 0 && await db.Networks.CountAsync(ct) <= 4 * pending.Count;
        if (readWhole)
        {
            foreach (var n in await db.Networks.AsNoTracking().Select(n => new { n.Kind, n.Value, n.OrganisationId }).ToListAsync(ct))
            {
                owners[(n.Kind, n.Value)] = n.OrganisationId;
            }
        }

        foreach (var group in readWhole ? [] : pending.GroupBy(p => p.Network.Kind))
        {
            foreach (var chunk in group.Select(p => p.Network.Value).Chunk(QueryChunk))
            {
                var kind = group.Key;
                var found = await db.Networks.AsNoTracking().Where(n => n.Kind == kind && chunk.Contains(n.Value))
                    .Select(n => new { n.Value, n.OrganisationId }).ToListAsync(ct);
                foreach (var f in found)
                {
                    owners[(kind, f.Value)] = f.OrganisationId;
                }
            }
        }

        foreach (var (org, network, at) in pending)
        {
            if (!owners.TryGetValue((network.Kind, network.Value), out var owner))
            {
                org.NewNetworks.Add(network);
            }
            else if (owner == org.Id)
            {
                _plan.NetworksAlreadyPresent++;
            }
            else
            {
                var holder = _storedNames.GetValueOrDefault(owner, owner.ToString());
                _issues.Add(at, "value", $"{network.Value} is already owned by '{holder}': a block has one owner (a more specific block inside it may belong to another organisation)");
            }
        }
    }

    private async Task PlanContactsAsync(List<ContactRow> rows, CancellationToken ct)
    {
        var existing = new HashSet<(Guid, string, ContactRole, string)>();
        var counts = new Dictionary<Guid, int>();
        var storedIds = rows.Select(r => r.Parent is not null ? _byRow.GetValueOrDefault(r.Parent)?.Name : r.Organisation?.Trim())
            .Distinct(StringComparer.Ordinal).Select(n => n is not null && _stored.TryGetValue(n, out var s) ? s.Id : (Guid?)null)
            .OfType<Guid>().ToList();
        foreach (var ids in storedIds.Chunk(QueryChunk))
        {
            foreach (var c in await db.Contacts.AsNoTracking().Where(c => ids.Contains(c.OrganisationId))
                         .Select(c => new { c.OrganisationId, c.Name, c.Role, c.Email }).ToListAsync(ct))
            {
                existing.Add((c.OrganisationId, c.Name, c.Role, c.Email.ToLowerInvariant()));
                counts[c.OrganisationId] = counts.GetValueOrDefault(c.OrganisationId) + 1;
            }
        }

        var seen = new Dictionary<(Guid, string, ContactRole, string), SourceLocation>();
        foreach (var row in rows)
        {
            Step();
            var errors = new FieldErrors();
            var org = Resolve(row.Parent, row.Organisation, errors);
            var role = ParseEnum<ContactRole>(row.Role, "role", errors, reportMissing: false);
            var input = new ContactInput(row.Name, role ?? (string.IsNullOrWhiteSpace(row.Role) ? null : ContactRole.Primary), row.Email, row.Phone, row.PgpKey);
            OrganisationValidator.ValidateContact(input, errors, "");
            if (errors.Any || org is not { Valid: true })
            {
                Report(errors, row.At);
                continue;
            }

            var key = (org.Id, row.Name!.Trim(), role!.Value, row.Email!.Trim().ToLowerInvariant());
            if (seen.TryGetValue(key, out var first))
            {
                _issues.Add(row.At, "", $"the same contact is listed twice (also at {first.Describe(null)})");
                continue;
            }

            seen[key] = row.At;
            if (existing.Contains(key))
            {
                _plan.ContactsAlreadyPresent++;
                continue;
            }

            var count = counts[org.Id] = counts.GetValueOrDefault(org.Id) + 1;
            if (count > OrganisationValidator.MaxContacts)
            {
                _issues.Add(row.At, "", $"organisation '{org.Name}' would have more than {OrganisationValidator.MaxContacts} contacts, the limit");
                continue;
            }

            org.NewContacts.Add(new ContactEntity
            {
                Id = Guid.NewGuid(), OrganisationId = org.Id, Name = row.Name.Trim(), Role = role.Value, Email = row.Email.Trim(),
                Phone = OrganisationService.Blank(row.Phone), PgpKey = OrganisationService.Blank(row.PgpKey),
            });
        }
    }

    private async Task PlanMembershipsAsync(CancellationToken ct)
    {
        var orgs = _byName.Values.Where(o => o.Valid).ToList();
        var existing = new HashSet<(Guid, Guid)>();
        foreach (var ids in orgs.Where(o => !o.IsNew).Select(o => o.Id).Chunk(QueryChunk))
        {
            foreach (var m in await db.Memberships.AsNoTracking().Where(m => ids.Contains(m.OrganisationId))
                         .Select(m => new { m.OrganisationId, m.CommunityId }).ToListAsync(ct))
            {
                existing.Add((m.OrganisationId, m.CommunityId));
            }
        }

        var now = time.GetUtcNow();
        foreach (var org in orgs)
        {
            var slugs = org.CommunitySlugs.ToList();
            if (org.Details?.SectorId is { } sector)
            {
                // Like the API: an organisation of a sector is a member of that sector's community.
                slugs.Add(BuiltInCommunities.SectorSlug(sector));
            }

            foreach (var slug in slugs)
            {
                if (_communities.TryGetValue(slug, out var c) && c.Id != Guid.Empty && existing.Add((org.Id, c.Id)))
                {
                    org.NewMemberships.Add(new MembershipEntity { CommunityId = c.Id, OrganisationId = org.Id, JoinedAt = now });
                }
            }
        }
    }

    /// <summary>The organisation a network or contact belongs to: its JSON parent, one defined in the input, or one in the database.</summary>
    private PlannedOrganisation? Resolve(OrganisationRow? parent, string? name, FieldErrors errors)
    {
        if (parent is not null)
        {
            return _byRow.GetValueOrDefault(parent);
        }

        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            errors.Add("organisation", "is required (the organisation's name)");
            return null;
        }

        if (_byName.TryGetValue(trimmed, out var planned))
        {
            return planned;
        }

        if (_stored.TryGetValue(trimmed, out var stored))
        {
            planned = new PlannedOrganisation(stored.Id, trimmed, stored.Details, new SourceLocation("(database)"));
            _byName[trimmed] = planned;
            return planned;
        }

        errors.Add("organisation", $"unknown organisation '{trimmed}': it is neither in the import nor in the database (names must match exactly)");
        return null;
    }

    /// <param name="reportMissing">False where <see cref="OrganisationValidator"/> reports a missing value itself.</param>
    private static T? ParseEnum<T>(string? text, string field, FieldErrors errors, bool reportMissing = true) where T : struct, Enum
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            if (reportMissing)
            {
                errors.Add(field, $"is required ({EnumText<T>.Known})");
            }

            return null;
        }

        if (EnumText<T>.TryParse(text, out var value))
        {
            return value;
        }

        errors.Add(field, $"unknown {field} '{text.Trim()}' (one of: {EnumText<T>.Known})");
        return null;
    }

    private static void Check(FieldErrors errors, string field, string? reason)
    {
        if (reason is not null)
        {
            errors.Add(field, reason);
        }
    }

    /// <summary>Adds the errors to the issue list; true when there were any.</summary>
    private bool Report(FieldErrors errors, SourceLocation at)
    {
        if (!errors.Any)
        {
            return false;
        }

        foreach (var (field, reasons) in errors.ToDictionary())
        {
            foreach (var reason in reasons.Distinct())
            {
                _issues.Add(at, field, reason);
            }
        }

        return true;
    }

    private void Step()
    {
        if (++_done % ProgressEvery == 0)
        {
            _progress?.Report(new ExchangeProgress(ExchangeStage.Validating, _done, _total));
        }
    }
}
