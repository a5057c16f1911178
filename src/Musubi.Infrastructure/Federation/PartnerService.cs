using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Identity;
using Musubi.Core.Sharing;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Federation;

/// <summary>
/// Federation partners: create, change, delete (platform administrators, audited as <c>federation.partner.*</c>). The
/// secret for the remote end is protected with ASP.NET data protection (key ring in the database, as for TOTP keys),
/// never returned and never written to the audit trail (only whether one is set).
/// </summary>
public sealed class PartnerService(MusubiDbContext db, AuditTrail audit, TimeProvider time, IDataProtectionProvider protection, FederationOptions options)
{
    public const string SecretPurpose = "Musubi.Federation.PartnerSecret";
    public const int MaxFailuresKept = 100;
    public const int MaxCommunities = 100;
    public const int MaxIntervalMinutes = 7 * 24 * 60;

    public async Task<IReadOnlyList<PartnerDto>> ListAsync(Actor actor, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanReadPartners(actor), "federation partners are managed by platform administrators");
        var rows = await db.Set<PartnerEntity>().AsNoTracking().OrderBy(p => p.Name).ToListAsync(ct);
        var names = await OrganisationNamesAsync(rows, ct);
        return rows.Select(p => ToDto(p, names)).ToList();
    }

    public async Task<PartnerDto> GetAsync(Actor actor, Guid id, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanReadPartners(actor), "federation partners are managed by platform administrators");
        var p = await db.Set<PartnerEntity>().AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, ct)
            ?? throw new NotFoundException("partner", id.ToString());
        return ToDto(p, await OrganisationNamesAsync([p], ct));
    }

    public async Task<PartnerDto> CreateAsync(Actor actor, PartnerInput input, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanManagePartners(actor), "federation partners are managed by platform administrators");
        var p = new PartnerEntity
        {
            Id = Guid.NewGuid(),
            Name = "",
            Url = "",
            Kind = PartnerKind.Taxii,
            Direction = PartnerDirection.Pull,
            IntervalMinutes = 60,
            Ceiling = Tlp.Green,
            DefaultTlp = Tlp.Amber,
            CreatedAt = time.GetUtcNow(),
        };
        await ApplyAsync(p, input, creating: true, ct);
        db.Set<PartnerEntity>().Add(p);
        audit.Record(actor, "federation.partner.create", "federation-partner", p.Id.ToString(), p.OrganisationId, null, AuditView(p));
        await SaveAsync(ct);
        return ToDto(p, await OrganisationNamesAsync([p], ct));
    }

    public async Task<PartnerDto> UpdateAsync(Actor actor, Guid id, PartnerInput input, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanManagePartners(actor), "federation partners are managed by platform administrators");
        var p = await db.Set<PartnerEntity>().FirstOrDefaultAsync(x => x.Id == id, ct) ?? throw new NotFoundException("partner", id.ToString());
        var before = AuditView(p);
        await ApplyAsync(p, input, creating: false, ct);
        audit.Record(actor, "federation.partner.update", "federation-partner", p.Id.ToString(), p.OrganisationId, before, AuditView(p));
        await SaveAsync(ct);
        return ToDto(p, await OrganisationNamesAsync([p], ct));
    }

    public async Task DeleteAsync(Actor actor, Guid id, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanManagePartners(actor), "federation partners are managed by platform administrators");
        var p = await db.Set<PartnerEntity>().FirstOrDefaultAsync(x => x.Id == id, ct) ?? throw new NotFoundException("partner", id.ToString());
        db.Set<PartnerEntity>().Remove(p);
        audit.Record(actor, "federation.partner.delete", "federation-partner", p.Id.ToString(), p.OrganisationId, AuditView(p), null);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>The secret for the remote end, unprotected: only the federation runner calls this, to send it.</summary>
    internal string? SecretOf(PartnerEntity p) =>
        p.SecretProtected is null ? null : protection.CreateProtector(SecretPurpose).Unprotect(p.SecretProtected);

    private async Task ApplyAsync(PartnerEntity p, PartnerInput input, bool creating, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        void Error(string field, string message) => errors[field] = [message];

        if (input.Name is { } name)
        {
            name = name.Trim();
            if (name.Length is 0 or > 200)
            {
                Error("name", "is required, at most 200 characters");
            }

            p.Name = name;
        }
        else if (creating)
        {
            Error("name", "is required");
        }

        if (input.Kind is { } kind)
        {
            if (!Enum.IsDefined(kind))
            {
                Error("kind", "must be taxii or misp-feed");
            }

            p.Kind = kind;
        }
        else if (creating)
        {
            Error("kind", "is required (taxii or misp-feed)");
        }

        if (input.Url is { } url)
        {
            url = url.Trim();
            if (ParseLocalFolder(url) is { } folder)
            {
                // A MISP feed in a local folder: only under a folder the operator allows (Musubi:Federation:FeedFolders).
                if (!FederationAddresses.IsUnderFeedFolder(folder, options.FeedFolders))
                {
                    Error("url", $"the folder {folder} is not under a folder allowed by Musubi:Federation:FeedFolders");
                }
                else
                {
                    p.Url = new Uri(folder.EndsWith('/') ? folder : folder + "/").AbsoluteUri;
                }
            }
            else if (url.Length > 2000 || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
                || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
            {
                Error("url", "must be an absolute http(s) URL without query, fragment or credentials, at most 2000 characters (or, for a MISP feed, a local folder)");
            }
            else if (!options.AllowPrivateAddresses && await FederationAddresses.CheckHostAsync(uri.IdnHost, ct) is { } refused)
            {
                Error("url", $"{refused}: partner URLs must be public unless the operator sets Musubi:Federation:AllowPrivateAddresses");
            }
            else
            {
                p.Url = url.EndsWith('/') ? url : url + "/";
            }
        }
        else if (creating)
        {
            Error("url", "is required (the TAXII API root, or the MISP feed's folder)");
        }

        if (input.CollectionId is { } collection)
        {
            collection = collection.Trim();
            p.CollectionId = collection.Length == 0 ? null : collection;
            if (collection.Length > 200 || collection.Contains('/') || collection.Contains('?'))
            {
                Error("collectionId", "must be a TAXII collection id or alias (no '/' or '?'), at most 200 characters");
            }
        }

        if (p.Kind == PartnerKind.Taxii && string.IsNullOrEmpty(p.CollectionId) && !errors.ContainsKey("collectionId"))
        {
            Error("collectionId", "is required for a TAXII partner");
        }

        if (input.Direction is { } direction)
        {
            if (!Enum.IsDefined(direction))
            {
                Error("direction", "must be pull, push or both");
            }

            p.Direction = direction;
        }

        if (p.Kind != PartnerKind.MispFeed && p.Url.StartsWith("file:", StringComparison.Ordinal) && !errors.ContainsKey("url"))
        {
            Error("url", "a local folder can only be a MISP feed's; a TAXII partner needs an http(s) API root");
        }

        if (p.Kind == PartnerKind.MispFeed && p.Direction != PartnerDirection.Pull)
        {
            Error("direction", "a MISP feed can only be pulled");
        }

        if (input.ClearOrganisation)
        {
            p.OrganisationId = null;
        }
        else if (input.OrganisationId is { } org)
        {
            if (!await db.Organisations.AnyAsync(o => o.Id == org, ct))
            {
                Error("organisationId", $"unknown organisation {org}");
            }

            p.OrganisationId = org;
        }

        if (p.Pushes && p.OrganisationId is null && !errors.ContainsKey("organisationId"))
        {
            Error("organisationId", "pushing needs the partner's organisation here: what it may see decides what is pushed");
        }

        if (input.IntervalMinutes is { } interval)
        {
            if (interval < 1 || interval > MaxIntervalMinutes)
            {
                Error("intervalMinutes", $"must be between 1 and {MaxIntervalMinutes}");
            }

            p.IntervalMinutes = interval;
        }

        if (input.Ceiling is { } ceiling)
        {
            if (!Enum.IsDefined(ceiling))
            {
                Error("ceiling", "must be a TLP: clear, green, amber, amber-strict or red");
            }

            p.Ceiling = ceiling;
        }

        if (input.DefaultTlp is { } defaultTlp)
        {
            if (!Enum.IsDefined(defaultTlp))
            {
                Error("defaultTlp", "must be a TLP: clear, green, amber, amber-strict or red");
            }

            p.DefaultTlp = defaultTlp;
        }

        if (input.Communities is { } communities)
        {
            var distinct = communities.Distinct().ToList();
            if (distinct.Count > MaxCommunities)
            {
                Error("communities", $"at most {MaxCommunities}");
            }
            else
            {
                var known = await db.Communities.Where(c => distinct.Contains(c.Id)).Select(c => c.Id).ToListAsync(ct);
                foreach (var (c, i) in distinct.Select((c, i) => (c, i)).Where(x => !known.Contains(x.c)))
                {
                    Error($"communities[{i}]", $"unknown community {c}");
                }
            }

            p.Communities = string.Join(',', distinct);
        }

        if (input.Enabled is { } enabled)
        {
            p.Enabled = enabled;
        }

        if (input.Auth is { } auth)
        {
            if (!Enum.IsDefined(auth))
            {
                Error("auth", "must be none, basic, bearer or header");
            }

            p.Auth = auth;
        }

        if (input.UserName is { } user)
        {
            user = user.Trim();
            p.UserName = user.Length == 0 ? null : user;
            if (user.Length > 200 || user.Contains(':'))
            {
                Error("userName", "at most 200 characters, without ':'");
            }
        }

        if (input.Secret is { } secret)
        {
            if (secret.Length > 4000 || secret.Any(char.IsControl))
            {
                Error("secret", "at most 4000 characters, no control characters");
            }
            else
            {
                p.SecretProtected = secret.Length == 0 ? null : protection.CreateProtector(SecretPurpose).Protect(secret);
            }
        }

        if (p.Auth == PartnerAuth.Basic && p.UserName is null && !errors.ContainsKey("userName"))
        {
            Error("userName", "is required for HTTP Basic");
        }

        if (p.Auth != PartnerAuth.None && p.SecretProtected is null && !errors.ContainsKey("secret"))
        {
            Error("secret", "is required for this authentication");
        }

        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }
    }

    /// <summary>A local folder given as a <c>file://</c> URL or an absolute path; null for anything else.</summary>
    private static string? ParseLocalFolder(string url)
    {
        if (url.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            return Uri.TryCreate(url, UriKind.Absolute, out var u) && u.IsFile && string.IsNullOrEmpty(u.Host) && u.LocalPath.Length < 2000
                ? Path.GetFullPath(u.LocalPath)
                : null;
        }

        return url.StartsWith('/') && url.Length < 2000 && !url.Contains('\0') ? Path.GetFullPath(url) : null;
    }

    private async Task SaveAsync(CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            throw new ConflictException("a partner with this name already exists", "name");
        }
    }

    private async Task<Dictionary<Guid, string>> OrganisationNamesAsync(IEnumerable<PartnerEntity> partners, CancellationToken ct)
    {
        var ids = partners.Select(p => p.OrganisationId).OfType<Guid>().Distinct().ToList();
        return await db.Organisations.AsNoTracking().Where(o => ids.Contains(o.Id)).ToDictionaryAsync(o => o.Id, o => o.Name, ct);
    }

    internal static PartnerDto ToDto(PartnerEntity p, IReadOnlyDictionary<Guid, string> organisationNames) => new(
        p.Id, p.Name, p.OrganisationId, p.OrganisationId is { } o && organisationNames.TryGetValue(o, out var n) ? n : null,
        p.Kind, p.Url, p.CollectionId, p.Auth, p.UserName, p.SecretProtected is not null, p.Direction, p.IntervalMinutes, p.Ceiling,
        p.DefaultTlp, p.CommunityIds(), p.Enabled, p.CreatedAt,
        new PartnerStatus(p.LastAttemptAt, p.LastSuccessAt, p.LastErrorAt, p.LastError, p.ObjectsPulled, p.ObjectsPushed, p.PullCheckpoint,
            p.PushCheckpoint, Failures(p.LastFailures)));

    internal static IReadOnlyList<PartnerFailure> Failures(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize<List<PartnerFailure>>(json, MusubiJson.Options) ?? [];

    /// <summary>What the audit trail keeps of a partner: everything but the secret, of which only its presence.</summary>
    private static object AuditView(PartnerEntity p) => new
    {
        p.Name, p.OrganisationId, p.Kind, p.Url, p.CollectionId, p.Auth, p.UserName, HasSecret = p.SecretProtected is not null,
        p.Direction, p.IntervalMinutes, p.Ceiling, p.DefaultTlp, Communities = p.CommunityIds(), p.Enabled,
    };
}
