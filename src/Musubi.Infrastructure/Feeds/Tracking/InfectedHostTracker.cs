using System.Net;
using Microsoft.EntityFrameworkCore;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Feeds.Delivery;

namespace Musubi.Infrastructure.Feeds.Tracking;

/// <summary>
/// Keeps one row per (recipient, address, classification type, malware) for the hosts reports name, and the clean-up
/// rule (docs/NOTIFICATION.md): a host counts as cleaned when not observed again for
/// <see cref="FeedDeliveryOptions.CleanedAfterDays"/>; observed after that, it is open again and counted as a
/// re-infection. <see cref="RecordAsync"/> only stages changes on the scoped context: the pipeline saves them with the
/// report. Recording the same ticket twice changes nothing.
/// </summary>
/// <remarks>
/// Audited through <see cref="AuditTrail"/> (so in the ledger): each recorded report as <c>infected-host.observe</c>
/// (ticket, recipient, how many hosts were new, seen again or re-infected, and the first <see cref="AuditedAddresses"/>
/// addresses), each cleaning batch as <c>infected-host.clean</c> (the hosts' ids and addresses and when they count as
/// cleaned). One entry per report or batch rather than per host keeps the ledger proportional to the work done.
/// </remarks>
public sealed class InfectedHostTracker(MusubiDbContext db, FeedDeliveryOptions options, TimeProvider time, AuditTrail audit) : IInfectedHostTracker
{
    public const int Batch = 1000;
    public const int AuditedAddresses = 1000;

    public async Task RecordAsync(FeedReport report, CancellationToken cancellationToken)
    {
        var tickets = db.Set<TrackedReportEntity>();
        if (tickets.Local.Any(t => t.Ticket == report.Ticket) || await tickets.AnyAsync(t => t.Ticket == report.Ticket, cancellationToken))
        {
            return;
        }

        var now = time.GetUtcNow();
        var groups = new Dictionary<(string Address, string Type, string Malware), Observation>();
        foreach (var row in report.Rows)
        {
            if (!IPAddress.TryParse(row.SourceIp, out var ip))
            {
                continue; // the pipeline validated addresses; a network-only row names no host
            }

            var key = (ip.ToString(), Cut(row.Type, 64), Cut(row.MalwareName ?? "", 256));
            var seen = row.TimeSource ?? report.To;
            if (groups.TryGetValue(key, out var o))
            {
                o.Rows++;
                if (seen < o.First)
                {
                    o.First = seen;
                }

                if (seen > o.Seen)
                {
                    o.Seen = seen;
                    o.Taxonomy = Cut(row.Taxonomy, 64);
                    o.Asn = row.SourceAsn ?? o.Asn;
                }
            }
            else
            {
                groups[key] = new Observation { First = seen, Seen = seen, Taxonomy = Cut(row.Taxonomy, 64), Asn = row.SourceAsn, Rows = 1 };
            }
        }

        var hosts = db.Set<InfectedHostEntity>();
        foreach (var chunk in groups.Keys.Select(k => k.Address).Distinct(StringComparer.Ordinal).Chunk(500))
        {
            await hosts.Where(h => h.RecipientId == report.RecipientId && chunk.Contains(h.Address)).Include(h => h.Episodes.Where(e => e.CleanedAt == null))
                .LoadAsync(cancellationToken);
        }

        var known = hosts.Local.Where(h => h.RecipientId == report.RecipientId)
            .ToDictionary(h => (h.Address, h.Type, h.Malware));
        var tracked = new TrackedReportEntity
        {
            Ticket = report.Ticket, RecipientId = report.RecipientId, OrganisationId = report.OrganisationId, Email = report.Email,
            Language = Cut(report.Language, 16), From = report.From, To = report.To, RowCount = report.Rows.Count,
            HostCount = groups.Count, RecordedAt = now,
        };
        int opened = 0, again = 0, reinfected = 0;
        foreach (var (key, o) in groups)
        {
            if (!known.TryGetValue(key, out var host))
            {
                opened++;
                host = new InfectedHostEntity
                {
                    RecipientId = report.RecipientId, OrganisationId = report.OrganisationId, Address = key.Address, Type = key.Type,
                    Malware = key.Malware, Taxonomy = o.Taxonomy, Asn = o.Asn, FirstSeen = o.First, LastSeen = o.Seen,
                    LastTicket = report.Ticket, State = InfectedHostState.Open, UpdatedAt = now,
                };
                host.Episodes.Add(new InfectedHostEpisodeEntity { OrganisationId = report.OrganisationId, OpenedAt = o.First, LastSeen = o.Seen });
                hosts.Add(host);
                known[key] = host;
            }
            else
            {
                var wasReinfections = host.Reinfections;
                Observe(host, o.Seen, options.CleanedAfter);
                again++;
                reinfected += host.Reinfections - wasReinfections;
                host.Taxonomy = o.Taxonomy;
                host.Asn = o.Asn ?? host.Asn;
                host.LastTicket = report.Ticket;
                host.OrganisationId = report.OrganisationId ?? host.OrganisationId;
                host.UpdatedAt = now;
            }

            host.TimesReported++;
            tracked.Hosts.Add(new TrackedReportHostEntity { Ticket = report.Ticket, Host = host, Rows = o.Rows });
        }

        tickets.Add(tracked);
        audit.Record(Actor.System, "infected-host.observe", "feed-report", report.Ticket, report.OrganisationId, null, new
        {
            report.Ticket, report.RecipientId, Hosts = groups.Count, Opened = opened, SeenAgain = again, Reinfected = reinfected,
            Addresses = groups.Keys.Select(k => k.Address).Distinct(StringComparer.Ordinal).Take(AuditedAddresses).ToList(),
        });
    }

