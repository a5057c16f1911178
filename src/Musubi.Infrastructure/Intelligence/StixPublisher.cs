using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Core.Sharing;
using Musubi.Core.Validation;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;
using Musubi.Stix.Model;
using Musubi.Stix.Reading;

namespace Musubi.Infrastructure.Intelligence;

/// <summary>Publish a stored object wider: with this TLP to these communities (ids or slugs) and organisations.</summary>
public sealed record IntelPublication(Tlp? Tlp, IReadOnlyList<string>? Communities, IReadOnlyList<Guid>? Organisations);

public enum IntelPublicationMode
{
    /// <summary>Within the producer's own sector: a new version of the object with the wider scope.</summary>
    Widened,
    /// <summary>Across sectors or abroad: a sanitised copy, a new object attributed to the national centre.</summary>
    Sanitised,
}

public sealed record IntelPublicationResult(IntelPublicationMode Mode, string PublishedId, string? Version, Tlp Tlp, string OriginalId);

/// <summary>
/// The publish dialog's use case (docs/STIX.md, "Publishing wider"). Only the organisation that published an object
/// may publish it wider. Within its own sector the object gets a new version with the wider scope; anything wider (other
/// sectors, layers, trust or partner groups, organisations of another sector or country, TLP:CLEAR) gets a sanitised
/// copy through <see cref="StixSanitiser"/>: a new object published by the national centre, whose link to the original
/// is kept only beside the copy (<see cref="StixTermKind.DerivedFrom"/>), so the original and its provenance stay
/// private. One transaction with its audit entry.
/// </summary>
public sealed class StixPublisher(MusubiDbContext db, StixImporter importer, IntelligencePrincipals principals, AuditTrail audit, TimeProvider time)
{
    public const int MaxTargets = 100;

    public async Task<IntelPublicationResult> PublishAsync(Actor actor, string stixId, IntelPublication input, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanPublishIntelligence(actor), "publishing intelligence needs the intel:write scope and a role other than read-only");
        var principal = await principals.ForAsync(actor, ct);
        var latest = (await db.StixObjects.AsNoTracking().Include(x => x.Terms).AsSplitQuery().Where(x => x.StixId == stixId).ToListAsync(ct))
            .Where(r => AccessPolicy.MaySee(principal, StixRows.Marking(r)).Allowed)
            .OrderByDescending(r => r.VersionKey, StringComparer.Ordinal)
            .FirstOrDefault() ?? throw new NotFoundException("STIX object", stixId);
        ForbiddenException.ThrowUnless(latest.CreatorOrganisationId == actor.OrganisationId,
            "only the organisation that published an object may publish it wider (others forward it within its TLP)");

        var errors = new FieldErrors();
        errors.Check("tlp", input.Tlp switch
        {
            null => "is required",
            Tlp.Red => "TLP:RED is for named users only and cannot be published to communities or organisations",
            _ => null,
        });
        var communityInputs = input.Communities ?? [];
        var orgInputs = input.Organisations ?? [];
        errors.Check("communities", communityInputs.Count + orgInputs.Count > MaxTargets ? $"at most {MaxTargets} communities and organisations" : null);
        errors.Check("communities", input.Tlp is not Tlp.Clear && communityInputs.Count + orgInputs.Count == 0
            ? "name at least one community or organisation to publish to" : null);
        errors.Check("id", latest.Revoked ? "a revoked object cannot be published" : null);
        errors.ThrowIfAny();

        var communities = new List<CommunityEntity>();
        for (var i = 0; i < communityInputs.Count; i++)
        {
            var key = communityInputs[i]?.Trim() ?? "";
            var found = Guid.TryParse(key, out var cid)
                ? await db.Communities.AsNoTracking().FirstOrDefaultAsync(c => c.Id == cid, ct)
                : await db.Communities.AsNoTracking().FirstOrDefaultAsync(c => c.Slug == key, ct);
            if (found is null)
            {
                errors.Add($"communities[{i}]", $"unknown community '{key}'");
            }
            else
            {
                communities.Add(found);
            }
        }

