using Musubi.Core;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Ledger;

/// <summary>What an administrator does to the ledger by hand: sign a checkpoint now, run the monitor or retention now. Audited.</summary>
public sealed class LedgerAdministration(
    MusubiDbContext db, AuditTrail audit, LedgerCheckpoints checkpoints, LedgerMonitor monitor, LedgerRetention retention)
{
    public async Task<CheckpointDto> CheckpointNowAsync(Actor actor, CancellationToken ct)
    {
        Require(actor);
        var (checkpoint, created) = await checkpoints.CreateAsync(ct);
        audit.Record(actor, "ledger.checkpoint", "ledger-checkpoint", checkpoint.TreeSize.ToString(System.Globalization.CultureInfo.InvariantCulture), null, null,
            new { checkpoint.TreeSize, checkpoint.RootHash, created });
        await db.SaveChangesAsync(ct);
        return checkpoint;
    }

    public async Task<MonitorReport> MonitorNowAsync(Actor actor, CancellationToken ct)
    {
        Require(actor);
        var report = await monitor.RunAsync(ct);
        audit.Record(actor, "ledger.monitor", "ledger", "monitor", null, null, new { report.TreeSize, report.Checkpoints, problems = report.Findings.Count });
        await db.SaveChangesAsync(ct);
        return report;
    }

    public Task<RetentionRun> RetentionNowAsync(Actor actor, CancellationToken ct)
    {
        Require(actor);
        return retention.RunAsync(actor, ct);
    }

    private static void Require(Actor actor) =>
        ForbiddenException.ThrowUnless(AccessRules.CanManageLedger(actor), "only platform administrators (ledger:admin) run ledger jobs by hand");
}
