using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Musubi.Core;
using Musubi.Core.Identity;
using Musubi.Core.Sharing;
using Musubi.Infrastructure.Intelligence;
using Musubi.Stix.Model;

namespace Musubi.Infrastructure.Detection;

/// <summary>Matches of one indicator in one organisation's events within one detection batch.</summary>
public sealed record SightingBatch(Guid OrganisationId, string IndicatorId, int Count, DateTimeOffset FirstSeen, DateTimeOffset LastSeen);

/// <summary>
/// Reports indicator matches back to the intelligence store as STIX <c>sighting</c>s. One sighting per organisation and
/// indicator (a stable id derived from both); each batch with new matches publishes a new version through
/// <see cref="StixImporter"/> with <c>count</c> raised, <c>first_seen</c> kept and <c>last_seen</c> moved, so the
/// store's versioning, audit and access policy apply as to any other object. The sighting is published by the sighting
/// organisation (<c>created_by_ref</c> and <c>where_sighted_refs</c> are its identity,
/// <c>identity--</c> + a UUID derived from the organisation id) at the TLP it chose
/// (<see cref="DetectionOptions.SightingTlp"/>, default AMBER), scoped to the indicator's audience: its publishing
/// organisation, the organisations and communities it was shared with.
/// </summary>
public sealed class SightingReporter(IServiceScopeFactory scopes, TimeProvider time, DetectionOptions options, ILogger<SightingReporter> log)
{
    public long Failures { get; private set; }

    public async Task ReportAsync(IReadOnlyList<SightingBatch> batches, IndicatorCatalog catalog, CancellationToken ct)
    {
        foreach (var batch in batches)
        {
            if (!catalog.Markings.TryGetValue(batch.IndicatorId, out var marking))
            {
                continue;
            }

            try
            {
                await ReportOneAsync(batch, marking, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A lost update (two workers at once) or a store refusal must not fail the alert batch.
                Failures++;
                log.LogWarning(e, "detection: sighting of {Indicator} for {Organisation} not recorded", batch.IndicatorId, batch.OrganisationId);
            }
        }
    }

    /// <summary>The organisation's STIX identity id (stable).</summary>
    public static string IdentityOf(Guid organisation) => "identity--" + DerivedUuid("musubi-organisation|" + organisation.ToString("D"));

    /// <summary>The sighting's id for an organisation and an indicator (stable).</summary>
    public static string SightingId(Guid organisation, string indicatorId) =>
        "sighting--" + DerivedUuid($"musubi-sighting|{organisation:D}|{indicatorId}");

    private async Task ReportOneAsync(SightingBatch batch, ObjectMarking marking, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var importer = scope.ServiceProvider.GetRequiredService<StixImporter>();
        var reader = scope.ServiceProvider.GetRequiredService<StixReadService>();
        var actor = new Actor(Guid.Empty, "detection", batch.OrganisationId, Role.Analyst, new HashSet<string> { Scopes.IntelRead, Scopes.IntelWrite });
        await PublishAsync(importer, reader, actor, batch, marking, options, time.GetUtcNow(), ct);
    }

    /// <summary>
    /// Adds <paramref name="batch"/> to the organisation's sighting of the indicator: a new version with the count raised,
    /// <c>first_seen</c> kept and <c>last_seen</c> moved. Used by detection and by an analyst's manual report.
    /// </summary>
    internal static async Task<StixImportResult> PublishAsync(StixImporter importer, StixReadService reader, Actor actor, SightingBatch batch,
        ObjectMarking indicator, DetectionOptions options, DateTimeOffset now, CancellationToken ct)
    {
        var id = SightingId(batch.OrganisationId, batch.IndicatorId);
        var identity = IdentityOf(batch.OrganisationId);

        long count = 0;
        var firstSeen = batch.FirstSeen;
        var created = now;
        var modified = now;
        try
        {
            var previous = await reader.GetAsync(actor, id, null, ct);
            using var doc = JsonDocument.Parse(previous.Raw);
            var root = doc.RootElement;
            if (root.TryGetProperty("count", out var c) && c.TryGetInt64(out var n))
            {
                count = n;
            }

            if (root.TryGetProperty("first_seen", out var f) && StixTimestamp.TryParse(f.GetString(), out var fs) && fs.Value < firstSeen)
            {
                firstSeen = fs.Value;
            }

            if (root.TryGetProperty("created", out var cr) && StixTimestamp.TryParse(cr.GetString(), out var crs))
            {
                created = crs.Value;
            }

            if (StixTimestamp.TryParse(previous.Version, out var pv) && pv.Value >= modified)
            {
                modified = pv.Value.AddMilliseconds(1);
            }
        }
        catch (NotFoundException)
        {
        }

        var lastSeen = batch.LastSeen < firstSeen ? firstSeen : batch.LastSeen;
        var sighting = new JsonObject
        {
            ["type"] = "sighting",
            ["spec_version"] = "2.1",
            ["id"] = id,
            ["created"] = StixTimestamp.Format(created > modified ? modified : created),
            ["modified"] = StixTimestamp.Format(modified),
            ["created_by_ref"] = identity,
            ["sighting_of_ref"] = batch.IndicatorId,
            ["count"] = Math.Min(count + batch.Count, 999_999_999),
            ["first_seen"] = StixTimestamp.Format(firstSeen),
            ["last_seen"] = StixTimestamp.Format(lastSeen),
            ["where_sighted_refs"] = new JsonArray(identity),
        };
        var tlp = options.SightingTlpByOrganisation.TryGetValue(batch.OrganisationId, out var chosen) ? chosen : options.SightingTlp;
        var audience = indicator.Scope.Organisations.Append(indicator.CreatorOrganisation).Where(o => o != batch.OrganisationId).Distinct().ToList();
        var publish = new PublishOptions(tlp, [.. indicator.Scope.Communities], audience);
        using var input = new MemoryStream(Encoding.UTF8.GetBytes(sighting.ToJsonString()));
        var result = await importer.ImportAsync(actor, input, publish, ct);
        if (result.Failures.Count > 0)
        {
            throw new InvalidOperationException(string.Join("; ", result.Failures.SelectMany(f => f.Errors)));
        }

        return result;
    }

    /// <summary>A version-5-shaped UUID from the SHA-256 of <paramref name="name"/> (stable, not guessable without the ids).</summary>
    private static string DerivedUuid(string name)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(name));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        var hex = Convert.ToHexStringLower(hash.AsSpan(0, 16));
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..32]}";
    }
}
