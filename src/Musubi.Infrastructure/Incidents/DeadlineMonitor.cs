using Microsoft.EntityFrameworkCore;
using Musubi.Core.Incidents;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Notifications;

namespace Musubi.Infrastructure.Incidents;

/// <summary>
/// Checks the next deadline of every open incident and notifies the responders once when it comes near and once when
/// it is missed (the dedupe key is incident, stage and state). Run every minute by a worker in the server.
/// </summary>
public sealed class DeadlineMonitor(MusubiDbContext db, NotificationService notifications, IncidentOptions options, TimeProvider time)
{
    public async Task<int> CheckAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var open = await db.Incidents.AsNoTracking().Include(i => i.Affected).Include(i => i.Teams).AsSplitQuery()
            .Where(i => i.Status != IncidentStatus.Closed && i.Status != IncidentStatus.Rejected && i.Status != IncidentStatus.Merged)
            .ToListAsync(ct);
        var raised = 0;
        foreach (var incident in open)
        {
            if (options.Deadlines.Next(incident.Status, incident.Severity, incident.ReportedAt, now) is not { State: not DeadlineState.OnTime } deadline)
            {
                continue;
            }

            var stage = IncidentWorkflow.Name(deadline.Stage);
            var (kind, text) = deadline.State == DeadlineState.Missed
                ? ("deadline-missed", $"{incident.Reference}: the deadline to reach {stage} passed at {deadline.Due:u} / 期限を過ぎました — {incident.Title}")
                : ("deadline-near", $"{incident.Reference}: {stage} is due at {deadline.Due:u} / 期限が近づいています — {incident.Title}");
            var before = db.ChangeTracker.Entries<NotificationEntity>().Count();
            await notifications.QueueAsync(IncidentService.Responders(incident), kind, incident.Id, text, incident.IsExercise,
                $"deadline:{incident.Id}:{stage}:{deadline.State}", ct);
            raised += db.ChangeTracker.Entries<NotificationEntity>().Count() - before;
        }

        await db.SaveChangesAsync(ct);
        return raised;
    }
}