        var orgIds = orgInputs.Distinct().ToList();
        var organisations = await db.Organisations.AsNoTracking().Where(o => orgIds.Contains(o.Id)).ToListAsync(ct);
        for (var i = 0; i < orgInputs.Count; i++)
        {
            if (organisations.All(o => o.Id != orgInputs[i]))
            {
                errors.Add($"organisations[{i}]", $"unknown organisation {orgInputs[i]}");
            }
        }

        errors.ThrowIfAny();
        var tlp = input.Tlp!.Value;
        var producer = await db.Organisations.AsNoTracking().FirstAsync(o => o.Id == latest.CreatorOrganisationId, ct);
        var withinSector = WithinSector(producer, tlp, communities, organisations);
        return withinSector
            ? await WidenAsync(actor, latest, tlp, communities, organisations, ct)
            : await SanitiseAsync(actor, latest, producer, tlp, communities, organisations, ct);
    }

    /// <summary>
    /// Within the producer's own sector: every community is its sector's community and every organisation is of the same
    /// sector and country. Everything else (other sectors, layers, trust and partner groups, abroad, CLEAR) is wider.
    /// </summary>
    public static bool WithinSector(OrganisationEntity producer, Tlp tlp, IReadOnlyList<CommunityEntity> communities, IReadOnlyList<OrganisationEntity> organisations) =>
        tlp != Tlp.Clear
        && producer.SectorId is { } sector
        && communities.All(c => c.Kind == CommunityKind.Sector && c.SectorId == sector)
        && organisations.All(o => o.SectorId == sector && string.Equals(o.Country, producer.Country, StringComparison.OrdinalIgnoreCase));

    private async Task<IntelPublicationResult> WidenAsync(Actor actor, StixObjectEntity latest, Tlp tlp,
        List<CommunityEntity> communities, List<OrganisationEntity> organisations, CancellationToken ct)
    {
        if (latest.VersionKey.Length == 0)
        {
            throw new ValidationFailedException("id", "this object has no versions (no modified property): its scope cannot be widened");
        }

        var node = JsonNode.Parse(latest.Raw)!.AsObject();
        var now = StixTimes.ToMicroseconds(time.GetUtcNow());
        var previous = StixTimestamp.TryParse(latest.Modified, out var p) ? p.Value : DateTimeOffset.MinValue;
        node["modified"] = StixTimestamp.Format(now > previous ? now : previous.AddMilliseconds(1));
        SetTlp(node, tlp);
        var scope = StixRows.Marking(latest).Scope;
        var options = new PublishOptions(tlp,
            [.. scope.Communities.Union(communities.Select(c => c.Id))],
            [.. scope.Organisations.Union(organisations.Select(o => o.Id))],
            [.. scope.Users], latest.PublishedToPublicFeed);
        var result = await importer.ImportDocumentAsync(actor, Read(node.ToJsonString()), options, ct, "stix.publish-widen");
        var success = Single(result);
        return new IntelPublicationResult(IntelPublicationMode.Widened, latest.StixId, success.Version, tlp, latest.StixId);
    }

    private async Task<IntelPublicationResult> SanitiseAsync(Actor actor, StixObjectEntity latest, OrganisationEntity producer, Tlp tlp,
        List<CommunityEntity> communities, List<OrganisationEntity> organisations, CancellationToken ct)
    {
        var centre = await db.Organisations.AsNoTracking().Where(o => o.Kind == OrganisationKind.NationalCentre).OrderBy(o => o.CreatedAt).FirstOrDefaultAsync(ct)
            ?? throw new ConflictException("there is no national centre organisation to attribute a sanitised copy to", "id");
        var identityId = $"identity--{centre.Id}";
        var terms = await VictimTermsAsync(producer, latest, ct);
        var source = JsonNode.Parse(latest.Raw)!.AsObject();
        var copy = StixSanitiser.Sanitise(source, new SanitiserOptions(identityId, tlp, terms))
            ?? throw new ValidationFailedException("id", "the object describes or names the producer (an identity, a location, or a pattern or value naming it): no releasable copy can be made");
        var now = time.GetUtcNow();
        var stamp = StixTimestamp.Format(now);
        var type = latest.Type;
        copy["id"] = $"{type}--{Guid.NewGuid()}";
        if (copy.ContainsKey("created") || copy.ContainsKey("modified"))
        {
            copy["created"] = stamp;
            copy["modified"] = stamp;
        }

        var identity = new JsonObject
        {
            ["type"] = "identity", ["spec_version"] = "2.1", ["id"] = identityId,
            ["created"] = StixTimestamp.Format(centre.CreatedAt), ["modified"] = StixTimestamp.Format(centre.CreatedAt),
            ["name"] = centre.Name, ["identity_class"] = "organization",
        };
        var bundle = new JsonObject { ["type"] = "bundle", ["id"] = $"bundle--{Guid.NewGuid()}", ["objects"] = new JsonArray(identity, copy) };
        // The copy is the national centre's object; the producer stays in its audience so it sees what was released.
        var options = new PublishOptions(tlp, [.. communities.Select(c => c.Id)],
            [.. organisations.Select(o => o.Id).Append(producer.Id).Distinct()], DerivedFrom: new Derivation(copy["id"]!.GetValue<string>(), latest.StixId));
        var centreActor = new Actor(actor.UserId, actor.UserName, centre.Id, Role.Analyst, new HashSet<string> { Scopes.IntelRead, Scopes.IntelWrite });
        // Staged in this unit of work; the importer's transaction commits it with the copy.
        audit.Record(actor, "stix.publish-sanitised", "stix-object", latest.StixId, producer.Id, null, new
        {
            copy = copy["id"]!.GetValue<string>(), tlp, communities = communities.Select(c => c.Slug).ToList(), organisations = organisations.Select(o => o.Id).ToList(),
        });
        var result = await importer.ImportDocumentAsync(centreActor, Read(bundle.ToJsonString()), options, ct, "stix.import-sanitised-copy");
        if (result.Failures.Count > 0)
        {
            throw new ValidationFailedException("id", "the sanitised copy is not valid STIX: " + string.Join("; ", result.Failures.SelectMany(f => f.Errors)));
        }

        var stored = result.Successes.First(s => s.Id == copy["id"]!.GetValue<string>());
        return new IntelPublicationResult(IntelPublicationMode.Sanitised, stored.Id, stored.Version, tlp, latest.StixId);
    }

    /// <summary>What names the producer: its names, contacts and domains, the names of identities and locations the object refers to, and the original's id.</summary>
    private async Task<List<string>> VictimTermsAsync(OrganisationEntity producer, StixObjectEntity original, CancellationToken ct)
    {
        var contacts = await db.Contacts.AsNoTracking().Where(c => c.OrganisationId == producer.Id).Select(c => new { c.Name, c.Email }).ToListAsync(ct);
        var domains = await db.Networks.AsNoTracking().Where(n => n.OrganisationId == producer.Id && n.Kind == NetworkKind.Domain).Select(n => n.Value).ToListAsync(ct);
        var refs = original.Terms.Where(t => t.Kind == StixTermKind.Reference).Select(t => t.Value)
            .Where(v => v.StartsWith("identity--", StringComparison.Ordinal) || v.StartsWith("location--", StringComparison.Ordinal)).Distinct().ToList();
        var named = await db.StixObjects.AsNoTracking().Where(o => refs.Contains(o.StixId) && o.Name != null).Select(o => o.Name!).Distinct().ToListAsync(ct);
        return
        [
            producer.Name, .. new[] { producer.NameJa, producer.ShortName }.OfType<string>(),
            .. contacts.SelectMany(c => new[] { c.Name, c.Email }), .. domains, .. named, original.StixId,
        ];
    }

    private static void SetTlp(JsonObject node, Tlp tlp)
    {
        var markings = node["object_marking_refs"] is JsonArray list
            ? list.Select(m => m?.GetValue<string>()).OfType<string>().Where(m => TlpMarkings.FromId(m) is null).ToList()
            : [];
        markings.Add(TlpMarkings.Id(tlp));
        node["object_marking_refs"] = new JsonArray([.. markings.Select(m => (JsonNode)JsonValue.Create(m)!)]);
    }

    private static StixDocument Read(string json) => StixReader.Read(Encoding.UTF8.GetBytes(json), StixImporter.Limits);

    private static StixImportSuccess Single(StixImportResult result) =>
        result.Failures.Count > 0
            ? throw new ValidationFailedException("id", "the new version is not valid STIX: " + string.Join("; ", result.Failures.SelectMany(f => f.Errors)))
            : result.Successes[0];
}
