using System.Globalization;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Core.Networks;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Constituency;

/// <summary>
/// Answers "who owns this IP / ASN / domain" from an in-memory snapshot of all claimed networks. The snapshot is
/// rebuilt after a local write and at most <see cref="MaxAge"/> after a write made by another node.
/// </summary>
public sealed class OwnershipDirectory(IServiceScopeFactory scopes, TimeProvider time)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(60);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile Snapshot? _snapshot;

    public void Invalidate() => _snapshot = null;

    public async Task<OwnershipAnswer> LookupAsync(Actor actor, string query, CancellationToken ct)
    {
        if (!AccessRules.CanReadDirectory(actor))
        {
            throw new ForbiddenException("looking up owners needs the constituency:read scope");
        }

        var snap = await GetAsync(ct);
        var q = query.Trim();
        if (IPAddress.TryParse(q, out var ip))
        {
            var hit = snap.Prefixes.LookupPrefix(ip);
            return hit is { } h
                ? Answer(q, NetworkKind.Cidr, h.Prefix.ToString(), snap.Owners[h.Owner])
                : new OwnershipAnswer(q, NetworkKind.Cidr, null, null, null);
        }

        if (NetworkParsing.TryParseAsn(q, out var asn, out _) && (q.StartsWith("AS", StringComparison.OrdinalIgnoreCase) || q.All(char.IsAsciiDigit)))
        {
            var key = "AS" + asn.ToString(CultureInfo.InvariantCulture);
            return snap.Asns.TryGetValue(asn, out var owner)
                ? Answer(q, NetworkKind.Asn, key, snap.Owners[owner])
                : new OwnershipAnswer(q, NetworkKind.Asn, null, null, null);
        }

        if (NetworkParsing.TryNormaliseDomain(q, out var domain, out var error))
        {
            var hit = snap.Domains.LookupDomain(domain);
            return hit is { } h
                ? Answer(q, NetworkKind.Domain, h.Domain, snap.Owners[h.Owner])
                : new OwnershipAnswer(q, NetworkKind.Domain, null, null, null);
        }

        throw new ValidationFailedException("q", $"not an IP address, ASN or domain name: {error}");
    }

    private static OwnershipAnswer Answer(string q, NetworkKind kind, string block, OwnerInfo owner) =>
        new(q, kind, block, new OrganisationRef(owner.Id, owner.Name, owner.NameJa, owner.Kind), owner.SectorId);

    /// <summary>The current snapshot; callers on hot paths (enrichment) hold on to it between events.</summary>
    public async Task<Snapshot> GetAsync(CancellationToken ct)
    {
        var snap = _snapshot;
        if (snap is not null && time.GetUtcNow() - snap.BuiltAt < MaxAge)
        {
            return snap;
        }

        await _gate.WaitAsync(ct);
        try
        {
            snap = _snapshot;
            if (snap is not null && time.GetUtcNow() - snap.BuiltAt < MaxAge)
            {
                return snap;
            }

            snap = await BuildAsync(ct);
            _snapshot = snap;
            return snap;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<Snapshot> BuildAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusubiDbContext>();
        var owners = await db.Organisations.AsNoTracking()
            .Select(o => new OwnerInfo(o.Id, o.Name, o.NameJa, o.Kind, o.SectorId)).ToListAsync(ct);
        var handle = new Dictionary<Guid, int>(owners.Count);
        for (var i = 0; i < owners.Count; i++)
        {
            handle[owners[i].Id] = i;
        }

        var networks = await db.Networks.AsNoTracking().OrderBy(n => n.CreatedAt)
            .Select(n => new { n.Kind, n.Value, n.OrganisationId }).ToListAsync(ct);
        var prefixes = new List<(IpPrefix, int)>();
        var domains = new List<(string, int)>();
        var asns = new Dictionary<uint, int>();
        foreach (var n in networks)
        {
            var owner = handle[n.OrganisationId];
            switch (n.Kind)
            {
                case NetworkKind.Cidr when NetworkParsing.TryParseCidr(n.Value, out var p, out _):
                    prefixes.Add((p, owner));
                    break;
                case NetworkKind.Domain:
                    domains.Add((n.Value, owner));
                    break;
                case NetworkKind.Asn when NetworkParsing.TryParseAsn(n.Value, out var asn, out _):
                    asns.TryAdd(asn, owner);
                    break;
            }
        }

        return new Snapshot(owners, NetworkOwnershipIndex.Build(prefixes), DomainOwnershipIndex.Build(domains), asns, time.GetUtcNow());
    }

    public sealed record OwnerInfo(Guid Id, string Name, string? NameJa, OrganisationKind Kind, string? SectorId);

    public sealed record Snapshot(
        IReadOnlyList<OwnerInfo> Owners,
        NetworkOwnershipIndex Prefixes,
        DomainOwnershipIndex Domains,
        IReadOnlyDictionary<uint, int> Asns,
        DateTimeOffset BuiltAt);
}
