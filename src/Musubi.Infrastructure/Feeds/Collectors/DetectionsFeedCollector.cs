using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Musubi.Core.Constituency;
using Musubi.Core.Sharing;
using Musubi.Infrastructure.Constituency;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Detection;
using Musubi.Infrastructure.Intelligence;

namespace Musubi.Infrastructure.Feeds.Collectors;

/// <summary>What one detections run did.</summary>
public sealed record DetectionsRun(int Alerts, int Events, int OutsideConstituency, int WithheldByTlp, bool FileAccepted);

/// <summary>
/// The collector of kind <c>detections</c> (docs/FEEDS.md): the platform's own indicator and Sigma alerts whose host
/// lies in the constituency become feed events (<c>feed.name</c> = <c>musubi-detections</c>).
/// <list type="bullet">
/// <item>Address: the alert event's source address when the constituency holds it, else its destination address when
/// the constituency holds that (a constituency host that talked to a listed C2 address is the destination of nothing
/// but the source of the flow; a scanned or attacked constituency host is the destination). The chosen address is
/// <c>source.ip</c> of the feed event, the other one <c>destination.ip</c>.</item>
/// <item>Checkpoint: alerts are taken by <see cref="AlertEntity.FirstSeen"/> (when the alert was raised; grouping only
/// moves LastSeen) after the source's <see cref="FeedSourceEntity.Cursor"/> and up to now minus
/// <see cref="FeedOptions.DetectionsSettle"/> (a detection batch committing late is still picked up). The file and the
/// new cursor are committed in one transaction, so each alert becomes events exactly once.</item>
/// <item>TLP: an indicator alert is turned into an event only when <see cref="AccessPolicy.MayNotify"/> allows the
/// indicator (latest version) for the national centre's principal: CLEAR and GREEN; AMBER, AMBER+STRICT and RED
/// indicators, and indicators no longer in the store, are withheld. Sigma rules are the platform's own
/// configuration, not shared intelligence: their alerts always qualify.</item>
/// </list>
/// </summary>
public sealed class DetectionsFeedCollector(MusubiDbContext db, FeedIntake intake, OwnershipDirectory ownership, IntelligencePrincipals principals,
    FeedOptions options, TimeProvider time, ILogger<DetectionsFeedCollector> log)
{
    public const string FeedName = "musubi-detections";
    public const int MaxAlertsPerRun = 10_000;

    public async Task<DetectionsRun> CollectAsync(FeedSourceEntity source, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var from = source.Cursor ?? now - options.MaxEventAge;
        var upTo = now - options.DetectionsSettle;
        var alerts = await db.Set<AlertEntity>().AsNoTracking()
            .Where(a => a.FirstSeen > from && a.FirstSeen <= upTo)
            .OrderBy(a => a.FirstSeen).ThenBy(a => a.Id).Take(MaxAlertsPerRun + 1).ToListAsync(ct);
        if (alerts.Count > MaxAlertsPerRun)
        {
            // A full batch: stop before the last instant so alerts sharing it are all taken by the next run.
            var lastInstant = alerts[MaxAlertsPerRun].FirstSeen;
            var cut = alerts.Take(MaxAlertsPerRun).Where(a => a.FirstSeen < lastInstant).ToList();
            alerts = cut.Count > 0 ? cut : [.. alerts.Take(MaxAlertsPerRun)];
        }

        var cursor = alerts.Count > 0 ? alerts[^1].FirstSeen : (DateTimeOffset?)null;
        var snapshot = await ownership.GetAsync(ct);
        var centre = await db.Organisations.AsNoTracking().Where(o => o.Kind == OrganisationKind.NationalCentre).Select(o => (Guid?)o.Id).FirstOrDefaultAsync(ct);
        var platform = centre is { } c ? await principals.ForOrganisationAsync(c, ct) : Principal.Anonymous;
        var indicators = await IndicatorsAsync(alerts, ct);

        var rows = new List<CollectorRow>();
        int outside = 0, withheld = 0;
        foreach (var alert in alerts)
        {
            StixObjectEntity? indicator = null;
            if (alert.Kind == "indicator"
                && (!indicators.TryGetValue(alert.SourceId, out indicator) || !AccessPolicy.MayNotify(platform, StixRows.Marking(indicator)).Allowed))
            {
                withheld++;
                continue;
            }

            Classified Classify(bool hostIsSource) => indicator is not null
                ? DetectionClassification.OfIndicator(indicator.Raw, hostIsSource)
                : DetectionClassification.OfSigma(alert.Evidence, hostIsSource);

            if (ToRow(alert, Classify, snapshot) is { } row)
            {
                rows.Add(row);
            }
            else
            {
                outside++;
            }
        }

        var accepted = false;
        db.ChangeTracker.Clear();
        var tracked = await db.Set<FeedSourceEntity>().FirstAsync(s => s.Id == source.Id, ct);
        tracked.LastRunAt = now;
        tracked.LastError = null;
        if (cursor is not null)
        {
            tracked.Cursor = cursor;
        }

        if (rows.Count > 0)
        {
            // The cursor is staged on the same DbContext: it commits together with the accepted file.
            await intake.AcceptAsync(source.Name, $"musubi-detections-{now.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}.csv", CollectorCsv.Write(rows), ct);
            accepted = true;
        }
        else
        {
            tracked.LastSuccessAt = now;
            await db.SaveChangesAsync(ct);
        }

        db.ChangeTracker.Clear();
        if (withheld > 0)
        {
            log.LogInformation("feed source {Source}: {Withheld} indicator alerts withheld (TLP above GREEN, or the indicator is gone)", source.Name, withheld);
        }

        return new DetectionsRun(alerts.Count, rows.Count, outside, withheld, accepted);
    }

    private async Task<Dictionary<string, StixObjectEntity>> IndicatorsAsync(List<AlertEntity> alerts, CancellationToken ct)
    {
        var ids = alerts.Where(a => a.Kind == "indicator").Select(a => a.SourceId).Distinct().ToList();
        var result = new Dictionary<string, StixObjectEntity>(StringComparer.Ordinal);
        foreach (var chunk in ids.Chunk(500))
        {
            foreach (var o in await db.Set<StixObjectEntity>().AsNoTracking().Include(o => o.Terms)
                         .Where(o => chunk.Contains(o.StixId) && o.IsLatest && !o.Revoked).ToListAsync(ct))
            {
                result[o.StixId] = o;
            }
        }

        return result;
    }

    private static CollectorRow? ToRow(AlertEntity alert, Func<bool, Classified> classify, OwnershipDirectory.Snapshot snapshot)
    {
        JsonElement ev;
        try
        {
            using var doc = JsonDocument.Parse(alert.Evidence, new JsonDocumentOptions { MaxDepth = 64 });
            if (!doc.RootElement.TryGetProperty("event", out var e) || e.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            ev = e.Clone();
        }
        catch (JsonException)
        {
            return null;
        }

        var (srcIp, srcPort) = Endpoint(ev, "src_endpoint");
        var (dstIp, dstPort) = Endpoint(ev, "dst_endpoint");
        bool Holds(IPAddress? a) => a is not null && snapshot.Prefixes.Lookup(a) >= 0;
        IPAddress host;
        int? hostPort;
        IPAddress? other;
        int? otherPort;
        if (Holds(srcIp))
        {
            (host, hostPort, other, otherPort) = (srcIp!, srcPort, dstIp, dstPort);
        }
        else if (Holds(dstIp))
        {
            (host, hostPort, other, otherPort) = (dstIp!, dstPort, srcIp, srcPort);
        }
        else
        {
            return null;
        }

        var classified = classify(host.Equals(srcIp));
        var at = ev.TryGetProperty("time", out var t) && t.TryGetInt64(out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : alert.FirstSeen;
        var transport = ev.TryGetProperty("connection_info", out var ci) && ci.ValueKind == JsonValueKind.Object
            && ci.TryGetProperty("protocol_name", out var pn) && pn.ValueKind == JsonValueKind.String ? pn.GetString()?.ToLowerInvariant() : null;
        return new CollectorRow(at, host.ToString(), hostPort, other?.ToString(), otherPort, transport is "tcp" or "udp" or "icmp" ? transport : null,
            classified.Taxonomy, classified.Type, $"{alert.Kind}:{alert.SourceId}", classified.Malware, null, null, FeedName, alert.Id.ToString());
    }

    private static (IPAddress? Ip, int? Port) Endpoint(JsonElement ev, string name)
    {
        if (!ev.TryGetProperty(name, out var ep) || ep.ValueKind != JsonValueKind.Object)
        {
            return (null, null);
        }

        var ip = ep.TryGetProperty("ip", out var i) && i.ValueKind == JsonValueKind.String && IPAddress.TryParse(i.GetString(), out var a) ? a : null;
        int? port = ep.TryGetProperty("port", out var p) && p.TryGetInt32(out var n) ? n : null;
        return (ip, port);
    }
}
