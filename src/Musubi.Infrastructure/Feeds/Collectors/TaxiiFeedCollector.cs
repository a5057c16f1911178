using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Federation;
using Musubi.Infrastructure.Intelligence;

namespace Musubi.Infrastructure.Feeds.Collectors;

/// <summary>What one TAXII collection run did.</summary>
public sealed record TaxiiFeedRun(int Pages, int Objects, int Events, int Files);

/// <summary>
/// The collector of kind <c>taxii</c> (docs/FEEDS.md): pulls a federation partner's TAXII 2.1 collection with
/// <c>added_after</c> = the source's cursor (the connection, credentials and client are the partner's: write-only,
/// data-protected secret) and turns what names hosts into feed events:
/// <list type="bullet">
/// <item><c>indicator</c>: each <c>ipv4-addr</c>/<c>ipv6-addr</c>/<c>domain-name</c>/<c>url</c> <c>:value = '…'</c>
/// comparison of its pattern is an event at the indicator's <c>modified</c> time, classified by
/// <see cref="Classify"/>;</item>
/// <item><c>observed-data</c>: each IP/domain/URL SCO it refers to (<c>object_refs</c> to SCOs in the same page, or
/// the STIX 2.0 <c>objects</c> map) is an event at <c>last_observed</c>, classified malicious-code / infected-system (an
/// observation of an infected host, as in an <c>infected-hosts</c> collection) unless its labels say otherwise.</item>
/// </list>
/// Each page's events are one accepted file, committed together with the new cursor (the page's
/// <c>X-TAXII-Date-Added-Last</c>; one microsecond earlier while more pages follow, as the federation pull does), so a
/// page is turned into events exactly once and a failed page leaves nothing.
/// </summary>
public sealed partial class TaxiiFeedCollector(MusubiDbContext db, FeedIntake intake, PartnerService partners, IHttpClientFactory httpFactory, TimeProvider time)
{
    public const int PageSize = 1000;
    public const int MaxPagesPerRun = 100;

    public async Task<TaxiiFeedRun> CollectAsync(FeedSourceEntity source, CancellationToken ct)
    {
        using var options = JsonDocument.Parse(source.Options ?? "{}");
        var partnerName = options.RootElement.TryGetProperty("partner", out var p) ? p.GetString() : null;
        var partner = await db.Set<PartnerEntity>().AsNoTracking().FirstOrDefaultAsync(x => x.Name == partnerName && x.Kind == PartnerKind.Taxii, ct)
            ?? throw new InvalidOperationException($"the TAXII partner '{partnerName}' does not exist (any more)");
        var collection = options.RootElement.TryGetProperty("collection", out var c) ? c.GetString() : partner.CollectionId;
        if (string.IsNullOrEmpty(collection))
        {
            throw new InvalidOperationException($"no collection: the source names none and the partner '{partner.Name}' has none");
        }

        var http = httpFactory.CreateClient(FederationRunner.HttpClientName);
        var objectsUrl = $"{partner.Url}collections/{Uri.EscapeDataString(collection)}/objects/";
        var feedName = ("taxii-" + partner.Name).Length > 100 ? ("taxii-" + partner.Name)[..100] : "taxii-" + partner.Name;
        var secret = partners.SecretOf(partner);
        int objects = 0, events = 0, files = 0;
        // The federation's one TAXII paging path: limits, more/next, X-TAXII-Date-Added-Last and TAXII error messages as a pull.
        var pages = await FederationRunner.PullPagesAsync(http, url => FederationRunner.Request(partner, secret, HttpMethod.Get, url), objectsUrl,
            source.Cursor is { } after ? StixTimes.Format(after) : null, PageSize, MaxPagesPerRun, before: null, async page =>
            {
                if (page.Objects == 0 || page.LastAddedAt is not { } last)
                {
                    return;
                }

                using var doc = JsonDocument.Parse(page.Body, new JsonDocumentOptions { MaxDepth = StixImporter.Limits.MaxDepth });
                var list = doc.RootElement.GetProperty("objects");
                objects += page.Objects;
                var rows = Rows(list, feedName);
                // One microsecond before the page's last date added while more pages follow, as the federation pull does.
                var cursor = page.More ? last.AddTicks(-10) : last;
                db.ChangeTracker.Clear();
                var tracked = await db.Set<FeedSourceEntity>().FirstAsync(s => s.Id == source.Id, ct);
                tracked.Cursor = cursor;
                tracked.LastRunAt = time.GetUtcNow();
                tracked.LastError = null;
                if (rows.Count > 0)
                {
                    // The cursor commits with the accepted file (same DbContext, one SaveChanges).
                    await intake.AcceptAsync(source.Name, $"taxii-{time.GetUtcNow().UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-{page.Index + 1}.csv", CollectorCsv.Write(rows), ct);
                    files++;
                    events += rows.Count;
                }
                else
                {
                    await db.SaveChangesAsync(ct);
                }

                db.ChangeTracker.Clear();
            }, ct);

        var now = time.GetUtcNow();
        await db.Set<FeedSourceEntity>().Where(s => s.Id == source.Id).ExecuteUpdateAsync(u => u
            .SetProperty(s => s.LastRunAt, now).SetProperty(s => s.LastError, (string?)null).SetProperty(s => s.LastSuccessAt, now), ct);
        return new TaxiiFeedRun(pages, objects, events, files);
    }

