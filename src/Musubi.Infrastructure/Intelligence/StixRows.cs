using Musubi.Core.Sharing;
using Musubi.Stix.Model;
using Musubi.Stix.Patterning;

namespace Musubi.Infrastructure.Intelligence;

/// <summary>Between a parsed STIX object and its stored row: the version key, the index terms and the access marking.</summary>
internal static class StixRows
{
    public static string VersionKey(StixObject o) => o.Version?.SortKey ?? "";

    public static StixObjectEntity ToEntity(StixObject o, PublishOptions options, Guid creatorOrganisation, DateTimeOffset now)
    {
        var objectTlp = o.Tlp;
        var entity = new StixObjectEntity
        {
            StixId = o.Id!,
            Type = o.Type!,
            VersionKey = VersionKey(o),
            Modified = o.Version?.Text,
            ModifiedAt = o.Version?.Value,
            CreatedAt = o.Created?.Value,
            CreatedByRef = o.CreatedByRef,
            Name = o.Name is { Length: > 500 } n ? n[..500] : o.Name,
            Revoked = o.Revoked,
            // The object's own TLP 2.0 marking can only raise what the publisher chose, never lower it; unless the
            // publisher's TLP is only the default for unmarked objects (federation pulls).
            Tlp = objectTlp is { } t && (t > options.Tlp || options.TlpIsDefault) ? t : options.Tlp,
            CreatorOrganisationId = creatorOrganisation,
            PublishedToPublicFeed = options.PublicFeed,
            DateAdded = now,
            Raw = o.Raw,
        };

        foreach (var label in o.Labels.Distinct(StringComparer.Ordinal))
        {
            entity.Terms.Add(new StixTermEntity { Kind = StixTermKind.Label, Value = Cut(label) });
        }

        if (o.Pattern is not null && o.PatternType == "stix"
            && (o.ParsedPattern ?? (StixPattern.TryParse(o.Pattern, out var parsed, out _) ? parsed : null)) is { } pattern)
        {
            foreach (var v in IndicatorValues.Extract(pattern))
            {
                entity.Terms.Add(new StixTermEntity { Kind = StixTermKind.IndicatorValue, Value = Cut(v.Value), Path = v.Path.Length > 500 ? v.Path[..500] : v.Path });
            }
        }

        // SCOs are indicator values in themselves (ipv4-addr, domain-name, url, ...).
        if (o.Kind == StixKind.Observable && o.Json.TryGetProperty("value", out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String)
        {
            entity.Terms.Add(new StixTermEntity { Kind = StixTermKind.IndicatorValue, Value = Cut(value.GetString()!), Path = $"{o.Type}:value" });
        }

        // References, for the object page's graph and sightings of an object (markings and the creator are columns or
        // known everywhere, and would make every object a neighbour of every other).
        entity.Terms.AddRange(ReferenceTerms(o));

        AddScope(entity, options);
        return entity;
    }

    /// <summary>The reference index rows of an object (also what <see cref="StixReferenceIndex"/> backfills).</summary>
    public static IEnumerable<StixTermEntity> ReferenceTerms(StixObject o)
    {
        foreach (var r in o.References)
        {
            if (r.Property is "object_marking_refs" or "created_by_ref" or "marking_ref" || r.TargetId.Length > 1000
                || !r.TargetId.Contains("--", StringComparison.Ordinal))
            {
                continue;
            }

            yield return new StixTermEntity { Kind = StixTermKind.Reference, Value = r.TargetId, Path = r.Path.Length > 500 ? r.Path[..500] : r.Path };
        }
    }

    public static void AddScope(StixObjectEntity entity, PublishOptions options)
    {
        foreach (var c in (options.Communities ?? []).Distinct())
        {
            entity.Terms.Add(new StixTermEntity { Kind = StixTermKind.ScopeCommunity, Value = c.ToString() });
        }

        foreach (var org in (options.Organisations ?? []).Distinct())
        {
            entity.Terms.Add(new StixTermEntity { Kind = StixTermKind.ScopeOrganisation, Value = org.ToString() });
        }

        foreach (var u in (options.Users ?? []).Distinct())
        {
            entity.Terms.Add(new StixTermEntity { Kind = StixTermKind.ScopeUser, Value = u.ToString() });
        }

        if (options.DerivedFrom is { } derivation && derivation.CopyId == entity.StixId)
        {
            entity.Terms.Add(new StixTermEntity { Kind = StixTermKind.DerivedFrom, Value = derivation.OriginalId });
        }
    }

    /// <summary>The access policy's view of a stored version: nothing else about it matters for sight.</summary>
    public static ObjectMarking Marking(StixObjectEntity e) => new(
        e.Tlp,
        e.CreatorOrganisationId,
        new SharingScope(Ids(e, StixTermKind.ScopeCommunity), Ids(e, StixTermKind.ScopeOrganisation), Ids(e, StixTermKind.ScopeUser)),
        e.PublishedToPublicFeed);

    public static StixObjectView View(StixObjectEntity e) =>
        new(e.StixId, e.Type, e.Modified, e.Name, e.Tlp, e.Revoked, e.IsLatest, e.DateAdded, e.Raw);

    private static HashSet<Guid> Ids(StixObjectEntity e, StixTermKind kind)
    {
        var set = new HashSet<Guid>();
        foreach (var t in e.Terms)
        {
            if (t.Kind == kind && Guid.TryParse(t.Value, out var id))
            {
                set.Add(id);
            }
        }

        return set;
    }

    private static string Cut(string s) => s.Length > 1000 ? s[..1000] : s;
}
