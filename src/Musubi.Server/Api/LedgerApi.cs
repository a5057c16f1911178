using Musubi.Core;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Ledger;
using Musubi.Server.Auth;

namespace Musubi.Server.Api;

/// <summary>
/// The tamper-evident ledger: checkpoints (signed notes), the public key, proofs, entries, exports for police and
/// courts, retention, legal holds and the monitor. docs/LEDGER-FORMAT.md has the formats.
/// </summary>
public static class LedgerApi
{
    private const string NoteType = "text/plain; charset=utf-8";

    public static RouteGroupBuilder MapLedgerApi(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/ledger").WithTags("Ledger");

        g.MapGet("/checkpoint", async (HttpContext http, LedgerCheckpoints svc, CancellationToken ct) =>
            {
                RequireRead(http);
                var latest = await svc.LatestAsync(ct) ?? (await svc.CreateAsync(ct)).Checkpoint;
                return TypedResults.Text(latest.Note, NoteType);
            })
            .WithSummary("The latest signed checkpoint, as a C2SP signed note (text/plain).");

        g.MapGet("/checkpoints", async (HttpContext http, LedgerCheckpoints svc, int? page, int? pageSize, CancellationToken ct) =>
            {
                RequireRead(http);
                return TypedResults.Ok(await svc.HistoryAsync(page ?? 1, pageSize ?? 50, ct));
            })
            .WithSummary("Checkpoint history, newest first.");

        g.MapPost("/checkpoints", async (HttpContext http, LedgerAdministration svc, CancellationToken ct) =>
                TypedResults.Ok(await svc.CheckpointNowAsync(http.RequireActor(), ct)))
            .WithSummary("Sign a checkpoint of the tree now (platform admin, ledger:admin).");

        g.MapGet("/key", async (HttpContext http, LedgerCheckpoints svc, CancellationToken ct) =>
            {
                RequireRead(http);
                return TypedResults.Text((await svc.VerifierAsync(ct)).ToString() + "\n", NoteType);
            })
            .WithSummary("The checkpoint signing key as a signed-note verifier key (name+keyid+base64), for `musubi ledger verify --key`.");

        g.MapGet("/entries/{index:long}", async (HttpContext http, LedgerQueries svc, long index, CancellationToken ct) =>
                TypedResults.Ok(await svc.EntryAsync(http.RequireActor(), index, ct)))
            .WithSummary("One entry: leaf hash and, unless retention removed it, the payload (base64).");

        g.MapGet("/entries/{index:long}/proof", async (HttpContext http, LedgerQueries svc, long index, long? treeSize, CancellationToken ct) =>
                TypedResults.Ok(await svc.InclusionAsync(http.RequireActor(), index, treeSize, ct)))
            .WithSummary("The inclusion proof of an entry at a tree size (default: the latest checkpoint's), with the signed checkpoint.");

        g.MapGet("/proofs/consistency", async (HttpContext http, LedgerQueries svc, long oldSize, long newSize, CancellationToken ct) =>
                TypedResults.Ok(await svc.ConsistencyAsync(http.RequireActor(), oldSize, newSize, ct)))
            .WithSummary("The consistency proof between two tree sizes (RFC 9162 §2.1.4).");

        g.MapGet("/export", async (HttpContext http, LedgerExporter svc, long? fromIndex, long? toIndex, DateTimeOffset? from, DateTimeOffset? to,
                Guid? organisationId, string? category, string? description, CancellationToken ct) =>
            {
                var file = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
                try
                {
                    var result = await svc.ExportAsync(http.RequireActor(), new LedgerExportRequest(fromIndex, toIndex, from, to, organisationId, category, description),
                        file, null, ct);
                    file.Position = 0;
                    http.Response.Headers["X-Musubi-Ledger-Entries"] = result.Entries.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    return Results.File(file, "application/jsonl", $"musubi-ledger-{result.TreeSize}.jsonl");
                }
                catch
                {
                    await file.DisposeAsync();
                    throw;
                }
            })
            .WithSummary("Download an export bundle (JSON Lines) that `musubi ledger verify` checks offline. Without organisation or category: a range bundle.");

        g.MapGet("/status", async (HttpContext http, LedgerMonitor svc, CancellationToken ct) =>
                TypedResults.Ok(await svc.StatusAsync(http.RequireActor(), ct)))
            .WithSummary("Tree size, latest checkpoint and the monitor's last verdict.");

        g.MapGet("/alerts", async (HttpContext http, LedgerMonitor svc, int? take, CancellationToken ct) =>
                TypedResults.Ok(await svc.AlertsAsync(http.RequireActor(), take ?? 100, ct)))
            .WithSummary("Ledger alerts raised by the monitor, newest first (platform admin).");

        g.MapPost("/monitor", async (HttpContext http, LedgerAdministration svc, CancellationToken ct) =>
                TypedResults.Ok(await svc.MonitorNowAsync(http.RequireActor(), ct)))
            .WithSummary("Run the monitor now (platform admin, ledger:admin).");

        g.MapGet("/retention", async (HttpContext http, LedgerRetention svc, CancellationToken ct) =>
            TypedResults.Ok(await svc.PoliciesAsync(http.RequireActor(), ct)));
        g.MapPut("/retention", async (HttpContext http, LedgerRetention svc, RetentionPolicyInput input, CancellationToken ct) =>
                TypedResults.Ok(await svc.SetPolicyAsync(http.RequireActor(), input, ct)))
            .WithSummary("Set how many days payloads of an organisation and category (null: any) are kept; the leaf hash stays forever.");
        g.MapDelete("/retention/{id:guid}", async (HttpContext http, LedgerRetention svc, Guid id, CancellationToken ct) =>
            {
                await svc.DeletePolicyAsync(http.RequireActor(), id, ct);
                return TypedResults.NoContent();
            });
        g.MapPost("/retention/run", async (HttpContext http, LedgerAdministration svc, CancellationToken ct) =>
                TypedResults.Ok(await svc.RetentionNowAsync(http.RequireActor(), ct)))
            .WithSummary("Delete expired payloads now (platform admin, ledger:admin).");

        g.MapGet("/holds", async (HttpContext http, LedgerRetention svc, CancellationToken ct) =>
            TypedResults.Ok(await svc.HoldsAsync(http.RequireActor(), ct)));
        g.MapPost("/holds", async (HttpContext http, LedgerRetention svc, LegalHoldInput input, CancellationToken ct) =>
            {
                var hold = await svc.PlaceHoldAsync(http.RequireActor(), input, ct);
                return TypedResults.Created($"/api/v1/ledger/holds/{hold.Id}", hold);
            })
            .WithSummary("Place a legal hold: no payload of the organisation and category (null: any) is deleted while it is active.");
        g.MapPost("/holds/{id:guid}/release", async (HttpContext http, LedgerRetention svc, Guid id, CancellationToken ct) =>
            {
                await svc.ReleaseHoldAsync(http.RequireActor(), id, ct);
                return TypedResults.NoContent();
            });
        return api;
    }

    private static void RequireRead(HttpContext http) =>
        ForbiddenException.ThrowUnless(AccessRules.CanReadLedger(http.RequireActor()), "only administrators with the ledger:read scope may read the ledger");
}
