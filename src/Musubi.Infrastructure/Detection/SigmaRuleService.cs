using System.IO.Compression;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Constituency;
using Musubi.Core.Detection;
using Musubi.Core.Identity;
using Musubi.Detection.Events;
using Musubi.Detection.Ingestion;
using Musubi.Detection.Sigma;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Detection;

public sealed record RuleSetSummary(Guid Id, string Name, DateTimeOffset UploadedAt, string UploadedBy, bool Enabled, bool AllOrganisations,
    int RuleCount, int FailedCount, IReadOnlyList<Guid> Organisations, IReadOnlyList<string> Sectors, IReadOnlyList<RuleSummary> Rules);

public sealed record RuleSummary(string FileName, string? RuleId, string? Title, string? Level, string? Error);

public sealed record RuleSetScope(bool Enabled, bool AllOrganisations, IReadOnlyList<Guid>? Organisations, IReadOnlyList<string>? Sectors);

/// <summary>One sample event of a rule trial: whether the rule matched, and the fields it tests with the event's values.</summary>
public sealed record RuleTrialEvent(int Index, bool Matched, IReadOnlyList<string> RuleTitles, IReadOnlyDictionary<string, string> Fields, string? Error);

public sealed record RuleTrial(IReadOnlyList<string> LoadErrors, int RulesLoaded, IReadOnlyList<RuleTrialEvent> Events);

/// <summary>
/// Sigma rule sets stored in the database for the detection worker (<see cref="StoreRules"/>): upload (one YAML file or
/// a zip of them), list with each file's load error, scope (on/off, all organisations, or chosen organisations and
/// sectors), delete, and trying rules against sample events. Platform administrators and the national SOC only
/// (<see cref="DetectionAccessRules.CanManageRules"/>); every write audited.
/// </summary>
public sealed class SigmaRuleService(MusubiDbContext db, AuditTrail audit, TimeProvider time)
{
    public const long MaxUploadBytes = 10 * 1024 * 1024;
    public const int MaxFiles = 5_000;
    public const int MaxFileBytes = 256 * 1024;
    public const long MaxUnzippedBytes = 64 * 1024 * 1024;
    public const int MaxTrialEvents = 1_000;
    public const int MaxTrialBytes = 1024 * 1024;

    /// <summary>Whether <paramref name="actor"/> may manage and try rules (for showing or denying pages).</summary>
    public async Task<bool> MayManageAsync(Actor actor, CancellationToken ct) =>
        DetectionAccessRules.CanManageRules(actor, await db.Organisations.AsNoTracking().AnyAsync(o => o.Id == actor.OrganisationId && o.Kind == OrganisationKind.NationalCentre, ct));

    /// <summary>The sectors a rule set can target: id, English and Japanese name.</summary>
    public async Task<IReadOnlyList<(string Id, string NameEn, string NameJa)>> SectorsAsync(Actor actor, CancellationToken ct)
    {
        await RequireAsync(actor, ct);
        var rows = await db.Sectors.AsNoTracking().OrderBy(s => s.Id).Select(s => new { s.Id, s.NameEn, s.NameJa }).ToListAsync(ct);
        return rows.Select(r => (r.Id, r.NameEn, r.NameJa)).ToList();
    }

    public async Task<IReadOnlyList<RuleSetSummary>> ListAsync(Actor actor, CancellationToken ct)
    {
        await RequireAsync(actor, ct);
        var sets = await db.Set<SigmaRuleSetEntity>().AsNoTracking().Include(s => s.Rules).Include(s => s.Targets).OrderBy(s => s.Name).ToListAsync(ct);
        return sets.Select(Summary).ToList();
    }

    public async Task<RuleSetSummary> GetAsync(Actor actor, Guid id, CancellationToken ct)
    {
        await RequireAsync(actor, ct);
        var set = await db.Set<SigmaRuleSetEntity>().AsNoTracking().Include(s => s.Rules).Include(s => s.Targets).FirstOrDefaultAsync(s => s.Id == id, ct)
            ?? throw new NotFoundException("rule set", id.ToString());
        return Summary(set);
    }

