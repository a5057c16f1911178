using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Constituency;
using Musubi.Core.Feeds;
using Musubi.Core.Identity;
using Musubi.Core.Validation;
using Musubi.Feeds.Parsers;
using Musubi.Feeds.Pipeline;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Federation;
using Musubi.Infrastructure.Feeds.Collectors;

namespace Musubi.Infrastructure.Feeds;

/// <param name="Options">The collector's or parser's own settings (docs/FEEDS.md): a generic-csv mapping, a taxii partner and collection.</param>
public sealed record FeedSourceInput(string? Name, string? Type, string? Collector, string? Location, int? IntervalSeconds, bool? Enabled,
    JsonElement? Options = null);

/// <param name="Cursor">The detections and TAXII collectors' checkpoint (last alert time taken; the next added_after).</param>
public sealed record FeedSourceDto(Guid Id, string Name, string? Type, string Collector, string? Location, int IntervalSeconds, bool Enabled,
    DateTimeOffset? LastRunAt, DateTimeOffset? LastSuccessAt, string? LastError, long RowsAccepted, long RowsRejected,
    JsonElement? Options = null, DateTimeOffset? Cursor = null);

public sealed record FeedRecipientInput(string? Name, Guid? OrganisationId, string? Email, string? Language, int? IntervalSeconds, bool? Enabled);

public sealed record FeedRecipientDto(Guid Id, string Name, Guid? OrganisationId, string Email, string Language, int IntervalSeconds, bool Enabled);

public sealed record FeedRuleInput(int? Position, Guid? OrganisationId, long? Asn, string? Taxonomy, string? Type, string? Feed, Guid? RecipientId, bool? Inhibit, string? Comment);

public sealed record FeedRuleDto(Guid Id, int Position, Guid? OrganisationId, long? Asn, string? Taxonomy, string? Type, string? Feed, Guid? RecipientId, bool Inhibit, string? Comment);

public sealed record FeedSettingsDto(IReadOnlyList<string> DedupKey, int DedupWindowSeconds);

public sealed record FeedPrefixTableDto(string Kind, string FileName, int Prefixes, DateTimeOffset ImportedAt);

/// <summary>
/// The configuration of infected-host notification, kept in the database: sources, recipients, routing rules and
/// inhibitions, the de-duplication key and window, and the prefix tables. Every write is audited; only
/// <see cref="FeedAccessRules.CanManageFeeds"/> principals get in.
/// </summary>
public sealed class FeedConfigService(MusubiDbContext db, AuditTrail audit, TimeProvider time)
{
    /// <summary>The collectors (docs/FEEDS.md).</summary>
    public static readonly string[] Collectors = ["upload", "folder", "http", "detections", "taxii", "darknet"];
    public const int MinIntervalSeconds = 1;
    public const int MaxIntervalSeconds = 31 * 86400;
    public const long MaxPrefixTableBytes = 64L * 1024 * 1024;

    public async Task RequireAsync(Actor actor, CancellationToken ct)
    {
        var inCentre = actor.OrganisationId != Guid.Empty && await db.Organisations.AsNoTracking()
            .AnyAsync(o => o.Id == actor.OrganisationId && o.Kind == OrganisationKind.NationalCentre, ct);
        ForbiddenException.ThrowUnless(FeedAccessRules.CanManageFeeds(actor, inCentre),
            "infected-host notification is managed by platform administrators and the national SOC");
    }

    /// <summary>Whether <paramref name="actor"/> may manage feeds (the pages' and the menu's question; the services check again).</summary>
    public async Task<bool> MayManageAsync(Actor actor, CancellationToken ct)
    {
        try
        {
            await RequireAsync(actor, ct);
            return true;
        }
        catch (ForbiddenException)
        {
            return false;
        }
    }

    // ---- sources

    public async Task<IReadOnlyList<FeedSourceDto>> ListSourcesAsync(Actor actor, CancellationToken ct)
    {
        await RequireAsync(actor, ct);
        var rows = await db.Set<FeedSourceEntity>().AsNoTracking().ToListAsync(ct);
        return [.. rows.OrderBy(s => s.Name, StringComparer.Ordinal).Select(ToDto)];
    }