    /// <summary>
    /// Marks open hosts not observed for the configured days as cleaned (as of their last observation plus those
    /// days) and saves. Returns how many were cleaned.
    /// </summary>
    public async Task<int> EvaluateCleanedAsync(CancellationToken ct)
    {
        var cutoff = time.GetUtcNow() - options.CleanedAfter;
        var total = 0;
        while (true)
        {
            var due = await db.Set<InfectedHostEntity>().Where(h => h.State == InfectedHostState.Open && h.LastSeen <= cutoff)
                .OrderBy(h => h.Id).Take(Batch).Include(h => h.Episodes.Where(e => e.CleanedAt == null)).ToListAsync(ct);
            foreach (var host in due)
            {
                Clean(host, options.CleanedAfter);
            }

            if (due.Count > 0)
            {
                audit.Record(Actor.System, "infected-host.clean", "infected-hosts", due[0].Id.ToString(System.Globalization.CultureInfo.InvariantCulture), null, null, new
                {
                    CleanedAfterDays = options.CleanedAfter.TotalDays,
                    Hosts = due.Select(h => new { h.Id, h.RecipientId, h.OrganisationId, h.Address, h.Type, h.CleanedAt }).ToList(),
                });
            }

            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
            total += due.Count;
            if (due.Count < Batch)
            {
                return total;
            }
        }
    }

    /// <summary>A new observation of a known host: later than its cleaned point, it opens a re-infection episode.</summary>
    private static void Observe(InfectedHostEntity host, DateTimeOffset seen, TimeSpan cleanedAfter)
    {
        if (host.State == InfectedHostState.Open && seen - host.LastSeen >= cleanedAfter)
        {
            Clean(host, cleanedAfter); // the job had not run yet: the rule decides, not the job's timing
        }

        if (host.State == InfectedHostState.Cleaned)
        {
            if (seen <= host.LastSeen)
            {
                return; // an old observation arriving late does not reopen a host seen since
            }

            host.State = InfectedHostState.Open;
            host.CleanedAt = null;
            host.Reinfections++;
            host.LastSeen = seen;
            host.Episodes.Add(new InfectedHostEpisodeEntity { OrganisationId = host.OrganisationId, OpenedAt = seen, LastSeen = seen, IsReinfection = true });
            return;
        }

        if (seen > host.LastSeen)
        {
            host.LastSeen = seen;
            foreach (var open in host.Episodes.Where(e => e.CleanedAt == null))
            {
                open.LastSeen = seen;
            }
        }
    }

    private static void Clean(InfectedHostEntity host, TimeSpan cleanedAfter)
    {
        var at = host.LastSeen + cleanedAfter;
        host.State = InfectedHostState.Cleaned;
        host.CleanedAt = at;
        host.UpdatedAt = at;
        foreach (var open in host.Episodes.Where(e => e.CleanedAt == null))
        {
            open.CleanedAt = at;
        }
    }

    private static string Cut(string value, int max) => value.Length <= max ? value : value[..max];

    private sealed class Observation
    {
        public DateTimeOffset First;
        public DateTimeOffset Seen;
        public required string Taxonomy;
        public uint? Asn;
        public int Rows;
    }
}
