using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Identity;
using Musubi.Core.Sharing;
using Musubi.Stix.Model;

namespace Musubi.Infrastructure.Intelligence;

/// <summary>An object related to another: through a relationship SRO (its type as label) or an embedded reference.</summary>
/// <param name="Outgoing">The centre refers to the neighbour (else the neighbour, or a relationship, refers to the centre).</param>
public sealed record StixNeighbour(StixObjectView Object, string Label, bool Outgoing, string? RelationshipId);

/// <summary>Sightings of an object by one organisation: summed over the sighting objects the reader may see.</summary>
public sealed record SightingSummary(Guid OrganisationId, string OrganisationName, long Count, DateTimeOffset? FirstSeen, DateTimeOffset? LastSeen);

/// <summary>A sanitised copy derived from an object (shown only to those who may see both).</summary>
public sealed record DerivedCopy(string CopyId, string OriginalId, Tlp Tlp, DateTimeOffset DateAdded);

public sealed partial class StixReadService
{
    public const int MaxNeighbours = 60;

    /// <summary>
    /// The objects around <paramref name="stixId"/> the caller may see: those its latest visible version refers to,
    /// those that refer to it, and the far ends of relationship SROs. A neighbour the caller may not see is left out
    /// entirely, and so is a relationship the caller may not see.
    /// </summary>
    public async Task<IReadOnlyList<StixNeighbour>> NeighboursAsync(Actor actor, string stixId, CancellationToken ct)
    {
        var centre = (await VisibleVersionsAsync(actor, stixId, ct)).FirstOrDefault() ?? throw new NotFoundException("STIX object", stixId);
        var principal = await principals.ForAsync(actor, ct);
        var result = new List<StixNeighbour>();
        var seen = new HashSet<string>(StringComparer.Ordinal) { stixId };

        // Outgoing: the centre's own references.
        var outgoing = centre.Terms.Where(t => t.Kind == StixTermKind.Reference).ToList();
        var targets = await LatestVisibleAsync(principal, outgoing.Select(t => t.Value), ct);
        foreach (var t in outgoing)
        {
            if (targets.TryGetValue(t.Value, out var row) && seen.Add(t.Value))
            {
                result.Add(new StixNeighbour(StixRows.View(row), PropertyOf(t.Path), true, null));
            }
        }

        // Incoming: objects whose newest visible version refers to the centre.
        var referrers = await db.StixTerms.AsNoTracking()
            .Where(t => t.Kind == StixTermKind.Reference && t.Value == stixId)
            .Join(db.StixObjects, t => t.ObjectId, o => o.Id, (t, o) => o.StixId)
            .Distinct().Take(MaxNeighbours * 4).ToListAsync(ct);
        var sources = await LatestVisibleAsync(principal, referrers, ct);
        var farEnds = new List<(StixObjectEntity Relationship, string Other, bool Outgoing)>();
        foreach (var row in sources.Values.OrderBy(r => r.Id))
        {
            var refs = row.Terms.Where(t => t.Kind == StixTermKind.Reference && t.Value == stixId).ToList();
            if (refs.Count == 0)
            {
                continue;
            }

            if (row.Type == "relationship")
            {
                var (source, target) = Ends(row);
                if (source == stixId && target is not null && target != stixId)
                {
                    farEnds.Add((row, target, true));
                    continue;
                }

                if (target == stixId && source is not null && source != stixId)
                {
                    farEnds.Add((row, source, false));
                    continue;
                }
            }

            if (seen.Add(row.StixId))
            {
                result.Add(new StixNeighbour(StixRows.View(row), PropertyOf(refs[0].Path), false, null));
            }
        }

        var ends = await LatestVisibleAsync(principal, farEnds.Select(f => f.Other), ct);
        foreach (var (relationship, other, isOutgoing) in farEnds)
        {
            if (ends.TryGetValue(other, out var row) && seen.Add(other))
            {
                result.Add(new StixNeighbour(StixRows.View(row), RelationshipType(relationship), isOutgoing, relationship.StixId));
            }
        }

        return result.Take(MaxNeighbours).ToList();
    }