    /// <summary>Stores a rule set from a YAML file or a zip of YAML files; it starts disabled.</summary>
    public async Task<RuleSetSummary> UploadAsync(Actor actor, string name, string fileName, byte[] content, CancellationToken ct)
    {
        await RequireAsync(actor, ct);
        name = name.Trim();
        if (name.Length is 0 or > 200)
        {
            throw new ValidationFailedException("name", "a rule set needs a name of 1 to 200 characters");
        }

        if (content.Length == 0 || content.Length > MaxUploadBytes)
        {
            throw new ValidationFailedException("file", $"the file must hold 1 to {MaxUploadBytes:N0} bytes");
        }

        if (await db.Set<SigmaRuleSetEntity>().AnyAsync(s => s.Name == name, ct))
        {
            throw new ConflictException($"a rule set named '{name}' already exists");
        }

        var files = ReadFiles(fileName, content);
        var set = new SigmaRuleSetEntity { Id = Guid.NewGuid(), Name = name, UploadedAt = time.GetUtcNow(), UploadedBy = actor.UserName };
        foreach (var (file, yaml) in files)
        {
            var (rule, error) = Check(yaml, file);
            set.Rules.Add(new SigmaRuleEntity
            {
                FileName = Cut(file, 500)!, RuleId = Cut(rule?.Key, 200), Title = Cut(rule?.Title, 500), Level = rule?.Level.ToString().ToLowerInvariant(),
                Yaml = yaml, Error = Cut(error, 2000),
            });
        }

        set.RuleCount = set.Rules.Count;
        set.FailedCount = set.Rules.Count(r => r.Error is not null);
        db.Set<SigmaRuleSetEntity>().Add(set);
        audit.Record(actor, "sigma.ruleset.upload", "sigma-rule-set", set.Id.ToString(), actor.OrganisationId, null,
            new { set.Name, fileName, set.RuleCount, set.FailedCount });
        await db.SaveChangesAsync(ct);
        return Summary(set);
    }

