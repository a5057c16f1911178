using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Musubi.Core;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Feeds;

public sealed record FeedReportDto(Guid Id, string Ticket, Guid RecipientId, string Recipient, DateTimeOffset From, DateTimeOffset To, int RowCount,
    DateTimeOffset CreatedAt, string State, int Attempts, DateTimeOffset? SentAt, string? LastError);

/// <summary>
/// The report outbox. Closing a window turns its rows into one report (a ticket, the rows packed) and hands it to
/// <see cref="IInfectedHostTracker"/> in the same transaction that deletes the window rows. Delivery claims a pending
/// report (state "sending", committed) before it calls <see cref="IFeedReportSender"/>, and records "sent" after.
/// The exactly-once rule (docs/FEEDS.md): a report found still "sending" after <see cref="FeedOptions.HoldAfter"/> is
/// never retried automatically: it is "held" for an operator, who releases it (send again) or marks it sent.
/// </summary>
public sealed class FeedReportService(MusubiDbContext db, IServiceProvider services, AuditTrail audit, FeedOptions options, TimeProvider time,
    ILogger<FeedReportService> log)
{
    /// <summary>Turns every window that has ended into reports. Returns how many reports were made.</summary>
    public async Task<int> CloseDueWindowsAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var due = await db.Set<FeedWindowRowEntity>().AsNoTracking().Where(w => w.WindowEnd <= now)
            .Select(w => new { w.RecipientId, w.WindowStart, w.WindowEnd }).Distinct().OrderBy(w => w.WindowEnd).Take(100).ToListAsync(ct);
        var made = 0;
        foreach (var w in due.OrderBy(w => w.WindowEnd))
        {
            made += await CloseAsync(w.RecipientId, w.WindowStart, w.WindowEnd, ct);
        }

        return made;
    }

    private async Task<int> CloseAsync(Guid recipientId, DateTimeOffset start, DateTimeOffset end, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        var recipient = await db.Set<FeedRecipientEntity>().AsNoTracking().FirstOrDefaultAsync(r => r.Id == recipientId, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var rows = await db.Set<FeedWindowRowEntity>().AsNoTracking()
            .Where(w => w.RecipientId == recipientId && w.WindowStart == start).OrderBy(w => w.Id).Take(options.MaxRowsPerReport).ToListAsync(ct);
        if (rows.Count == 0)
        {
            return 0;
        }

        var ids = rows.Select(r => r.Id).ToList();
        var deleted = 0;
        foreach (var chunk in ids.Chunk(500))
        {
            deleted += await db.Set<FeedWindowRowEntity>().Where(w => chunk.Contains(w.Id)).ExecuteDeleteAsync(ct);
        }

        if (deleted != rows.Count)
        {
            await tx.RollbackAsync(ct); // another node closed (part of) this window at the same moment
            return 0;
        }

        var now = time.GetUtcNow();
        var ticket = await NextTicketAsync(now, ct);
        var report = new FeedReportEntity
        {
            Id = Guid.NewGuid(), Ticket = ticket, RecipientId = recipientId, From = start, To = end, RowCount = rows.Count,
            Rows = FeedRowCodec.Pack(rows.Select(r => r.Row)), CreatedAt = now, State = FeedReportStates.Pending,
        };
        db.Add(report);
        audit.Record(Actor.System, "feed-report.create", "feed-report", ticket, recipient?.OrganisationId, null, ToDto(report, recipient?.Name ?? ""));
        if (services.GetService<IInfectedHostTracker>() is { } tracker)
        {
            await tracker.RecordAsync(ToReport(report, recipient, [.. rows.Select(r => FeedRowCodec.Decode(r.Row))]), ct);
        }

        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        db.ChangeTracker.Clear();
        log.LogInformation("report {Ticket}: {Rows} row(s) for recipient {Recipient}, {From:o} to {To:o}", ticket, rows.Count, recipient?.Name, start, end);
        return 1;
    }

    /// <summary>MSB-YYYYMMDD-NNNNNN: the day the report was made (UTC) and its number that day, from a counter row.</summary>
    private async Task<string> NextTicketAsync(DateTimeOffset now, CancellationToken ct)
    {
        var day = int.Parse(now.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var updated = await db.Set<FeedTicketCounterEntity>().Where(c => c.Day == day).ExecuteUpdateAsync(u => u.SetProperty(c => c.Last, c => c.Last + 1), ct);
        if (updated == 0)
        {
            db.Add(new FeedTicketCounterEntity { Day = day, Last = 1 });
            await db.SaveChangesAsync(ct);
        }

        var last = await db.Set<FeedTicketCounterEntity>().AsNoTracking().Where(c => c.Day == day).Select(c => c.Last).FirstAsync(ct);
        return FormattableString.Invariant($"MSB-{day}-{last:D6}");
    }

    /// <summary>Holds interrupted sends, then sends what is due. Returns how many reports were sent.</summary>
    public async Task<int> DeliverAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var stale = now - options.HoldAfter;
        var interrupted = await db.Set<FeedReportEntity>().Where(r => r.State == FeedReportStates.Sending && r.SendingSince <= stale).ToListAsync(ct);
        foreach (var r in interrupted)
        {
            var before = ToDto(r, "");
            r.State = FeedReportStates.Held;
            r.LastError = $"interrupted while sending (since {r.SendingSince:o}): it may or may not have been delivered; an operator releases or marks it sent";
            audit.Record(Actor.System, "feed-report.hold", "feed-report", r.Ticket, null, before, ToDto(r, ""));
            log.LogWarning("report {Ticket} held: its send was interrupted", r.Ticket);
        }

        if (interrupted.Count > 0)
        {
            await db.SaveChangesAsync(ct);
        }

        db.ChangeTracker.Clear();
        var sender = services.GetService<IFeedReportSender>();
        if (sender is null)
        {
            var waiting = await db.Set<FeedReportEntity>().CountAsync(r => r.State == FeedReportStates.Pending, ct);
            if (waiting > 0)
            {
                log.LogWarning("{Count} feed report(s) pending: no IFeedReportSender is registered, so nothing is delivered", waiting);
            }

            return 0;
        }

        var due = await db.Set<FeedReportEntity>().AsNoTracking()
            .Where(r => r.State == FeedReportStates.Pending && (r.NextAttemptAt == null || r.NextAttemptAt <= now))
            .OrderBy(r => r.CreatedAt).Select(r => r.Id).Take(20).ToListAsync(ct);
        var sent = 0;
        foreach (var id in due)
        {
            sent += await SendOneAsync(sender, id, ct) ? 1 : 0;
        }

        return sent;
    }

    private async Task<bool> SendOneAsync(IFeedReportSender sender, Guid id, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var claimed = await db.Set<FeedReportEntity>().Where(r => r.Id == id && r.State == FeedReportStates.Pending)
            .ExecuteUpdateAsync(u => u.SetProperty(r => r.State, FeedReportStates.Sending).SetProperty(r => r.SendingSince, now)
                .SetProperty(r => r.Attempts, r => r.Attempts + 1), ct);
        if (claimed == 0)
        {
            return false; // another worker took it
        }

        // From here until "sent" is committed, a crash leaves the report "sending": held later, never resent by itself.
        var report = await db.Set<FeedReportEntity>().AsNoTracking().FirstAsync(r => r.Id == id, ct);
        var recipient = await db.Set<FeedRecipientEntity>().AsNoTracking().FirstOrDefaultAsync(r => r.Id == report.RecipientId, ct);
        try
        {
            await sender.SendAsync(ToReport(report, recipient, FeedRowCodec.Unpack(report.Rows)), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            var failed = report.Attempts >= options.MaxAttempts;
            var next = time.GetUtcNow() + options.RetryDelay * report.Attempts;
            var message = e.Message.Length > 1000 ? e.Message[..1000] : e.Message;
            await using (var tx = await db.Database.BeginTransactionAsync(CancellationToken.None))
            {
                await db.Set<FeedReportEntity>().Where(r => r.Id == id).ExecuteUpdateAsync(u => u
                    .SetProperty(r => r.State, failed ? FeedReportStates.Failed : FeedReportStates.Pending)
                    .SetProperty(r => r.NextAttemptAt, next).SetProperty(r => r.SendingSince, (DateTimeOffset?)null)
                    .SetProperty(r => r.LastError, message), CancellationToken.None);
                // Every failed attempt is audited ("feed-report.fail"; the state says whether it will be retried).
                audit.Record(Actor.System, "feed-report.fail", "feed-report", report.Ticket, recipient?.OrganisationId, null, new
                {
                    report.Ticket, report.RecipientId, report.Attempts, State = failed ? FeedReportStates.Failed : FeedReportStates.Pending,
                    NextAttemptAt = failed ? (DateTimeOffset?)null : next, Error = message,
                });
                await db.SaveChangesAsync(CancellationToken.None);
                await tx.CommitAsync(CancellationToken.None);
            }

            db.ChangeTracker.Clear();
            log.LogWarning(e, "report {Ticket}: send attempt {Attempt} failed{Final}", report.Ticket, report.Attempts, failed ? " (giving up)" : "");
            return false;
        }

        // Not conditional on "sending": if the send took so long that the report was held meanwhile, it did go out.
        var sentAt = time.GetUtcNow();
        await using (var tx = await db.Database.BeginTransactionAsync(CancellationToken.None))
        {
            await db.Set<FeedReportEntity>().Where(r => r.Id == id).ExecuteUpdateAsync(u => u
                .SetProperty(r => r.State, FeedReportStates.Sent).SetProperty(r => r.SentAt, sentAt)
                .SetProperty(r => r.LastError, (string?)null), CancellationToken.None);
            audit.Record(Actor.System, "feed-report.send", "feed-report", report.Ticket, recipient?.OrganisationId, null, new
            {
                report.Ticket, report.RecipientId, recipient?.Email, report.RowCount, report.Attempts, SentAt = sentAt,
            });
            await db.SaveChangesAsync(CancellationToken.None);
            await tx.CommitAsync(CancellationToken.None);
        }

        db.ChangeTracker.Clear();
        return true;
    }

    public async Task<IReadOnlyList<FeedReportDto>> ListAsync(Actor actor, string? state, int limit, CancellationToken ct)
    {
        await new FeedConfigService(db, audit, time).RequireAsync(actor, ct);
        var q = db.Set<FeedReportEntity>().AsNoTracking();
        if (!string.IsNullOrEmpty(state))
        {
            q = q.Where(r => r.State == state);
        }

        var rows = await q.OrderByDescending(r => r.CreatedAt).Take(Math.Clamp(limit, 1, 1000))
            .Select(r => new { r.Id, r.Ticket, r.RecipientId, r.From, r.To, r.RowCount, r.CreatedAt, r.State, r.Attempts, r.SentAt, r.LastError })
            .ToListAsync(ct);
        var names = await db.Set<FeedRecipientEntity>().AsNoTracking().ToDictionaryAsync(r => r.Id, r => r.Name, ct);
        return [.. rows.Select(r => new FeedReportDto(r.Id, r.Ticket, r.RecipientId, names.GetValueOrDefault(r.RecipientId, ""), r.From, r.To, r.RowCount,
            r.CreatedAt, r.State, r.Attempts, r.SentAt, r.LastError))];
    }

    /// <summary>One report (without its rows), for its page.</summary>
    public async Task<FeedReportDto> GetAsync(Actor actor, Guid id, CancellationToken ct)
    {
        await new FeedConfigService(db, audit, time).RequireAsync(actor, ct);
        var r = await db.Set<FeedReportEntity>().AsNoTracking().Where(x => x.Id == id)
            .Select(r => new { r.Id, r.Ticket, r.RecipientId, r.From, r.To, r.RowCount, r.CreatedAt, r.State, r.Attempts, r.SentAt, r.LastError })
            .FirstOrDefaultAsync(ct) ?? throw new NotFoundException("feed report", id.ToString());
        var name = await db.Set<FeedRecipientEntity>().AsNoTracking().Where(x => x.Id == r.RecipientId).Select(x => x.Name).FirstOrDefaultAsync(ct);
        return new FeedReportDto(r.Id, r.Ticket, r.RecipientId, name ?? "", r.From, r.To, r.RowCount, r.CreatedAt, r.State, r.Attempts, r.SentAt, r.LastError);
    }

    /// <summary>The rows of one report (for the operator deciding about a held report, and for the CSV).</summary>
    public async Task<IReadOnlyList<FeedReportRow>> RowsAsync(Actor actor, Guid id, CancellationToken ct)
    {
        await new FeedConfigService(db, audit, time).RequireAsync(actor, ct);
        var packed = await db.Set<FeedReportEntity>().AsNoTracking().Where(r => r.Id == id).Select(r => r.Rows).FirstOrDefaultAsync(ct)
            ?? throw new NotFoundException("feed report", id.ToString());
        return FeedRowCodec.Unpack(packed);
    }

    /// <summary>
    /// An operator's decision on a held or failed report: "release" sends it (again: the operator checked it did not
    /// go out, or accepts a repeat), "sent" records that it did go out.
    /// </summary>
    public async Task<FeedReportDto> ResolveAsync(Actor actor, Guid id, string decision, CancellationToken ct)
    {
        await new FeedConfigService(db, audit, time).RequireAsync(actor, ct);
        var r = await db.Set<FeedReportEntity>().FirstOrDefaultAsync(x => x.Id == id, ct) ?? throw new NotFoundException("feed report", id.ToString());
        if (r.State is not (FeedReportStates.Held or FeedReportStates.Failed))
        {
            throw new ConflictException($"report {r.Ticket} is {r.State}: only held or failed reports are released or marked sent");
        }

        var before = ToDto(r, "");
        switch (decision)
        {
            case "release":
                r.State = FeedReportStates.Pending;
                r.NextAttemptAt = null;
                r.SendingSince = null;
                break;
            case "sent":
                r.State = FeedReportStates.Sent;
                r.SentAt = time.GetUtcNow();
                break;
            default:
                throw new ValidationFailedException(new Dictionary<string, string[]> { ["decision"] = ["release or sent"] });
        }

        audit.Record(actor, "feed-report." + decision, "feed-report", r.Ticket, null, before, ToDto(r, ""));
        await db.SaveChangesAsync(ct);
        return ToDto(r, "");
    }

    internal static FeedReport ToReport(FeedReportEntity r, FeedRecipientEntity? recipient, IReadOnlyList<FeedReportRow> rows) =>
        new(r.Ticket, r.RecipientId.ToString(), recipient?.OrganisationId, recipient?.Email, recipient?.Language ?? "ja", r.From, r.To, rows);

    private static FeedReportDto ToDto(FeedReportEntity r, string recipient) =>
        new(r.Id, r.Ticket, r.RecipientId, recipient, r.From, r.To, r.RowCount, r.CreatedAt, r.State, r.Attempts, r.SentAt, r.LastError);
}