    /// <summary>The newest visible version with its access marking (for callers that publish to the object's audience).</summary>
    public async Task<(StixObjectView View, ObjectMarking Marking)> LatestWithMarkingAsync(Actor actor, string stixId, CancellationToken ct)
    {
        var row = (await VisibleVersionsAsync(actor, stixId, ct)).FirstOrDefault() ?? throw new NotFoundException("STIX object", stixId);
        return (StixRows.View(row), StixRows.Marking(row));
    }

    /// <summary>Display names of a scope's communities and organisations (for the object page of someone who sees the object).</summary>
    public async Task<(IReadOnlyList<string> Communities, IReadOnlyList<string> Organisations)> ScopeNamesAsync(SharingScope scope, CancellationToken ct)
    {
        var cids = scope.Communities.ToList();
        var oids = scope.Organisations.ToList();
        var communities = await db.Communities.AsNoTracking().Where(c => cids.Contains(c.Id)).OrderBy(c => c.Slug).Select(c => c.NameEn).ToListAsync(ct);
        var organisations = await db.Organisations.AsNoTracking().Where(o => oids.Contains(o.Id)).OrderBy(o => o.Name).Select(o => o.Name).ToListAsync(ct);
        return (communities, organisations);
    }

    /// <summary>Sightings of <paramref name="stixId"/> per sighting organisation, from the sighting objects the caller may see.</summary>
    public async Task<IReadOnlyList<SightingSummary>> SightingsAsync(Actor actor, string stixId, CancellationToken ct)
    {
        RequireRead(actor);
        var principal = await principals.ForAsync(actor, ct);
        var rows = await VisibleSightingsAsync(principal, stixId, ct);
        var summaries = new Dictionary<Guid, (long Count, DateTimeOffset? First, DateTimeOffset? Last)>();
        foreach (var row in rows)
        {
            var (count, first, last) = ReadSighting(row.Raw);
            var s = summaries.GetValueOrDefault(row.CreatorOrganisationId);
            summaries[row.CreatorOrganisationId] = (s.Count + count, Min(s.First, first), Max(s.Last, last));
        }

        var ids = summaries.Keys.ToList();
        var names = await db.Organisations.AsNoTracking().Where(o => ids.Contains(o.Id)).ToDictionaryAsync(o => o.Id, o => o.Name, ct);
        return summaries.Select(kv => new SightingSummary(kv.Key, names.GetValueOrDefault(kv.Key) ?? kv.Key.ToString(), kv.Value.Count, kv.Value.First, kv.Value.Last))
            .OrderByDescending(s => s.LastSeen).ToList();
    }

    /// <summary>Sanitised copies of <paramref name="stixId"/> the caller may see (the link itself is private to those who see the original).</summary>
    public async Task<IReadOnlyList<DerivedCopy>> CopiesAsync(Actor actor, string stixId, CancellationToken ct)
    {
        var original = (await VisibleVersionsAsync(actor, stixId, ct)).FirstOrDefault() ?? throw new NotFoundException("STIX object", stixId);
        var principal = await principals.ForAsync(actor, ct);
        var copyIds = await db.StixTerms.AsNoTracking()
            .Where(t => t.Kind == StixTermKind.DerivedFrom && t.Value == original.StixId)
            .Join(db.StixObjects, t => t.ObjectId, o => o.Id, (t, o) => o.StixId).Distinct().Take(100).ToListAsync(ct);
        var copies = await LatestVisibleAsync(principal, copyIds, ct);
        return copies.Values.OrderBy(c => c.DateAdded).Select(c => new DerivedCopy(c.StixId, stixId, c.Tlp, c.DateAdded)).ToList();
    }