    public async Task<RuleSetSummary> SetScopeAsync(Actor actor, Guid id, RuleSetScope scope, CancellationToken ct)
    {
        await RequireAsync(actor, ct);
        var set = await db.Set<SigmaRuleSetEntity>().Include(s => s.Rules).Include(s => s.Targets).FirstOrDefaultAsync(s => s.Id == id, ct)
            ?? throw new NotFoundException("rule set", id.ToString());
        var orgs = (scope.Organisations ?? []).Distinct().ToList();
        var known = await db.Organisations.Where(o => orgs.Contains(o.Id)).Select(o => o.Id).ToListAsync(ct);
        var errors = new Dictionary<string, string[]>();
        foreach (var (o, i) in orgs.Select((o, i) => (o, i)).Where(x => !known.Contains(x.o)))
        {
            errors[$"organisations[{i}]"] = [$"unknown organisation {o}"];
        }

        var sectors = (scope.Sectors ?? []).Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s.Trim()).Distinct().ToList();
        var knownSectors = await db.Sectors.Where(s => sectors.Contains(s.Id)).Select(s => s.Id).ToListAsync(ct);
        foreach (var (s, i) in sectors.Select((s, i) => (s, i)).Where(x => !knownSectors.Contains(x.s)))
        {
            errors[$"sectors[{i}]"] = [$"unknown sector {s}"];
        }

        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }

        var before = new { set.Enabled, set.AllOrganisations, Targets = set.Targets.Select(t => $"{t.Kind}:{t.Value}").ToList() };
        set.Enabled = scope.Enabled;
        set.AllOrganisations = scope.AllOrganisations;
        db.Set<SigmaRuleSetTargetEntity>().RemoveRange(set.Targets);
        set.Targets.Clear();
        set.Targets.AddRange(orgs.Select(o => new SigmaRuleSetTargetEntity { RuleSetId = set.Id, Kind = "organisation", Value = o.ToString() }));
        set.Targets.AddRange(sectors.Select(s => new SigmaRuleSetTargetEntity { RuleSetId = set.Id, Kind = "sector", Value = s }));
        audit.Record(actor, "sigma.ruleset.scope", "sigma-rule-set", set.Id.ToString(), actor.OrganisationId, before,
            new { set.Enabled, set.AllOrganisations, Targets = set.Targets.Select(t => $"{t.Kind}:{t.Value}").ToList() });
        await db.SaveChangesAsync(ct);
        return Summary(set);
    }

    public async Task DeleteAsync(Actor actor, Guid id, CancellationToken ct)
    {
        await RequireAsync(actor, ct);
        var set = await db.Set<SigmaRuleSetEntity>().FirstOrDefaultAsync(s => s.Id == id, ct) ?? throw new NotFoundException("rule set", id.ToString());
        db.Remove(set);
        audit.Record(actor, "sigma.ruleset.delete", "sigma-rule-set", set.Id.ToString(), actor.OrganisationId, new { set.Name, set.RuleCount }, null);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// Runs pasted rule YAML over sample events (JSON lines, a JSON array or concatenated evtx-json objects) without
    /// storing anything: which events match which rules, and the fields the rules test with each event's values.
    /// </summary>
    public async Task<RuleTrial> TryAsync(Actor actor, string yaml, string events, CancellationToken ct)
    {
        await RequireAsync(actor, ct);
        if (yaml.Length > MaxFileBytes)
        {
            throw new ValidationFailedException("rule", $"a rule may hold at most {MaxFileBytes:N0} characters");
        }

        if (Encoding.UTF8.GetByteCount(events) > MaxTrialBytes)
        {
            throw new ValidationFailedException("events", $"sample events may hold at most {MaxTrialBytes:N0} bytes");
        }

        var documents = SigmaLoader.LoadYaml(yaml, "rule");
        var engine = SigmaEngine.Build(documents);
        var loadErrors = engine.Failures.Select(f => f.Reason).ToList();
        var matcher = engine.CreateMatcher();
        var wanted = engine.Rules.SelectMany(r => r.Detection.Searches.Values).SelectMany(s => s.Alternatives).SelectMany(a => a)
            .Select(p => p.Field).Where(f => f is not null).Select(f => f!).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var data = Encoding.UTF8.GetBytes(events);
        var results = new List<RuleTrialEvent>();
        var matches = new List<SigmaMatch>();
        foreach (var item in JsonEventReader.Read(data, JsonEventReader.Detect(data)))
        {
            if (results.Count >= MaxTrialEvents)
            {
                throw new ValidationFailedException("events", $"at most {MaxTrialEvents:N0} sample events");
            }

            var index = (int)item.Index;
            if (item.Error is not null)
            {
                results.Add(new RuleTrialEvent(index, false, [], new Dictionary<string, string>(), item.Error));
                continue;
            }

            if (!IngestParser.TryParse(IngestFormat.JsonLines, item.Json.Span, out var parsed, out var parseError))
            {
                results.Add(new RuleTrialEvent(index, false, [], new Dictionary<string, string>(), parseError));
                continue;
            }

            matches.Clear();
            matcher.Match(item.Json.Span, index, matches);
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            if (matches.Count > 0)
            {
                foreach (var (field, value) in parsed!.Fields)
                {
                    if (wanted.Contains(field) && !fields.ContainsKey(field) && fields.Count < 50)
                    {
                        fields[field] = value.Length > 500 ? value[..500] : value;
                    }
                }
            }

            results.Add(new RuleTrialEvent(index, matches.Count > 0, matches.Select(m => m.Rule.Title).Distinct().ToList(), fields, null));
        }

        return new RuleTrial(loadErrors, engine.LoadedCount, results);
    }

    private static (SigmaRule? Rule, string? Error) Check(string yaml, string file)
    {
        try
        {
            var documents = SigmaLoader.LoadYaml(yaml, file);
            var engine = SigmaEngine.Build(documents);
            var error = engine.Failures.Count > 0 ? string.Join("; ", engine.Failures.Select(f => f.Reason)) : engine.LoadedCount == 0 ? "no Sigma rule in this file" : null;
            return (engine.Rules.FirstOrDefault(), error);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return (null, e.Message);
        }
    }

    private static List<(string File, string Yaml)> ReadFiles(string fileName, byte[] content)
    {
        var files = new List<(string, string)>();
        if (content.Length >= 4 && content[0] == 'P' && content[1] == 'K')
        {
            try
            {
                using var zip = new ZipArchive(new MemoryStream(content), ZipArchiveMode.Read);
                long total = 0;
                foreach (var entry in zip.Entries)
                {
                    if (entry.FullName.EndsWith('/') || !(entry.Name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || entry.Name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase)))
                    {
                        continue;
                    }

                    if (files.Count >= MaxFiles)
                    {
                        throw new ValidationFailedException("file", $"a zip may hold at most {MaxFiles:N0} YAML files");
                    }

                    if (entry.Length > MaxFileBytes)
                    {
                        throw new ValidationFailedException("file", $"{entry.FullName}: {entry.Length:N0} bytes is more than a rule file may have ({MaxFileBytes:N0})");
                    }

                    total += entry.Length;
                    if (total > MaxUnzippedBytes)
                    {
                        throw new ValidationFailedException("file", $"the zip unpacks to more than {MaxUnzippedBytes:N0} bytes");
                    }

                    using var stream = entry.Open();
                    var buffer = new byte[MaxFileBytes + 1];
                    var read = 0;
                    int n;
                    while ((n = stream.Read(buffer, read, buffer.Length - read)) > 0)
                    {
                        read += n;
                        if (read > MaxFileBytes)
                        {
                            throw new ValidationFailedException("file", $"{entry.FullName}: more than {MaxFileBytes:N0} bytes");
                        }
                    }

                    files.Add((entry.FullName, Text(buffer.AsSpan(0, read), entry.FullName)));
                }
            }
            catch (InvalidDataException e)
            {
                throw new ValidationFailedException("file", $"not a readable zip: {e.Message}");
            }

            return files.Count == 0 ? throw new ValidationFailedException("file", "the zip holds no .yml or .yaml file") : files;
        }

        if (content.Length > MaxFileBytes)
        {
            throw new ValidationFailedException("file", $"a YAML file may have at most {MaxFileBytes:N0} bytes (zip larger sets)");
        }

        files.Add((Path.GetFileName(fileName), Text(content, fileName)));
        return files;
    }

    private static string Text(ReadOnlySpan<byte> bytes, string file)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new ValidationFailedException("file", $"{file}: not UTF-8 text");
        }
    }

    private async Task RequireAsync(Actor actor, CancellationToken ct)
    {
        var soc = await db.Organisations.AsNoTracking().AnyAsync(o => o.Id == actor.OrganisationId && o.Kind == OrganisationKind.NationalCentre, ct);
        ForbiddenException.ThrowUnless(DetectionAccessRules.CanManageRules(actor, soc), "managing detection rules is for platform administrators and the national SOC");
    }

    private static RuleSetSummary Summary(SigmaRuleSetEntity s) => new(s.Id, s.Name, s.UploadedAt, s.UploadedBy, s.Enabled, s.AllOrganisations, s.RuleCount, s.FailedCount,
        s.Targets.Where(t => t.Kind == "organisation").Select(t => Guid.Parse(t.Value)).ToList(),
        s.Targets.Where(t => t.Kind == "sector").Select(t => t.Value).ToList(),
        s.Rules.OrderBy(r => r.FileName, StringComparer.Ordinal).Select(r => new RuleSummary(r.FileName, r.RuleId, r.Title, r.Level, r.Error)).ToList());

    private static string? Cut(string? s, int max) => s is { } t && t.Length > max ? t[..max] : s;
}
