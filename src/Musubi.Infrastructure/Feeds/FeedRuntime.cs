using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Feeds.Pipeline;
using Musubi.Infrastructure.Constituency;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Feeds;

/// <summary>Everything one file's processing needs, read from the database at once.</summary>
public sealed record FeedRuntimeConfig(
    IReadOnlyList<FeedRecipientEntity> Recipients,
    Router Router,
    Enricher Enricher,
    DedupFields DedupKey,
    TimeSpan DedupWindow);

/// <summary>
/// Builds the pure pipeline's stages from the configuration in the database: recipients and rules into a
/// <see cref="Router"/> (an organisation's recipient gets what its prefixes own, and, by origin ASN, what its ASNs
/// announce), the constituency's ownership index and the imported prefix tables into an <see cref="Enricher"/>.
/// The parsed prefix tables are cached until a new import.
/// </summary>
public sealed class FeedRuntime(IServiceScopeFactory scopes, OwnershipDirectory ownership)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (string Stamp, RoutingTable Table)? _routing;

    public async Task<FeedRuntimeConfig> LoadAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusubiDbContext>();
        var recipients = (await db.Set<FeedRecipientEntity>().AsNoTracking().Where(r => r.Enabled).ToListAsync(ct))
            .OrderBy(r => r.CreatedAt).ThenBy(r => r.Id).ToList();
        var rules = (await db.Set<FeedRuleEntity>().AsNoTracking().ToListAsync(ct)).OrderBy(r => r.Position).ThenBy(r => r.Id).ToList();
        var settings = await db.Set<FeedSettingsEntity>().AsNoTracking().FirstOrDefaultAsync(s => s.Id == 1, ct) ?? FeedConfigService.DefaultSettings();
        var snapshot = await ownership.GetAsync(ct);

        var handles = new Dictionary<Guid, int>(snapshot.Owners.Count);
        for (var i = 0; i < snapshot.Owners.Count; i++)
        {
            handles[snapshot.Owners[i].Id] = i;
        }

        var enabled = recipients.Select(r => r.Id).ToHashSet();
        var ownerRecipients = new Dictionary<int, string>();
        foreach (var r in recipients)
        {
            if (r.OrganisationId is { } org && handles.TryGetValue(org, out var h))
            {
                ownerRecipients.TryAdd(h, r.Id.ToString());
            }
        }

        var asnRecipients = new Dictionary<uint, string>();
        foreach (var (asn, handle) in snapshot.Asns)
        {
            if (ownerRecipients.TryGetValue(handle, out var id))
            {
                asnRecipients[asn] = id;
            }
        }

        var routeRules = new List<RouteRule>();
        foreach (var rule in rules)
        {
            if (!rule.Inhibit && (rule.RecipientId is not { } rid || !enabled.Contains(rid)))
            {
                continue; // a disabled recipient's rules are skipped: its events fall through to the next rule
            }

            routeRules.Add(new RouteRule
            {
                // An organisation not (or no longer) in the index never matches.
                Owner = rule.OrganisationId is { } o ? handles.GetValueOrDefault(o, -3) : null,
                Asn = rule.Asn is { } a ? (uint)a : null,
                Taxonomy = rule.Taxonomy, Type = rule.Type, Feed = rule.Feed,
                Recipient = rule.RecipientId?.ToString(), Inhibit = rule.Inhibit,
            });
        }

        var router = new Router(new RoutingOptions
        {
            Recipients = [.. recipients.Select(r => new Recipient(r.Id.ToString(), TimeSpan.FromSeconds(r.IntervalSeconds)) { Email = r.Email, Language = r.Language })],
            Rules = routeRules,
            OwnerRecipients = ownerRecipients,
            AsnRecipients = asnRecipients,
        });
        var routing = await RoutingTableAsync(db, ct);
        return new FeedRuntimeConfig(recipients, router, new Enricher(snapshot.Prefixes, routing),
            FeedConfigService.ParseKey(settings.DedupKey), TimeSpan.FromSeconds(settings.DedupWindowSeconds));
    }

    private async Task<RoutingTable> RoutingTableAsync(MusubiDbContext db, CancellationToken ct)
    {
        var stamps = await db.Set<FeedPrefixTableEntity>().AsNoTracking().Select(t => new { t.Kind, t.ImportedAt }).ToListAsync(ct);
        var stamp = string.Join(";", stamps.OrderBy(s => s.Kind, StringComparer.Ordinal).Select(s => $"{s.Kind}@{s.ImportedAt.UtcTicks}"));
        if (_routing is { } cached && cached.Stamp == stamp)
        {
            return cached.Table;
        }

        await _gate.WaitAsync(ct);
        try
        {
            if (_routing is { } again && again.Stamp == stamp)
            {
                return again.Table;
            }

            var builder = new RoutingTableBuilder();
            foreach (var t in await db.Set<FeedPrefixTableEntity>().AsNoTracking().ToListAsync(ct))
            {
                _ = t.Kind == "pyasn" ? builder.AddPyAsn(t.Data) : builder.AddRirDelegated(t.Data);
            }

            var table = builder.Build();
            _routing = (stamp, table);
            return table;
        }
        finally
        {
            _gate.Release();
        }
    }
}
