using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Detection.Sigma;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Detection;

/// <summary>An enabled rule set compiled, and where it applies.</summary>
public sealed record CompiledRuleSet(Guid Id, string Name, SigmaEngine Engine, bool AllOrganisations, IReadOnlySet<Guid> Organisations, IReadOnlySet<string> Sectors);

/// <summary>The enabled rule sets of the database and each organisation's sector, as one immutable value.</summary>
public sealed class RuleCatalog(IReadOnlyList<CompiledRuleSet> sets, IReadOnlyDictionary<Guid, string?> sectors)
{
    public static RuleCatalog Empty { get; } = new([], new Dictionary<Guid, string?>());

    public IReadOnlyList<CompiledRuleSet> Sets { get; } = sets;

    /// <summary>The rule sets that apply to events of <paramref name="organisation"/>.</summary>
    public IEnumerable<CompiledRuleSet> For(Guid organisation)
    {
        var sector = sectors.GetValueOrDefault(organisation);
        return Sets.Where(s => s.AllOrganisations || s.Organisations.Contains(organisation) || (sector is not null && s.Sectors.Contains(sector)));
    }
}

/// <summary>
/// The Sigma rule sets stored through <see cref="SigmaRuleService"/>, for the detection worker. A set's rules never
/// change after upload, so each is compiled once and kept by id; which sets are enabled, their targets and the
/// organisations' sectors are read again at every <see cref="RefreshAsync"/> (the server's refresher calls it with the
/// indicator set's interval) and swapped in as a new <see cref="RuleCatalog"/>.
/// </summary>
public sealed class StoreRules(IServiceScopeFactory scopes)
{
    private readonly Dictionary<Guid, SigmaEngine> engines = [];
    private readonly SemaphoreSlim gate = new(1, 1);
    private RuleCatalog current = RuleCatalog.Empty;

    public RuleCatalog Current => Volatile.Read(ref current);

    public async Task RefreshAsync(CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MusubiDbContext>();
            var sets = await db.Set<SigmaRuleSetEntity>().AsNoTracking().Include(s => s.Targets).Where(s => s.Enabled).ToListAsync(ct);
            var compiled = new List<CompiledRuleSet>();
            foreach (var set in sets)
            {
                if (!engines.TryGetValue(set.Id, out var engine))
                {
                    var documents = new SigmaDocumentSet();
                    foreach (var rule in await db.Set<SigmaRuleEntity>().AsNoTracking().Where(r => r.RuleSetId == set.Id && r.Error == null).ToListAsync(ct))
                    {
                        documents.Add(SigmaLoader.LoadYaml(rule.Yaml, rule.FileName));
                    }

                    engines[set.Id] = engine = SigmaEngine.Build(documents);
                }

                compiled.Add(new CompiledRuleSet(set.Id, set.Name, engine, set.AllOrganisations,
                    set.Targets.Where(t => t.Kind == "organisation").Select(t => Guid.Parse(t.Value)).ToHashSet(),
                    set.Targets.Where(t => t.Kind == "sector").Select(t => t.Value).ToHashSet(StringComparer.Ordinal)));
            }

            foreach (var gone in engines.Keys.Where(k => sets.All(s => s.Id != k)).ToList())
            {
                engines.Remove(gone);
            }

            var sectors = compiled.Count == 0
                ? new Dictionary<Guid, string?>()
                : await db.Organisations.AsNoTracking().Select(o => new { o.Id, o.SectorId }).ToDictionaryAsync(o => o.Id, o => o.SectorId, ct);
            Volatile.Write(ref current, new RuleCatalog(compiled, sectors));
        }
        finally
        {
            gate.Release();
        }
    }
}
