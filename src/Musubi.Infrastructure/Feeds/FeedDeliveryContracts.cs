namespace Musubi.Infrastructure.Feeds;

/// <summary>
/// One row of an infected-host report in a portable form (strings, not the pipeline's interned symbols), as it is
/// stored with the report, written to the CSV attachment, served to ISPs that pull, and tracked for clean-up.
/// Field names follow docs/FEED-FORMATS.md.
/// </summary>
public sealed record FeedReportRow(
    DateTimeOffset? TimeSource,
    string SourceIp,
    int? SourcePort,
    uint? SourceAsn,
    string? SourceFqdn,
    string? Country,
    string Taxonomy,
    string Type,
    string? MalwareName,
    string FeedName,
    string? Raw);

/// <summary>
/// A report ready to deliver: one recipient, one notification interval, its rows, and the ticket number that replies
/// reference. Built by the feed pipeline's aggregate stage from a closed window; the ticket is unique and stable (a
/// retried delivery carries the same ticket).
/// </summary>
public sealed record FeedReport(
    string Ticket,
    string RecipientId,
    Guid? OrganisationId,
    string? Email,
    string Language,
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyList<FeedReportRow> Rows);

/// <summary>
/// Delivers one report (e-mail through MailKit in production). Throws when the report was not accepted by the
/// transport; returns once it was. The pipeline calls it at most once per ticket unless a previous call threw.
/// </summary>
public interface IFeedReportSender
{
    Task SendAsync(FeedReport report, CancellationToken cancellationToken);
}

/// <summary>
/// Records the hosts a report names, for ISPs that pull (their open infected hosts) and for clean-up tracking. Called
/// by the pipeline in the same unit of work that stores the report, before delivery: an implementation stages its
/// changes on the scoped <c>MusubiDbContext</c> and does not save; the caller saves once, so the report and the
/// tracked hosts are stored together or not at all.
/// </summary>
public interface IInfectedHostTracker
{
    Task RecordAsync(FeedReport report, CancellationToken cancellationToken);
}
