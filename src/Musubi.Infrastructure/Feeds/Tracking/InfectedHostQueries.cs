using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Constituency;
using Musubi.Core.Feeds;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Feeds.Delivery;

namespace Musubi.Infrastructure.Feeds.Tracking;

public sealed record InfectedHostDto(
    long Id, Guid? OrganisationId, string Address, string Taxonomy, string Type, string? Malware, long? Asn, DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen, int TimesReported, int Reinfections, string LastTicket, string State, DateTimeOffset? CleanedAt);

public sealed record InfectedHostPage(IReadOnlyList<InfectedHostDto> Items, int Total, int Page, int PageSize);

/// <summary>
/// A query of tracked hosts. <see cref="OrganisationId"/> null means the caller's own; <see cref="State"/> is open,
/// cleaned or all; <see cref="Since"/> keeps hosts last seen at or after it.
/// </summary>
public sealed record InfectedHostQuery(
    Guid? OrganisationId = null, string? State = "open", DateTimeOffset? Since = null, string? Type = null, string? Malware = null,
    int Page = 1, int PageSize = 100);

public sealed record TrackedReportDto(
    string Ticket, Guid? OrganisationId, string RecipientId, string Language, DateTimeOffset From, DateTimeOffset To, int RowCount,
    int HostCount, DateTimeOffset RecordedAt, string MessageIdLocalPart);

public sealed record TicketDetail(TrackedReportDto Report, IReadOnlyList<TicketHost> Hosts);

public sealed record TicketHost(string Address, string Type, string? Malware, int Rows, string State, DateTimeOffset LastSeen);

/// <summary>
/// What ISPs pull and the portal shows: an organisation's tracked hosts, its reports by ticket. Every read checks
/// <see cref="FeedAccessRules.CanReadInfectedHosts"/>: someone else's ticket is a 404, someone else's organisation a 403.
/// </summary>
public sealed class InfectedHostQueries(MusubiDbContext db)
{
    public const int MaxPageSize = 1000;
    public const int MaxCsvRows = 200_000;
    public const int MaxReports = 500;

    public static readonly IReadOnlyList<string> CsvHeader =
    [
        "source.ip", "classification.taxonomy", "classification.type", "malware.name", "source.asn", "first_seen", "last_seen",
        "times_reported", "reinfections", "last_ticket", "state", "cleaned_at",
    ];

    public async Task<InfectedHostPage> HostsAsync(Actor actor, InfectedHostQuery query, CancellationToken ct)
    {
        var q = await FilterAsync(actor, query, ct);
        if (query.Page < 1 || query.PageSize is < 1 or > MaxPageSize)
        {
            throw new ValidationFailedException(query.Page < 1 ? "page" : "pageSize",
                query.Page < 1 ? "must be 1 or more" : $"must be between 1 and {MaxPageSize}");
        }

        var total = await q.CountAsync(ct);
        var rows = await q.OrderByDescending(h => h.LastSeen).ThenBy(h => h.Id)
            .Skip((query.Page - 1) * query.PageSize).Take(query.PageSize).AsNoTracking().ToListAsync(ct);
        return new InfectedHostPage(rows.Select(Dto).ToList(), total, query.Page, query.PageSize);
    }

    /// <summary>The hosts the query selects as CSV (the header above, injection-safe cells), at most <see cref="MaxCsvRows"/>.</summary>
    public async Task<string> HostsCsvAsync(Actor actor, InfectedHostQuery query, CancellationToken ct)
    {
        var q = await FilterAsync(actor, query, ct);
        var sb = new StringBuilder();
        sb.Append(string.Join(',', CsvHeader)).Append("\r\n");
        await foreach (var h in q.OrderByDescending(h => h.LastSeen).ThenBy(h => h.Id).Take(MaxCsvRows).AsNoTracking().AsAsyncEnumerable().WithCancellation(ct))
        {
            string?[] cells =
            [
                h.Address, h.Taxonomy, h.Type, h.Malware, h.Asn?.ToString(CultureInfo.InvariantCulture), Time(h.FirstSeen), Time(h.LastSeen),
                h.TimesReported.ToString(CultureInfo.InvariantCulture), h.Reinfections.ToString(CultureInfo.InvariantCulture), h.LastTicket,
                h.State == InfectedHostState.Open ? "open" : "cleaned", h.CleanedAt is { } c ? Time(c) : null,
            ];
            sb.AppendJoin(',', cells.Select(FeedReportCsv.Cell)).Append("\r\n");
        }

        return sb.ToString();
    }