    public async Task<FeedSourceDto> CreateSourceAsync(Actor actor, FeedSourceInput input, CancellationToken ct)
    {
        await RequireAsync(actor, ct);
        var entity = new FeedSourceEntity { Id = Guid.NewGuid(), Name = "", Collector = "upload", CreatedAt = time.GetUtcNow() };
        Apply(entity, input);
        await EnsurePartnerAsync(entity, ct);
        await EnsureUniqueSourceAsync(entity.Name, null, ct);
        db.Set<FeedSourceEntity>().Add(entity);
        audit.Record(actor, "feed-source.create", "feed-source", entity.Id.ToString(), null, null, ToDto(entity));
        await db.SaveChangesAsync(ct);
        return ToDto(entity);
    }

    public async Task<FeedSourceDto> UpdateSourceAsync(Actor actor, Guid id, FeedSourceInput input, CancellationToken ct)
    {
        await RequireAsync(actor, ct);
        var entity = await db.Set<FeedSourceEntity>().FirstOrDefaultAsync(s => s.Id == id, ct) ?? throw new NotFoundException("feed source", id.ToString());
        var before = ToDto(entity);
        var wasOptions = entity.Options;
        Apply(entity, input);
        await EnsurePartnerAsync(entity, ct);
        if (entity.Collector == "taxii" && !TaxiiTarget(wasOptions).Equals(TaxiiTarget(entity.Options)))
        {
            entity.Cursor = null; // another collection: its own added_after from the start
        }

        await EnsureUniqueSourceAsync(entity.Name, id, ct);
        audit.Record(actor, "feed-source.update", "feed-source", id.ToString(), null, before, ToDto(entity));
        await db.SaveChangesAsync(ct);
        return ToDto(entity);
    }

    public async Task DeleteSourceAsync(Actor actor, Guid id, CancellationToken ct)
    {
        await RequireAsync(actor, ct);
        var entity = await db.Set<FeedSourceEntity>().FirstOrDefaultAsync(s => s.Id == id, ct) ?? throw new NotFoundException("feed source", id.ToString());
        if (await db.Set<FeedFileEntity>().AnyAsync(f => f.SourceId == id && f.State == FeedFileStates.Queued, ct))
        {
            throw new ConflictException($"feed source '{entity.Name}' has files still being processed");
        }

        db.Remove(entity);
        audit.Record(actor, "feed-source.delete", "feed-source", id.ToString(), null, ToDto(entity), null);
        await db.SaveChangesAsync(ct);
    }

    private async Task EnsureUniqueSourceAsync(string name, Guid? except, CancellationToken ct)
    {
        if (await db.Set<FeedSourceEntity>().AnyAsync(s => s.Name == name && s.Id != except, ct))
        {
            throw new ConflictException($"a feed source named '{name}' exists", "name");
        }
    }

    private static (string?, string?) TaxiiTarget(string? options)
    {
        if (options is null)
        {
            return (null, null);
        }

        using var doc = JsonDocument.Parse(options);
        string? Get(string name) => doc.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return (Get("partner"), Get("collection"));
    }

    /// <summary>A taxii source names an existing TAXII partner (400 otherwise).</summary>
    private async Task EnsurePartnerAsync(FeedSourceEntity e, CancellationToken ct)
    {
        if (e.Collector != "taxii")
        {
            return;
        }

        var (partner, _) = TaxiiTarget(e.Options);
        if (!await db.Set<PartnerEntity>().AnyAsync(p => p.Name == partner && p.Kind == PartnerKind.Taxii, ct))
        {
            throw new ValidationFailedException("options.partner", $"no TAXII federation partner named '{partner}'");
        }
    }