    /// <summary>The latest sighting-of time among the visible sightings (for the decayed score on the object page).</summary>
    public async Task<DateTimeOffset?> LastSightedAsync(Actor actor, string stixId, CancellationToken ct)
    {
        var principal = await principals.ForAsync(actor, ct);
        DateTimeOffset? last = null;
        foreach (var row in await VisibleSightingsAsync(principal, stixId, ct))
        {
            last = Max(last, ReadSighting(row.Raw).Last ?? row.ModifiedAt);
        }

        return last;
    }

    private async Task<List<StixObjectEntity>> VisibleSightingsAsync(Principal principal, string stixId, CancellationToken ct)
    {
        var ids = await db.StixTerms.AsNoTracking()
            .Where(t => t.Kind == StixTermKind.Reference && t.Value == stixId && t.Path == "$.sighting_of_ref")
            .Join(db.StixObjects, t => t.ObjectId, o => o.Id, (t, o) => o.StixId).Distinct().Take(10_000).ToListAsync(ct);
        var latest = await LatestVisibleAsync(principal, ids, ct);
        return latest.Values.Where(r => r.Type == "sighting" && !r.Revoked).ToList();
    }

    /// <summary>For each id, its newest version that <see cref="AccessPolicy.MaySee"/> lets the principal see.</summary>
    private async Task<Dictionary<string, StixObjectEntity>> LatestVisibleAsync(Principal principal, IEnumerable<string> ids, CancellationToken ct)
    {
        var result = new Dictionary<string, StixObjectEntity>(StringComparer.Ordinal);
        foreach (var chunk in ids.Distinct(StringComparer.Ordinal).Chunk(200))
        {
            var rows = await db.StixObjects.AsNoTracking().Include(x => x.Terms).AsSplitQuery()
                .Where(x => chunk.Contains(x.StixId)).ToListAsync(ct);
            foreach (var row in rows)
            {
                if (!AccessPolicy.MaySee(principal, StixRows.Marking(row)).Allowed)
                {
                    continue;
                }

                if (!result.TryGetValue(row.StixId, out var best) || string.CompareOrdinal(row.VersionKey, best.VersionKey) > 0)
                {
                    result[row.StixId] = row;
                }
            }
        }

        return result;
    }

    private static string PropertyOf(string? path)
    {
        if (path is null)
        {
            return "ref";
        }

        var dot = path.LastIndexOf('.');
        var name = dot >= 0 ? path[(dot + 1)..] : path;
        var bracket = name.IndexOf('[', StringComparison.Ordinal);
        return bracket >= 0 ? name[..bracket] : name;
    }

    private static (string? Source, string? Target) Ends(StixObjectEntity relationship)
    {
        string? source = null, target = null;
        foreach (var t in relationship.Terms)
        {
            if (t.Kind == StixTermKind.Reference && t.Path == "$.source_ref")
            {
                source = t.Value;
            }
            else if (t.Kind == StixTermKind.Reference && t.Path == "$.target_ref")
            {
                target = t.Value;
            }
        }

        return (source, target);
    }

    private static string RelationshipType(StixObjectEntity relationship)
    {
        using var doc = JsonDocument.Parse(relationship.Raw);
        return doc.RootElement.TryGetProperty("relationship_type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "related-to";
    }

    internal static (long Count, DateTimeOffset? First, DateTimeOffset? Last) ReadSighting(string raw)
    {
        using var doc = JsonDocument.Parse(raw);
        var root = doc.RootElement;
        var count = root.TryGetProperty("count", out var c) && c.TryGetInt64(out var n) ? n : 1;
        DateTimeOffset? first = root.TryGetProperty("first_seen", out var f) && f.ValueKind == JsonValueKind.String && StixTimestamp.TryParse(f.GetString(), out var fs) ? fs.Value : null;
        DateTimeOffset? last = root.TryGetProperty("last_seen", out var l) && l.ValueKind == JsonValueKind.String && StixTimestamp.TryParse(l.GetString(), out var ls) ? ls.Value : null;
        return (count, first, last);
    }

    private static DateTimeOffset? Min(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a < b ? a : b;

    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;
}