    /// <summary>A report by its ticket: the recipient organisation's people and centre staff; anyone else gets 404.</summary>
    public async Task<TicketDetail> TicketAsync(Actor actor, string ticket, CancellationToken ct)
    {
        var report = ticket.Length > 64 ? null : await db.Set<TrackedReportEntity>().AsNoTracking().FirstOrDefaultAsync(t => t.Ticket == ticket, ct);
        if (report is null || !FeedAccessRules.CanReadInfectedHosts(actor, report.OrganisationId, await InCentreAsync(actor, ct)))
        {
            throw new NotFoundException("report", ticket);
        }

        var hosts = await db.Set<TrackedReportHostEntity>().AsNoTracking().Where(x => x.Ticket == ticket)
            .Join(db.Set<InfectedHostEntity>(), x => x.HostId, h => h.Id, (x, h) => new { x.Rows, h })
            .ToListAsync(ct);
        return new TicketDetail(Dto(report), hosts.OrderBy(x => x.h.Address, StringComparer.Ordinal).ThenBy(x => x.h.Type, StringComparer.Ordinal)
            .Select(x => new TicketHost(x.h.Address, x.h.Type, Null(x.h.Malware), x.Rows, State(x.h.State), x.h.LastSeen)).ToList());
    }

    /// <summary>An organisation's most recent reports (null: the caller's own), newest first.</summary>
    public async Task<IReadOnlyList<TrackedReportDto>> ReportsAsync(Actor actor, Guid? organisationId, int limit, CancellationToken ct)
    {
        var org = await ReadableOrganisationAsync(actor, organisationId, ct);
        var rows = await db.Set<TrackedReportEntity>().AsNoTracking().Where(t => t.OrganisationId == org)
            .OrderByDescending(t => t.To).ThenBy(t => t.Ticket).Take(Math.Clamp(limit, 1, MaxReports)).ToListAsync(ct);
        return rows.Select(Dto).ToList();
    }

    /// <summary>The distinct types and malware names of an organisation's hosts, for filters.</summary>
    public async Task<(IReadOnlyList<string> Types, IReadOnlyList<string> Malware)> FacetsAsync(Actor actor, Guid? organisationId, CancellationToken ct)
    {
        var org = await ReadableOrganisationAsync(actor, organisationId, ct);
        var hosts = db.Set<InfectedHostEntity>().AsNoTracking().Where(h => h.OrganisationId == org);
        var types = await hosts.Select(h => h.Type).Distinct().OrderBy(t => t).Take(200).ToListAsync(ct);
        var malware = await hosts.Where(h => h.Malware != "").Select(h => h.Malware).Distinct().OrderBy(t => t).Take(500).ToListAsync(ct);
        return (types, malware);
    }

    /// <summary>The organisation a query is about: the caller's own, or (centre staff only) the one given.</summary>
    public async Task<Guid> ReadableOrganisationAsync(Actor actor, Guid? organisationId, CancellationToken ct)
    {
        var org = organisationId ?? actor.OrganisationId;
        ForbiddenException.ThrowUnless(FeedAccessRules.CanReadInfectedHosts(actor, org, await InCentreAsync(actor, ct)),
            "infected hosts are visible to their organisation and to the national centre's staff");
        return org;
    }

    public async Task<bool> InCentreAsync(Actor actor, CancellationToken ct) =>
        await db.Organisations.AsNoTracking().AnyAsync(o => o.Id == actor.OrganisationId && o.Kind == OrganisationKind.NationalCentre, ct);

    private async Task<IQueryable<InfectedHostEntity>> FilterAsync(Actor actor, InfectedHostQuery query, CancellationToken ct)
    {
        var org = await ReadableOrganisationAsync(actor, query.OrganisationId, ct);
        var q = db.Set<InfectedHostEntity>().Where(h => h.OrganisationId == org);
        switch ((query.State ?? "open").ToLowerInvariant())
        {
            case "open":
                q = q.Where(h => h.State == InfectedHostState.Open);
                break;
            case "cleaned":
                q = q.Where(h => h.State == InfectedHostState.Cleaned);
                break;
            case "all":
                break;
            default:
                throw new ValidationFailedException("state", "must be open, cleaned or all");
        }

        if (query.Since is { } since)
        {
            q = q.Where(h => h.LastSeen >= since);
        }

        if (!string.IsNullOrEmpty(query.Type))
        {
            q = q.Where(h => h.Type == query.Type);
        }

        if (!string.IsNullOrEmpty(query.Malware))
        {
            q = q.Where(h => h.Malware == query.Malware);
        }

        return q;
    }

    internal static InfectedHostDto Dto(InfectedHostEntity h) => new(h.Id, h.OrganisationId, h.Address, h.Taxonomy, h.Type, Null(h.Malware), h.Asn,
        h.FirstSeen, h.LastSeen, h.TimesReported, h.Reinfections, h.LastTicket, State(h.State), h.CleanedAt);

    private static TrackedReportDto Dto(TrackedReportEntity t) => new(t.Ticket, t.OrganisationId, t.RecipientId, t.Language, t.From, t.To,
        t.RowCount, t.HostCount, t.RecordedAt, FeedReportMail.MessageId(t.Ticket, "x@x")[..^2]);

    private static string State(InfectedHostState s) => s == InfectedHostState.Open ? "open" : "cleaned";

    private static string? Null(string s) => s.Length == 0 ? null : s;

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", CultureInfo.InvariantCulture);
}