    private static void Apply(FeedSourceEntity e, FeedSourceInput input)
    {
        var errors = new FieldErrors();
        var name = input.Name?.Trim();
        if (!IsName(name))
        {
            errors.Add("name", "1 to 100 letters, digits, '-', '_' or '.'");
        }

        var type = string.IsNullOrWhiteSpace(input.Type) || input.Type == "auto" ? null : input.Type.Trim();
        if (type is not null && type != FeedSourceSettings.GenericCsv && FeedFormats.ByType(type) is null)
        {
            errors.Add("type", $"unknown feed type (one of: auto, {FeedSourceSettings.GenericCsv}, {string.Join(", ", FeedFormats.BuiltIn.Select(p => p.Type))})");
        }

        var collector = input.Collector?.Trim().ToLowerInvariant() ?? "upload";
        if (!Collectors.Contains(collector))
        {
            errors.Add("collector", "one of: " + string.Join(", ", Collectors));
        }
        else if (collector is "detections" or "taxii" && type is not null)
        {
            errors.Add("type", $"the {collector} collector writes its own format: leave type empty");
        }
        else if (collector == "darknet" && type is not null && type != FeedSourceSettings.DarknetPcap)
        {
            errors.Add("type", $"the darknet collector reads {FeedSourceSettings.DarknetPcap} captures");
        }

        if (collector == "darknet")
        {
            type = FeedSourceSettings.DarknetPcap;
        }

        var options = FeedSourceSettings.Validate(collector, type, input.Options, errors);

        var location = string.IsNullOrWhiteSpace(input.Location) ? null : input.Location.Trim();
        if (collector == "http" && (location is null || !Uri.TryCreate(location, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            errors.Add("location", "an http or https URL");
        }
        else if (collector is "folder" or "darknet" && (location is null || !Path.IsPathFullyQualified(location)))
        {
            errors.Add("location", "an absolute folder path");
        }
        else if (location is { Length: > 2000 })
        {
            errors.Add("location", "at most 2000 characters");
        }

        var interval = input.IntervalSeconds ?? 3600;
        if (interval is < MinIntervalSeconds or > MaxIntervalSeconds)
        {
            errors.Add("intervalSeconds", $"{MinIntervalSeconds} to {MaxIntervalSeconds}");
        }

        errors.ThrowIfAny();
        e.Name = name!;
        e.Type = type;
        e.Collector = collector;
        e.Location = collector is "http" or "folder" or "darknet" ? location : null;
        e.Options = options;
        e.IntervalSeconds = interval;
        e.Enabled = input.Enabled ?? true;
    }

    internal static FeedSourceDto ToDto(FeedSourceEntity s) => new(s.Id, s.Name, s.Type, s.Collector, s.Location, s.IntervalSeconds, s.Enabled,
        s.LastRunAt, s.LastSuccessAt, s.LastError, s.RowsAccepted, s.RowsRejected, FeedSourceSettings.ToJson(s.Options), s.Cursor);

    // ---- recipients

    public async Task<IReadOnlyList<FeedRecipientDto>> ListRecipientsAsync(Actor actor, CancellationToken ct)
    {
        await RequireAsync(actor, ct);
        var rows = await db.Set<FeedRecipientEntity>().AsNoTracking().ToListAsync(ct);
        return [.. rows.OrderBy(r => r.Name, StringComparer.Ordinal).Select(ToDto)];
    }

    public async Task<FeedRecipientDto> CreateRecipientAsync(Actor actor, FeedRecipientInput input, CancellationToken ct)
    {
        await RequireAsync(actor, ct);
        var entity = new FeedRecipientEntity { Id = Guid.NewGuid(), Name = "", Email = "", Language = "en", CreatedAt = time.GetUtcNow() };
        await ApplyAsync(entity, input, ct);
        db.Set<FeedRecipientEntity>().Add(entity);
        audit.Record(actor, "feed-recipient.create", "feed-recipient", entity.Id.ToString(), entity.OrganisationId, null, ToDto(entity));
        await db.SaveChangesAsync(ct);
        return ToDto(entity);
    }

    public async Task<FeedRecipientDto> UpdateRecipientAsync(Actor actor, Guid id, FeedRecipientInput input, CancellationToken ct)
    {
        await RequireAsync(actor, ct);
        var entity = await db.Set<FeedRecipientEntity>().FirstOrDefaultAsync(r => r.Id == id, ct) ?? throw new NotFoundException("feed recipient", id.ToString());
        var before = ToDto(entity);
        await ApplyAsync(entity, input, ct);
        audit.Record(actor, "feed-recipient.update", "feed-recipient", id.ToString(), entity.OrganisationId, before, ToDto(entity));
        await db.SaveChangesAsync(ct);
        return ToDto(entity);
    }

    public async Task DeleteRecipientAsync(Actor actor, Guid id, CancellationToken ct)
    {
        await RequireAsync(actor, ct);
        var entity = await db.Set<FeedRecipientEntity>().FirstOrDefaultAsync(r => r.Id == id, ct) ?? throw new NotFoundException("feed recipient", id.ToString());
        if (await db.Set<FeedWindowRowEntity>().AnyAsync(w => w.RecipientId == id, ct))
        {
            throw new ConflictException($"feed recipient '{entity.Name}' has rows in an open window; disable it and delete it after the window closed");
        }

        db.Remove(entity);
        audit.Record(actor, "feed-recipient.delete", "feed-recipient", id.ToString(), entity.OrganisationId, ToDto(entity), null);
        await db.SaveChangesAsync(ct);
    }

    private async Task ApplyAsync(FeedRecipientEntity e, FeedRecipientInput input, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var name = input.Name?.Trim();
        if (!IsName(name))
        {
            errors.Add("name", "1 to 100 letters, digits, '-', '_' or '.'");
        }

        var email = input.Email?.Trim();
        if (string.IsNullOrEmpty(email))
        {
            errors.Add("email", "required");
        }
        else
        {
            errors.Check("email", FieldRules.Email(email));
        }

        var language = input.Language?.Trim().ToLowerInvariant() ?? "ja";
        if (language is not ("ja" or "en"))
        {
            errors.Add("language", "ja or en");
        }

        var interval = input.IntervalSeconds ?? 86400;
        if (interval is < MinIntervalSeconds or > MaxIntervalSeconds)
        {
            errors.Add("intervalSeconds", $"{MinIntervalSeconds} to {MaxIntervalSeconds}");
        }

        if (input.OrganisationId is { } org && !await db.Organisations.AnyAsync(o => o.Id == org, ct))
        {
            errors.Add("organisationId", "no such organisation");
        }

        errors.ThrowIfAny();
        if (await db.Set<FeedRecipientEntity>().AnyAsync(r => r.Name == name && r.Id != e.Id, ct))
        {
            throw new ConflictException($"a feed recipient named '{name}' exists", "name");
        }

        e.Name = name!;
        e.Email = email!;
        e.Language = language;
        e.IntervalSeconds = interval;
        e.OrganisationId = input.OrganisationId;
        e.Enabled = input.Enabled ?? true;
    }

    internal static FeedRecipientDto ToDto(FeedRecipientEntity r) => new(r.Id, r.Name, r.OrganisationId, r.Email, r.Language, r.IntervalSeconds, r.Enabled);

    // ---- rules

    public async Task<IReadOnlyList<FeedRuleDto>> ListRulesAsync(Actor actor, CancellationToken ct)
    {
        await RequireAsync(actor, ct);
        var rows = await db.Set<FeedRuleEntity>().AsNoTracking().ToListAsync(ct);
        return [.. rows.OrderBy(r => r.Position).ThenBy(r => r.Id).Select(ToDto)];
    }

    public async Task<FeedRuleDto> CreateRuleAsync(Actor actor, FeedRuleInput input, CancellationToken ct)
    {
        await RequireAsync(actor, ct);
        var errors = new FieldErrors();
        var inhibit = input.Inhibit ?? false;
        if (inhibit == (input.RecipientId is not null))
        {
            errors.Add("recipientId", "a rule names a recipient, an inhibition does not");
        }

        if (input.RecipientId is { } rid && !await db.Set<FeedRecipientEntity>().AnyAsync(r => r.Id == rid, ct))
        {
            errors.Add("recipientId", "no such recipient");
        }

        if (input.OrganisationId is { } org && !await db.Organisations.AnyAsync(o => o.Id == org, ct))
        {
            errors.Add("organisationId", "no such organisation");
        }

        if (input.Asn is { } asn && asn is < 1 or > uint.MaxValue)
        {
            errors.Add("asn", "1 to 4294967295");
        }

        foreach (var (field, value) in new[] { ("taxonomy", input.Taxonomy), ("type", input.Type), ("feed", input.Feed) })
        {
            if (value is { Length: > 100 })
            {
                errors.Add(field, "at most 100 characters");
            }
        }

        if (input.OrganisationId is null && input.Asn is null && Blank(input.Taxonomy) && Blank(input.Type) && Blank(input.Feed))
        {
            errors.Add("", "a rule needs at least one condition (organisationId, asn, taxonomy, type, feed)");
        }

        if (input.Comment is { Length: > 500 })
        {
            errors.Add("comment", "at most 500 characters");
        }

        errors.ThrowIfAny();
        var entity = new FeedRuleEntity
        {
            Id = Guid.NewGuid(), Position = input.Position ?? 0, OrganisationId = input.OrganisationId, Asn = input.Asn,
            Taxonomy = Trimmed(input.Taxonomy), Type = Trimmed(input.Type), Feed = Trimmed(input.Feed),
            RecipientId = input.RecipientId, Inhibit = inhibit, Comment = Trimmed(input.Comment),
        };
        db.Set<FeedRuleEntity>().Add(entity);
        audit.Record(actor, "feed-rule.create", "feed-rule", entity.Id.ToString(), entity.OrganisationId, null, ToDto(entity));
        await db.SaveChangesAsync(ct);
        return ToDto(entity);
    }

    public async Task DeleteRuleAsync(Actor actor, Guid id, CancellationToken ct)
    {
        await RequireAsync(actor, ct);
        var entity = await db.Set<FeedRuleEntity>().FirstOrDefaultAsync(r => r.Id == id, ct) ?? throw new NotFoundException("feed rule", id.ToString());
        db.Remove(entity);
        audit.Record(actor, "feed-rule.delete", "feed-rule", id.ToString(), entity.OrganisationId, ToDto(entity), null);
        await db.SaveChangesAsync(ct);
    }

    internal static FeedRuleDto ToDto(FeedRuleEntity r) => new(r.Id, r.Position, r.OrganisationId, r.Asn, r.Taxonomy, r.Type, r.Feed, r.RecipientId, r.Inhibit, r.Comment);

    // ---- settings

    public async Task<FeedSettingsDto> GetSettingsAsync(Actor actor, CancellationToken ct)
    {
        await RequireAsync(actor, ct);
        return ToDto(await db.Set<FeedSettingsEntity>().AsNoTracking().FirstOrDefaultAsync(s => s.Id == 1, ct) ?? DefaultSettings());
    }

    public async Task<FeedSettingsDto> UpdateSettingsAsync(Actor actor, FeedSettingsDto input, CancellationToken ct)
    {
        await RequireAsync(actor, ct);
        var errors = new FieldErrors();
        var fields = DedupFields.None;
        for (var i = 0; i < (input.DedupKey?.Count ?? 0); i++)
        {
            if (Enum.TryParse<DedupFields>(input.DedupKey![i], ignoreCase: true, out var f) && f != DedupFields.None && f != DedupFields.Default)
            {
                fields |= f;
            }
            else
            {
                errors.Add($"dedupKey[{i}]", "one of: " + string.Join(", ", KeyFieldNames));
            }
        }

        if (fields == DedupFields.None && errors.Any == false)
        {
            errors.Add("dedupKey", "at least one field");
        }

        if (input.DedupWindowSeconds is < 0 or > 90 * 86400)
        {
            errors.Add("dedupWindowSeconds", "0 to 7776000 (90 days)");
        }

        errors.ThrowIfAny();
        var entity = await db.Set<FeedSettingsEntity>().FirstOrDefaultAsync(s => s.Id == 1, ct);
        var before = entity is null ? null : ToDto(entity);
        if (entity is null)
        {
            entity = DefaultSettings();
            db.Add(entity);
        }

        entity.DedupKey = fields.ToString();
        entity.DedupWindowSeconds = input.DedupWindowSeconds;
        audit.Record(actor, "feed-settings.update", "feed-settings", "1", null, before, ToDto(entity));
        await db.SaveChangesAsync(ct);
        return ToDto(entity);
    }

    private static readonly string[] KeyFieldNames = [.. Enum.GetNames<DedupFields>().Where(n => n is not ("None" or "Default"))];

    internal static FeedSettingsEntity DefaultSettings() => new() { Id = 1, DedupKey = DedupFields.Default.ToString(), DedupWindowSeconds = 86400 };

    internal static DedupFields ParseKey(string stored) =>
        Enum.TryParse<DedupFields>(stored, ignoreCase: true, out var f) && f != DedupFields.None ? f : DedupFields.Default;

    private static FeedSettingsDto ToDto(FeedSettingsEntity s) =>
        new([.. Enum.GetValues<DedupFields>().Where(f => f is not (DedupFields.None or DedupFields.Default) && ParseKey(s.DedupKey).HasFlag(f)).Select(f => f.ToString())],
            s.DedupWindowSeconds);

    // ---- prefix tables

    public async Task<IReadOnlyList<FeedPrefixTableDto>> ListPrefixTablesAsync(Actor actor, CancellationToken ct)
    {
        await RequireAsync(actor, ct);
        return await db.Set<FeedPrefixTableEntity>().AsNoTracking()
            .Select(t => new FeedPrefixTableDto(t.Kind, t.FileName, t.Prefixes, t.ImportedAt)).ToListAsync(ct);
    }

    /// <summary>
    /// Replaces the prefix table of <paramref name="kind"/> ("pyasn": an ipasn.dat; "rir": an RIR delegated-stats
    /// file). Any bad line refuses the whole file (400 naming the first lines and their reasons).
    /// </summary>
    public async Task<FeedPrefixTableDto> ImportPrefixTableAsync(Actor actor, string kind, string fileName, byte[] data, CancellationToken ct)
    {
        await RequireAsync(actor, ct);
        if (kind is not ("pyasn" or "rir"))
        {
            throw new ValidationFailedException(new Dictionary<string, string[]> { ["kind"] = ["pyasn or rir"] });
        }

        if (data.LongLength > MaxPrefixTableBytes)
        {
            throw new ValidationFailedException(new Dictionary<string, string[]> { ["file"] = [$"larger than {MaxPrefixTableBytes} bytes"] });
        }

        var builder = new RoutingTableBuilder();
        _ = kind == "pyasn" ? builder.AddPyAsn(data) : builder.AddRirDelegated(data);
        if (builder.Errors.Count > 0)
        {
            throw new ValidationFailedException(new Dictionary<string, string[]>
            {
                ["file"] = [.. builder.Errors.Take(20).Select(e => $"{fileName}:{e.Line}: {e.Reason}")],
            });
        }

        var table = builder.Build();
        var prefixes = kind == "pyasn" ? table.AsnPrefixCount : table.CountryPrefixCount;
        var entity = await db.Set<FeedPrefixTableEntity>().FirstOrDefaultAsync(t => t.Kind == kind, ct);
        var before = entity is null ? null : new FeedPrefixTableDto(entity.Kind, entity.FileName, entity.Prefixes, entity.ImportedAt);
        if (entity is null)
        {
            entity = new FeedPrefixTableEntity { Kind = kind, FileName = fileName, Data = data };
            db.Add(entity);
        }

        entity.FileName = Path.GetFileName(fileName);
        entity.Data = data;
        entity.Prefixes = prefixes;
        entity.ImportedAt = time.GetUtcNow();
        var dto = new FeedPrefixTableDto(entity.Kind, entity.FileName, entity.Prefixes, entity.ImportedAt);
        audit.Record(actor, "feed-prefix-table.import", "feed-prefix-table", kind, null, before, dto);
        await db.SaveChangesAsync(ct);
        return dto;
    }

    private static bool IsName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 100 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    private static bool Blank(string? s) => string.IsNullOrWhiteSpace(s);

    private static string? Trimmed(string? s) => Blank(s) ? null : s!.Trim();
}

public static class FeedFileStates
{
    public const string Queued = "queued";
    public const string Processed = "processed";
    public const string Failed = "failed";
}

public static class FeedReportStates
{
    public const string Pending = "pending";
    public const string Sending = "sending";
    public const string Sent = "sent";
    public const string Held = "held";
    public const string Failed = "failed";
}