    [GeneratedRegex(@"(ipv4-addr|ipv6-addr|domain-name|url):value\s*=\s*'((?:[^'\\]|\\.){1,2000})'", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Comparison();

    /// <summary>The events of one page (pure; public for tests).</summary>
    public static List<CollectorRow> Rows(JsonElement objects, string feedName)
    {
        var byId = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var o in objects.EnumerateArray())
        {
            if (o.ValueKind == JsonValueKind.Object && o.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
            {
                byId[id.GetString()!] = o;
            }
        }

        var rows = new List<CollectorRow>();
        foreach (var o in objects.EnumerateArray())
        {
            if (o.ValueKind != JsonValueKind.Object || !o.TryGetProperty("type", out var t) || t.ValueKind != JsonValueKind.String)
            {
                continue;
            }

            var id = o.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
            if (t.GetString() == "indicator" && o.TryGetProperty("pattern", out var pattern) && pattern.ValueKind == JsonValueKind.String)
            {
                var at = Time(o, "modified") ?? Time(o, "created");
                if (at is null)
                {
                    continue;
                }

                var classified = Classify(o);
                foreach (Match match in Comparison().Matches(pattern.GetString()!))
                {
                    var value = match.Groups[2].Value.Replace("\\'", "'", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
                    if (Row(match.Groups[1].Value, value, at.Value, classified, feedName, id) is { } row)
                    {
                        rows.Add(row);
                    }
                }
            }
            else if (t.GetString() == "observed-data")
            {
                var at = Time(o, "last_observed") ?? Time(o, "modified");
                if (at is null)
                {
                    continue;
                }

                var classified = Labelled(o) ?? new Classified("malicious-code", "infected-system");
                var observables = new List<JsonElement>();
                if (o.TryGetProperty("object_refs", out var refs) && refs.ValueKind == JsonValueKind.Array)
                {
                    observables.AddRange(refs.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.String && byId.ContainsKey(r.GetString()!)).Select(r => byId[r.GetString()!]));
                }

                if (o.TryGetProperty("objects", out var map) && map.ValueKind == JsonValueKind.Object)
                {
                    observables.AddRange(map.EnumerateObject().Select(x => x.Value));
                }

                foreach (var sco in observables)
                {
                    if (sco.ValueKind == JsonValueKind.Object && sco.TryGetProperty("type", out var st) && sco.TryGetProperty("value", out var sv)
                        && st.ValueKind == JsonValueKind.String && sv.ValueKind == JsonValueKind.String
                        && Row(st.GetString()!, sv.GetString()!, at.Value, classified, feedName, id) is { } row)
                    {
                        rows.Add(row);
                    }
                }
            }
        }

        return rows;
    }

    /// <summary>
    /// An indicator's classification: indicator type <c>compromised</c> → intrusions / system-compromise; a
    /// command-and-control phase → malicious-code / c2-server; delivery (or a URL indicator) → malicious-code /
    /// malware-distribution; reconnaissance → information-gathering / scanner; otherwise other / blacklist.
    /// </summary>
    public static Classified Classify(JsonElement indicator)
    {
        var words = Strings(indicator, "indicator_types").Concat(Strings(indicator, "labels")).ToList();
        var phases = indicator.TryGetProperty("kill_chain_phases", out var k) && k.ValueKind == JsonValueKind.Array
            ? k.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.Object && x.TryGetProperty("phase_name", out var pn) && pn.ValueKind == JsonValueKind.String)
                .Select(x => x.GetProperty("phase_name").GetString()!).ToList()
            : [];
        bool Has(IEnumerable<string> list, string word) => list.Any(w => w.Equals(word, StringComparison.OrdinalIgnoreCase));
        if (Has(words, "compromised"))
        {
            return new Classified("intrusions", "system-compromise");
        }

        if (Has(phases, "command-and-control") || Has(words, "c2") || Has(words, "botnet-c2"))
        {
            return new Classified("malicious-code", "c2-server");
        }

        if (Has(phases, "delivery") || Has(words, "malware-distribution"))
        {
            return new Classified("malicious-code", "malware-distribution");
        }

        if (Has(phases, "reconnaissance") || Has(words, "scanner"))
        {
            return new Classified("information-gathering", "scanner");
        }

        return Labelled(indicator) ?? new Classified("other", "blacklist");
    }

    private static Classified? Labelled(JsonElement o)
    {
        var labels = Strings(o, "labels").ToList();
        if (labels.Any(l => l.Equals("scanner", StringComparison.OrdinalIgnoreCase)))
        {
            return new Classified("information-gathering", "scanner");
        }

        if (labels.Any(l => l.Equals("infected-system", StringComparison.OrdinalIgnoreCase) || l.Equals("bot", StringComparison.OrdinalIgnoreCase)))
        {
            return new Classified("malicious-code", "infected-system");
        }

        return null;
    }

    private static IEnumerable<string> Strings(JsonElement o, string name) =>
        o.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Array
            ? a.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!)
            : [];

    private static DateTimeOffset? Time(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
        && DateTimeOffset.TryParse(v.GetString(), System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var t) ? t : null;

    private static CollectorRow? Row(string type, string value, DateTimeOffset at, Classified c, string feedName, string? id)
    {
        switch (type)
        {
            case "ipv4-addr" or "ipv6-addr" when IPAddress.TryParse(value, out var ip):
                return new CollectorRow(at, ip.ToString(), null, null, null, null, c.Taxonomy, c.Type, id, c.Malware, null, null, feedName, id);
            case "domain-name" when value.Length is > 0 and <= 253:
                return new CollectorRow(at, "", null, null, null, null, c.Taxonomy, c.Type, id, c.Malware, value, null, feedName, id);
            case "url" when Uri.TryCreate(value, UriKind.Absolute, out var uri):
                var host = IPAddress.TryParse(uri.Host.Trim('[', ']'), out var h) ? h.ToString() : "";
                return new CollectorRow(at, host, null, null, null, null, c.Taxonomy, c.Type, id, c.Malware, host.Length == 0 ? uri.Host : null, value, feedName, id);
            default:
                return null;
        }
    }
}
