using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Musubi.Core;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Core.Sharing;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Intelligence;
using Musubi.Stix.Misp;
using Musubi.Stix.Reading;

namespace Musubi.Infrastructure.Federation;

/// <summary>Settings (<c>Musubi:Federation</c>): the page size asked of remotes and used for push batches, the status poll delay.</summary>
public sealed class FederationOptions
{
    public const string Section = "Musubi:Federation";

    public int PageSize { get; set; } = 1000;

    public TimeSpan StatusPollDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How old a row after a gap in store ids must be before the push checkpoint moves past the gap (a transaction that
    /// took the missing id and is still open would commit later; longer than any import transaction).
    /// </summary>
    public TimeSpan PushSettleLag { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a run holds its partner's lease at most (a crashed server's lease ends after this); longer than a run.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Local folders a MISP feed partner may be read from (<c>file://</c> URLs or absolute paths under one of them); none by default.</summary>
    public string[] FeedFolders { get; set; } = [];

    /// <summary>
    /// Partner URLs whose host resolves to a loopback, private, link-local, unique-local, CGNAT or cloud metadata address
    /// are refused unless this is true (an operator's decision, e.g. a partner on the same private network; tests).
    /// </summary>
    public bool AllowPrivateAddresses { get; set; }
}

/// <summary>One run of a partner at a time in this process: a second request while one runs is refused (manual) or skipped (scheduler).</summary>
public sealed class FederationLocks
{
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _locks = new();

    public SemaphoreSlim For(Guid partner) => _locks.GetOrAdd(partner, _ => new SemaphoreSlim(1, 1));
}

/// <summary>An answer from the partner's remote end that stops the run; its message becomes the partner's last error.</summary>
public class FederationRemoteException(string message) : Exception(message);

/// <summary>
/// A file or answer larger than the limit for it (thrown by <see cref="FederationRunner.ReadAsync"/> and the feed-folder
/// reader): for one MISP event it is that event's failure, elsewhere it stops the run.
/// </summary>
public sealed class FederationTooLargeException(string message) : FederationRemoteException(message);

/// <summary>
/// Pulls from and pushes to federation partners (docs/FEDERATION.md).
/// <list type="bullet">
/// <item>TAXII pull: pages of the remote collection with <c>added_after</c> = the checkpoint, following <c>more</c>/<c>next</c>;
/// each page is imported through <see cref="StixImporter"/> with the partner's scope, and the checkpoint
/// (<c>X-TAXII-Date-Added-Last</c>) is saved in the same transaction as the page's objects, so it only moves past what is
/// durably stored, and a failed page leaves nothing behind.</item>
/// <item>TAXII push: the store rows after the push checkpoint that the partner's principal may see under
/// <see cref="AccessPolicy.MaySee"/> (its organisation, capped by its agreement), POSTed as envelopes no larger than the
/// remote's <c>max_content_length</c>; the status resource is polled until complete.</item>
/// <item>MISP feed pull: <c>manifest.json</c>, then each event not older than the checkpoint (by the manifest's timestamp),
/// converted by <see cref="MispToStix"/> and imported like a TAXII page; a bad event is reported with its reason.</item>
/// </list>
/// </summary>
public sealed class FederationRunner(
    MusubiDbContext db, PartnerService partners, StixImporter importer, IntelligencePrincipals principals, AuditTrail audit,
    IHttpClientFactory httpFactory, FederationLocks locks, FederationLeases leases, FederationOptions settings, TimeProvider time,
    ILogger<FederationRunner> log)
{
    public const string HttpClientName = "musubi-federation";
    public const string TaxiiMediaType = "application/taxii+json;version=2.1";
    public const int MaxPagesPerRun = 1000;
    public const int MaxMispEventsPerRun = 1000;
    public const long MaxManifestBytes = 32L * 1024 * 1024;
    public const int MaxManifestEntries = 100_000;
    public const int MaxStatusPolls = 30;
    /// <summary>Our own ceiling for one envelope we send, whatever the remote allows.</summary>
    public const long MaxEnvelopeBytes = 16L * 1024 * 1024;
    public const int MaxObjectsPerEnvelope = 5000;


    /// <summary>"Pull now" / "push now" by an administrator: audited, refused while a run of the partner is in progress.</summary>
    public async Task<PartnerRunResult> RunNowAsync(Actor actor, Guid partnerId, PartnerRunKind kind, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanManagePartners(actor), "federation partners are managed by platform administrators");
        var p = await db.Set<PartnerEntity>().AsNoTracking().FirstOrDefaultAsync(x => x.Id == partnerId, ct)
            ?? throw new NotFoundException("partner", partnerId.ToString());
        if (kind == PartnerRunKind.Pull && !p.Pulls)
        {
            throw new ValidationFailedException("direction", "this partner is not pulled from");
        }

        if (kind == PartnerRunKind.Push && !p.Pushes)
        {
            throw new ValidationFailedException("direction", "this partner is not pushed to");
        }

        var gate = locks.For(partnerId);
        if (!await gate.WaitAsync(0, ct))
        {
            throw new ConflictException("a run of this partner is in progress");
        }

        string? lease = null;
        try
        {
            lease = await leases.TryTakeAsync(partnerId, ct)
                ?? throw new ConflictException("a run of this partner is in progress on another server");
            PartnerRunResult result;
            await using (var keeper = leases.Keep(partnerId, lease))
            {
                result = await RunAsync(partnerId, kind, keeper, ct);
            }

            db.ChangeTracker.Clear();
            audit.Record(actor, kind == PartnerRunKind.Pull ? "federation.partner.pull" : "federation.partner.push", "federation-partner",
                partnerId.ToString(), p.OrganisationId, null,
                new { result.Objects, result.Duplicates, Failures = result.Failures.Count, result.Error });
            await db.SaveChangesAsync(ct);
            return result;
        }
        finally
        {
            if (lease is not null)
            {
                await leases.ReleaseAsync(partnerId, lease, CancellationToken.None);
            }

            gate.Release();
        }
    }

    /// <summary>The scheduler's tick: every enabled partner whose interval has passed since its last attempt (or creation).</summary>
    public async Task<int> RunDueAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var all = await db.Set<PartnerEntity>().AsNoTracking().Where(p => p.Enabled).ToListAsync(ct);
        var ran = 0;
        foreach (var p in all.Where(p => (p.LastAttemptAt ?? p.CreatedAt).AddMinutes(p.IntervalMinutes) <= now))
        {
            var gate = locks.For(p.Id);
            if (!await gate.WaitAsync(0, ct))
            {
                continue;
            }

            string? lease = null;
            try
            {
                // Across servers on one database: the lease row decides; then the partner is read again, since the
                // server that held it may have just run it.
                lease = await leases.TryTakeAsync(p.Id, ct);
                if (lease is null || await db.Set<PartnerEntity>().AsNoTracking().FirstOrDefaultAsync(x => x.Id == p.Id, ct) is not { Enabled: true } fresh
                    || (fresh.LastAttemptAt ?? fresh.CreatedAt).AddMinutes(fresh.IntervalMinutes) > time.GetUtcNow())
                {
                    continue;
                }

                await using var keeper = leases.Keep(p.Id, lease);
                if (p.Pulls)
                {
                    await RunAsync(p.Id, PartnerRunKind.Pull, keeper, ct);
                }

                // A run that lost its lease to another run does not go on to push.
                if (p.Pushes && !keeper.Lost)
                {
                    await RunAsync(p.Id, PartnerRunKind.Push, keeper, ct);
                }

                ran++;
            }
            finally
            {
                if (lease is not null)
                {
                    await leases.ReleaseAsync(p.Id, lease, CancellationToken.None);
                }

                gate.Release();
            }
        }

        return ran;
    }

    private sealed class RunState
    {
        public int Objects;
        public int Duplicates;
        public List<PartnerFailure> Failures { get; } = [];
    }

    private async Task<PartnerRunResult> RunAsync(Guid partnerId, PartnerRunKind kind, LeaseKeeper lease, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        var started = time.GetUtcNow();
        var partner = await db.Set<PartnerEntity>().AsNoTracking().FirstAsync(x => x.Id == partnerId, ct);
        var state = new RunState();
        string? error = null;
        try
        {
            switch (kind, partner.Kind)
            {
                case (PartnerRunKind.Pull, PartnerKind.Taxii):
                    await PullTaxiiAsync(partner, state, lease, ct);
                    break;
                case (PartnerRunKind.Pull, PartnerKind.MispFeed):
                    await PullMispAsync(partner, state, lease, ct);
                    break;
                case (PartnerRunKind.Push, PartnerKind.Taxii):
                    await PushTaxiiAsync(partner, state, lease, ct);
                    break;
                default:
                    throw new FederationRemoteException("a MISP feed can only be pulled");
            }
        }
        catch (Exception e) when (e is FederationRemoteException or FederationLeaseLostException or HttpRequestException or TaskCanceledException or ValidationFailedException
                                      or StixFormatException or JsonException && !ct.IsCancellationRequested)
        {
            error = e switch
            {
                ValidationFailedException v => "the remote sent what cannot be stored: "
                    + string.Join("; ", v.Errors.Select(kv => $"{kv.Key}: {string.Join(", ", kv.Value)}")),
                TaskCanceledException => "the remote did not answer in time",
                JsonException j => $"the remote's answer is not valid JSON: {j.Message}",
                StixFormatException x => $"the remote's answer is not a valid TAXII envelope: {x.Message}",
                HttpRequestException h => $"cannot reach the remote: {h.Message}",
                _ => e.Message,
            };
            log.LogWarning("federation: {Kind} of partner {Partner} failed: {Error}", kind, partner.Name, error);
        }

        // The status row: the checkpoint already moved with each durable import; the rest is bookkeeping.
        db.ChangeTracker.Clear();
        var row = await db.Set<PartnerEntity>().FirstAsync(x => x.Id == partnerId, ct);
        row.LastAttemptAt = started;
        if (error is null)
        {
            row.LastSuccessAt = time.GetUtcNow();
        }
        else
        {
            row.LastErrorAt = time.GetUtcNow();
            row.LastError = error.Length > 2000 ? error[..2000] : error;
        }

        if (kind == PartnerRunKind.Pull)
        {
            row.ObjectsPulled += state.Objects;
        }
        else
        {
            row.ObjectsPushed += state.Objects;
        }

        row.LastFailures = state.Failures.Count == 0 ? null
            : JsonSerializer.Serialize(state.Failures.Take(PartnerService.MaxFailuresKept).ToList(), MusubiJson.Options);
        await db.SaveChangesAsync(ct);
        var names = row.OrganisationId is { } org
            ? await db.Organisations.AsNoTracking().Where(o => o.Id == org).ToDictionaryAsync(o => o.Id, o => o.Name, ct)
            : [];
        return new PartnerRunResult(kind, state.Objects, state.Duplicates, state.Failures, error, PartnerService.ToDto(row, names));
    }

    // ---------------------------------------------------------------- TAXII pull

    private async Task PullTaxiiAsync(PartnerEntity partner, RunState state, LeaseKeeper lease, CancellationToken ct)
    {
        var http = Client(partner);
        var actor = await ImportActorAsync(partner, ct);
        var options = new PublishOptions(partner.DefaultTlp, partner.CommunityIds(), TlpIsDefault: true);
        var objectsUrl = $"{partner.Url}collections/{Uri.EscapeDataString(partner.CollectionId!)}/objects/";
        await PullPagesAsync(http, url => Request(partner, HttpMethod.Get, url), objectsUrl, partner.PullCheckpoint, settings.PageSize, MaxPagesPerRun,
            // A safe point: each page is stored with its checkpoint, so stopping here loses nothing.
            before: () => lease.EnsureHeldAsync(ct),
            async page =>
            {
                var document = StixReader.Read(page.Body, StixImporter.Limits, envelope: true);
                if (document.BundleProblems.Count > 0)
                {
                    throw new FederationRemoteException("the remote's envelope is not valid: " + string.Join("; ", document.BundleProblems));
                }

                if (document.Objects.Count == 0 || page.LastAddedAt is not { } lastAt)
                {
                    return;
                }

                // While more pages follow, objects added at the same instant as this page's last one may still come:
                // the checkpoint stays one microsecond before it, so a run interrupted here fetches them again
                // (as duplicates, which are successes) rather than skipping them.
                var saved = page.More ? StixTimes.Format(lastAt.AddTicks(-10)) : page.LastAdded;
                // The checkpoint joins the import's transaction: it moves exactly when the page's objects are stored.
                db.ChangeTracker.Clear();
                var row = await db.Set<PartnerEntity>().FirstAsync(x => x.Id == partner.Id, ct);
                row.PullCheckpoint = saved;
                var result = await importer.ImportDocumentAsync(actor, document, options, ct, "federation.pull");
                db.ChangeTracker.Clear();
                state.Objects += result.Stored;
                state.Duplicates += result.Duplicates;
                state.Failures.AddRange(result.Failures.Select(f => new PartnerFailure(f.Id ?? f.Path, string.Join("; ", f.Errors))));
            }, ct);
    }

    /// <summary>One page of a remote TAXII collection as the one paging path read it (docs/FEDERATION.md, "TAXII pull").</summary>
    /// <param name="Body">The envelope, read within <see cref="StixImporter.Limits"/>' byte limit.</param>
    /// <param name="Objects">How many objects the envelope holds.</param>
    /// <param name="LastAdded">The page's <c>X-TAXII-Date-Added-Last</c> (valid whenever <paramref name="Objects"/> &gt; 0).</param>
    public sealed record TaxiiPageRead(int Index, byte[] Body, bool More, int Objects, string? LastAdded, DateTimeOffset? LastAddedAt);

    /// <summary>
    /// The one TAXII 2.1 paging path, for the federation pull and the feed TAXII collector: <c>GET objects/?limit=N&amp;added_after=…</c>,
    /// each answer read with the byte limit, a non-2xx answer turned into its TAXII error message, the envelope's
    /// <c>more</c>/<c>next</c> followed (with the same <c>added_after</c>), or <c>added_after</c> = the page's
    /// <c>X-TAXII-Date-Added-Last</c> when the remote gives no <c>next</c>; a page of objects without a valid
    /// <c>X-TAXII-Date-Added-Last</c> stops it. <paramref name="onPage"/> stores each page (and its cursor) before the next is
    /// asked for. Returns the number of pages read (at most <paramref name="maxPages"/>).
    /// </summary>
    internal static async Task<int> PullPagesAsync(HttpClient http, Func<string, HttpRequestMessage> request, string objectsUrl, string? addedAfter,
        int pageSize, int maxPages, Func<Task>? before, Func<TaxiiPageRead, Task> onPage, CancellationToken ct)
    {
        string? next = null;
        var checkpoint = addedAfter;
        for (var page = 0; page < maxPages; page++)
        {
            if (before is not null)
            {
                await before();
            }

            var query = new StringBuilder($"?limit={pageSize}");
            if (checkpoint is not null)
            {
                query.Append("&added_after=").Append(Uri.EscapeDataString(checkpoint));
            }

            if (next is not null)
            {
                query.Append("&next=").Append(Uri.EscapeDataString(next));
            }

            using var message = request(objectsUrl + query);
            using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct);
            var body = await ReadAsync(response, StixImporter.Limits.MaxBytes, ct);
            EnsureSuccess(response, body, "GET objects");
            var (more, nextToken, count) = Paging(body);
            var last = response.Headers.TryGetValues("X-TAXII-Date-Added-Last", out var values) ? values.FirstOrDefault() : null;
            DateTimeOffset? lastAt = null;
            if (count > 0)
            {
                if (last is null || !Stix.Model.StixTimestamp.TryParse(last, out var parsed))
                {
                    throw new FederationRemoteException("the remote sent objects without a valid X-TAXII-Date-Added-Last header (TAXII 2.1 §3.4.1); the checkpoint was not moved");
                }

                lastAt = parsed.Value;
            }
            else
            {
                last = null;
            }

            await onPage(new TaxiiPageRead(page, body, more, count, last, lastAt));
            if (!more)
            {
                return page + 1;
            }

            // TAXII 2.1 §3.4: continue with next (and the same added_after) when the server gave one, else with
            // added_after = this page's last date added.
            next = nextToken;
            if (next is null)
            {
                checkpoint = last ?? throw new FederationRemoteException("the remote said more=true but sent neither objects nor next");
            }
        }

        return maxPages;
    }

    private static (bool More, string? Next, int Objects) Paging(byte[] body)
    {
        using var doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = StixImporter.Limits.MaxDepth });
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new FederationRemoteException("the remote's answer is not a TAXII envelope (not a JSON object)");
        }

        var more = doc.RootElement.TryGetProperty("more", out var m) && m.ValueKind == JsonValueKind.True;
        var next = doc.RootElement.TryGetProperty("next", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        var objects = doc.RootElement.TryGetProperty("objects", out var o) && o.ValueKind == JsonValueKind.Array ? o.GetArrayLength() : 0;
        return (more, next, objects);
    }

    // ---------------------------------------------------------------- TAXII push

    private async Task PushTaxiiAsync(PartnerEntity partner, RunState state, LeaseKeeper lease, CancellationToken ct)
    {
        if (partner.OrganisationId is not { } partnerOrg)
        {
            throw new FederationRemoteException("pushing needs the partner's organisation here");
        }

        var http = Client(partner);
        // What the partner may see: its organisation's principal, capped by its agreement(s) — the one policy decides.
        var principal = await principals.ForOrganisationAsync(partnerOrg, ct);
        var maxBytes = Math.Min(MaxEnvelopeBytes, await MaxContentLengthAsync(http, partner, ct));
        var objectsUrl = $"{partner.Url}collections/{Uri.EscapeDataString(partner.CollectionId!)}/objects/";
        // The checkpoint only moves over rows that are settled (docs/FEDERATION.md, "Push checkpoint"): an id right after
        // the checkpoint, or one after a gap once that row is older than PushSettleLag. On PostgreSQL an id is taken at
        // insert, so a transaction holding a lower id may commit after a higher one was pushed: its gap keeps the
        // checkpoint below it, and the rows after it are sent again (TAXII: an existing version is a success) until it
        // appears or is old enough to be a rollback or a deletion.
        var settled = partner.PushCheckpoint;
        var frozen = false;
        var settleBefore = time.GetUtcNow() - settings.PushSettleLag;
        var scan = settled;
        while (true)
        {
            var rows = await db.StixObjects.AsNoTracking().Include(x => x.Terms)
                .Where(x => x.Id > scan).OrderBy(x => x.Id).Take(settings.PageSize).ToListAsync(ct);
            if (rows.Count == 0)
            {
                return;
            }

            var next = 0;
            void Settle(long upTo)
            {
                for (; next < rows.Count && rows[next].Id <= upTo; next++)
                {
                    if (!frozen && (rows[next].Id == settled + 1 || rows[next].DateAdded <= settleBefore))
                    {
                        settled = rows[next].Id;
                    }
                    else
                    {
                        frozen = true;
                    }
                }
            }

            // Not back to where it came from: what the partner's own organisation published here (e.g. what we pulled from it).
            var visible = rows.Where(r => r.CreatorOrganisationId != partnerOrg && AccessPolicy.MaySee(principal, StixRows.Marking(r)).Allowed).ToList();
            var envelope = new List<StixObjectEntity>();
            long size = 16;
            foreach (var row in visible)
            {
                var bytes = Encoding.UTF8.GetByteCount(row.Raw) + 1;
                if (bytes + 16 > maxBytes)
                {
                    state.Failures.Add(new PartnerFailure(row.StixId, $"larger ({bytes} bytes) than the remote accepts ({maxBytes} bytes); not pushed"));
                    continue;
                }

                if (envelope.Count > 0 && (size + bytes > maxBytes || envelope.Count >= MaxObjectsPerEnvelope))
                {
                    await lease.EnsureHeldAsync(ct);
                    await SendEnvelopeAsync(http, partner, objectsUrl, envelope, state, ct);
                    Settle(envelope[^1].Id);
                    await SavePushCheckpointAsync(partner.Id, settled, ct);
                    envelope.Clear();
                    size = 16;
                }

                envelope.Add(row);
                size += bytes;
            }

            if (envelope.Count > 0)
            {
                await lease.EnsureHeldAsync(ct);
                await SendEnvelopeAsync(http, partner, objectsUrl, envelope, state, ct);
            }

            Settle(rows[^1].Id);
            scan = rows[^1].Id;
            await SavePushCheckpointAsync(partner.Id, settled, ct);
        }
    }

    private async Task SavePushCheckpointAsync(Guid partnerId, long checkpoint, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        var row = await db.Set<PartnerEntity>().FirstAsync(x => x.Id == partnerId, ct);
        row.PushCheckpoint = checkpoint;
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
    }

    private async Task<long> MaxContentLengthAsync(HttpClient http, PartnerEntity partner, CancellationToken ct)
    {
        using var request = Request(partner, HttpMethod.Get, partner.Url);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        var body = await ReadAsync(response, 1024 * 1024, ct);
        EnsureSuccess(response, body, "GET API root");
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("max_content_length", out var m)
            && m.TryGetInt64(out var max) && max > 0
            ? max
            : throw new FederationRemoteException("the remote's API root has no max_content_length (TAXII 2.1 §4.2)");
    }

    private async Task SendEnvelopeAsync(HttpClient http, PartnerEntity partner, string objectsUrl, List<StixObjectEntity> rows, RunState state, CancellationToken ct)
    {
        var json = new StringBuilder(rows.Sum(r => r.Raw.Length) + 32).Append("{\"objects\":[");
        for (var i = 0; i < rows.Count; i++)
        {
            json.Append(i == 0 ? "" : ",").Append(rows[i].Raw);
        }

        json.Append("]}");
        using var request = Request(partner, HttpMethod.Post, objectsUrl);
        request.Content = new StringContent(json.ToString(), Encoding.UTF8);
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(TaxiiMediaType);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        var body = await ReadAsync(response, 64L * 1024 * 1024, ct);
        EnsureSuccess(response, body, "POST objects");
        var status = ParseStatus(body);
        for (var poll = 0; status.Pending > 0 && poll < MaxStatusPolls; poll++)
        {
            await Task.Delay(settings.StatusPollDelay, time, ct);
            using var statusRequest = Request(partner, HttpMethod.Get, $"{partner.Url}status/{Uri.EscapeDataString(status.Id)}/");
            using var statusResponse = await http.SendAsync(statusRequest, HttpCompletionOption.ResponseHeadersRead, ct);
            var statusBody = await ReadAsync(statusResponse, 64L * 1024 * 1024, ct);
            EnsureSuccess(statusResponse, statusBody, "GET status");
            status = ParseStatus(statusBody);
        }

        state.Objects += status.Successes;
        state.Failures.AddRange(status.Failures);
        if (status.Pending > 0)
        {
            state.Failures.Add(new PartnerFailure($"status {status.Id}", $"{status.Pending} object(s) still pending at the remote after {MaxStatusPolls} polls"));
        }

        audit.Record(Actor.System with { UserName = "federation" }, "federation.push", "federation-partner", partner.Id.ToString(), partner.OrganisationId,
            null, new { Sent = rows.Select(r => $"{r.StixId}@{r.Modified}").Take(1000).ToList(), status.Successes, Failed = status.Failures.Count });
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
    }

    private sealed record PushStatus(string Id, int Successes, int Pending, List<PartnerFailure> Failures);

    private static PushStatus ParseStatus(byte[] body)
    {
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String)
        {
            throw new FederationRemoteException("the remote's answer to POST objects is not a TAXII status resource (TAXII 2.1 §4.3.1)");
        }

        static int Count(JsonElement root, string name) => root.TryGetProperty(name, out var v) && v.TryGetInt32(out var n) ? n : 0;
        var failures = new List<PartnerFailure>();
        if (root.TryGetProperty("failures", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var f in list.EnumerateArray())
            {
                var objectId = f.TryGetProperty("id", out var i) ? i.GetString() ?? "?" : "?";
                var message = f.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "";
                failures.Add(new PartnerFailure(objectId, "refused by the remote: " + message));
            }
        }

        return new PushStatus(id.GetString()!, Count(root, "success_count"), Count(root, "pending_count"), failures);
    }

    // ---------------------------------------------------------------- MISP feed pull

    private async Task PullMispAsync(PartnerEntity partner, RunState state, LeaseKeeper lease, CancellationToken ct)
    {
        var actor = await ImportActorAsync(partner, ct);
        var options = new PublishOptions(partner.DefaultTlp, partner.CommunityIds(), TlpIsDefault: true);
        var manifestBytes = await FetchAsync(partner, "manifest.json", MaxManifestBytes, ct)
            ?? throw new FederationRemoteException("manifest.json: the feed has none (404 or no such file)");
        var entries = Manifest(manifestBytes, state);
        // hashes.csv comes with the manifest: every event imported must match it (docs/MISP.md, "Consuming a MISP feed").
        var hashesBytes = await FetchAsync(partner, "hashes.csv", MispFeedHashes.MaxBytes, ct)
            ?? throw new FederationRemoteException("hashes.csv: the feed has none (404 or no such file); events cannot be checked, so none is imported");
        Dictionary<string, HashSet<string>> hashes;
        try
        {
            hashes = MispFeedHashes.Parse(hashesBytes);
        }
        catch (MispFormatException e)
        {
            throw new FederationRemoteException($"hashes.csv is malformed: {e.Message}");
        }

        var checkpoint = long.TryParse(partner.PullCheckpoint, NumberStyles.None, CultureInfo.InvariantCulture, out var c) ? c : 0;
        // Not older than the checkpoint: an event of the same second as the last one imported is fetched again (a
        // duplicate, so a success), so an interrupted run never skips one.
        var due = entries.Where(e => e.Timestamp >= checkpoint).OrderBy(e => e.Timestamp).ThenBy(e => e.Uuid, StringComparer.Ordinal)
            .Take(MaxMispEventsPerRun).ToList();
        foreach (var entry in due)
        {
            // A safe point: each event is stored with its checkpoint.
            await lease.EnsureHeldAsync(ct);
            byte[]? bytes;
            try
            {
                bytes = await FetchAsync(partner, $"{entry.Uuid}.json", MispLimits.Default.MaxBytes, ct);
            }
            catch (FederationTooLargeException e)
            {
                state.Failures.Add(new PartnerFailure(entry.Uuid, e.Message));
                await SavePullCheckpointAsync(partner.Id, entry.Timestamp, ct);
                continue;
            }

            if (bytes is null)
            {
                state.Failures.Add(new PartnerFailure(entry.Uuid, $"{entry.Uuid}.json is listed in the manifest but the feed answers 404"));
                await SavePullCheckpointAsync(partner.Id, entry.Timestamp, ct);
                continue;
            }

            MispToStix.Result converted;
            try
            {
                if (entry.Sha256 is { } sha && !string.Equals(sha, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), StringComparison.OrdinalIgnoreCase))
                {
                    state.Failures.Add(new PartnerFailure(entry.Uuid, "refused: the event file does not match the manifest's integrity:sha256"));
                    await SavePullCheckpointAsync(partner.Id, entry.Timestamp, ct);
                    continue;
                }

                if (HashMismatch(bytes, entry.Uuid, hashes) is { } mismatch)
                {
                    state.Failures.Add(new PartnerFailure(entry.Uuid, "refused: " + mismatch));
                    await SavePullCheckpointAsync(partner.Id, entry.Timestamp, ct);
                    continue;
                }

                converted = MispToStix.Convert(bytes);
            }
            catch (MispFormatException e)
            {
                state.Failures.Add(new PartnerFailure(entry.Uuid, $"not a valid MISP event: {e.Path}: {e.Message}"));
                await SavePullCheckpointAsync(partner.Id, entry.Timestamp, ct);
                continue;
            }

            var document = StixReader.Read(converted.Bundle(), StixImporter.Limits);
            db.ChangeTracker.Clear();
            var row = await db.Set<PartnerEntity>().FirstAsync(x => x.Id == partner.Id, ct);
            row.PullCheckpoint = entry.Timestamp.ToString(CultureInfo.InvariantCulture);
            var result = await importer.ImportDocumentAsync(actor, document, options, ct, "federation.misp");
            db.ChangeTracker.Clear();
            state.Objects += result.Stored;
            state.Duplicates += result.Duplicates;
            state.Failures.AddRange(result.Failures.Select(f => new PartnerFailure($"{entry.Uuid}: {f.Id ?? f.Path}", string.Join("; ", f.Errors))));
        }
    }

    /// <summary>Why the event file does not match hashes.csv (each event in it, by its own uuid and the manifest's), or null.</summary>
    private static string? HashMismatch(byte[] bytes, string manifestUuid, IReadOnlyDictionary<string, HashSet<string>> hashes)
    {
        using var doc = MispReader.Parse(bytes);
        var events = MispReader.Events(doc.RootElement);
        if (events.Count != 1)
        {
            return $"the file holds {events.Count} events, a feed's event file holds one";
        }

        var uuid = MispReader.Text(events[0].Event, "uuid");
        if (uuid is not null && !string.Equals(uuid, manifestUuid, StringComparison.OrdinalIgnoreCase))
        {
            return $"the file's event uuid {uuid} is not the manifest's {manifestUuid}";
        }

        return MispFeedHashes.Check(events[0].Event, manifestUuid, hashes);
    }

    /// <summary>
    /// A file of the partner's feed: over HTTP(S) from its URL, or from its local folder (<c>file://</c>, only under a
    /// folder in <c>Musubi:Federation:FeedFolders</c>). Null when the feed has no such file (404, no file).
    /// </summary>
    private async Task<byte[]?> FetchAsync(PartnerEntity partner, string name, long max, CancellationToken ct)
    {
        var baseUri = new Uri(partner.Url);
        if (baseUri.IsFile)
        {
            var folder = baseUri.LocalPath;
            if (!FederationAddresses.IsUnderFeedFolder(folder, settings.FeedFolders))
            {
                throw new FederationRemoteException($"the folder {folder} is not under a folder allowed by Musubi:Federation:FeedFolders");
            }

            var path = Path.Combine(folder, name);
            if (!File.Exists(path))
            {
                return null;
            }

            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
            if (file.Length > max)
            {
                throw new FederationTooLargeException($"{name}: the file ({file.Length} bytes) is larger than the limit of {max} bytes");
            }

            var buffer = new byte[file.Length];
            await file.ReadExactlyAsync(buffer, ct);
            return buffer;
        }

        var http = Client(partner);
        using var request = Request(partner, HttpMethod.Get, partner.Url + name);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }

        var body = await ReadAsync(response, max, ct);
        EnsureSuccess(response, body, $"GET {name}");
        return body;
    }

    private async Task SavePullCheckpointAsync(Guid partnerId, long timestamp, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        var row = await db.Set<PartnerEntity>().FirstAsync(x => x.Id == partnerId, ct);
        row.PullCheckpoint = timestamp.ToString(CultureInfo.InvariantCulture);
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
    }

    private sealed record ManifestEntry(string Uuid, long Timestamp, string? Sha256);

    /// <summary>MISP feed manifest: <c>{"&lt;uuid&gt;": {"timestamp": "…", "info": …}, …}</c>; a bad entry is a failure, not the end.</summary>
    private static List<ManifestEntry> Manifest(byte[] bytes, RunState state)
    {
        using var doc = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 64 });
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new FederationRemoteException("manifest.json is not a JSON object of event UUIDs");
        }

        var list = new List<ManifestEntry>();
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (list.Count >= MaxManifestEntries)
            {
                throw new FederationRemoteException($"manifest.json lists more than {MaxManifestEntries} events");
            }

            if (!Guid.TryParse(p.Name, out _) || p.Name.Length != 36)
            {
                state.Failures.Add(new PartnerFailure(p.Name.Length > 64 ? p.Name[..64] : p.Name, "manifest.json: the key is not an event UUID"));
                continue;
            }

            long ts = -1;
            if (p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("timestamp", out var t))
            {
                if (t.ValueKind == JsonValueKind.Number && t.TryGetInt64(out var n))
                {
                    ts = n;
                }
                else if (t.ValueKind == JsonValueKind.String && long.TryParse(t.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var s))
                {
                    ts = s;
                }
            }

            if (ts < 0)
            {
                state.Failures.Add(new PartnerFailure(p.Name, "manifest.json: the entry has no timestamp (seconds since 1970)"));
                continue;
            }

            var sha = p.Value.TryGetProperty("integrity:sha256", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
            list.Add(new ManifestEntry(p.Name.ToLowerInvariant(), ts, sha));
        }

        return list;
    }

    // ---------------------------------------------------------------- HTTP

    /// <summary>
    /// Who the pulled objects are published as: the partner's organisation here when it has one (so we never push them
    /// back to it), else the national centre.
    /// </summary>
    private async Task<Actor> ImportActorAsync(PartnerEntity partner, CancellationToken ct)
    {
        var org = partner.OrganisationId ?? await db.Organisations.AsNoTracking()
            .Where(o => o.Kind == OrganisationKind.NationalCentre).Select(o => o.Id).FirstOrDefaultAsync(ct);
        var name = $"federation:{partner.Name}";
        return new Actor(Guid.Empty, name.Length > 100 ? name[..100] : name, org, Role.Analyst,
            new HashSet<string> { Scopes.IntelRead, Scopes.IntelWrite });
    }

    private HttpClient Client(PartnerEntity partner) => httpFactory.CreateClient(HttpClientName);

    private HttpRequestMessage Request(PartnerEntity partner, HttpMethod method, string url) => Request(partner, partners.SecretOf(partner), method, url);

    /// <summary>A request to the partner with its media type and credentials (the feed TAXII collector builds its requests here too).</summary>
    internal static HttpRequestMessage Request(PartnerEntity partner, string? secret, HttpMethod method, string url)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Accept.ParseAdd(partner.Kind == PartnerKind.Taxii ? TaxiiMediaType : "application/json");
        switch (partner.Auth)
        {
            case PartnerAuth.Basic:
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                    Convert.ToBase64String(Encoding.UTF8.GetBytes($"{partner.UserName}:{secret}")));
                break;
            case PartnerAuth.Bearer:
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
                break;
            case PartnerAuth.Header:
                request.Headers.TryAddWithoutValidation("Authorization", secret);
                break;
        }

        return request;
    }

    /// <summary>The body, refused beyond <paramref name="max"/> bytes (by Content-Length or while reading); the feed TAXII collector reads through it too.</summary>
    internal static async Task<byte[]> ReadAsync(HttpResponseMessage response, long max, CancellationToken ct)
    {
        if (response.Content.Headers.ContentLength is { } length && length > max)
        {
            throw new FederationTooLargeException($"{response.RequestMessage?.RequestUri?.AbsolutePath}: the answer ({length} bytes) is larger than the limit of {max} bytes");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + n > max)
            {
                throw new FederationTooLargeException($"{response.RequestMessage?.RequestUri?.AbsolutePath}: the answer is larger than the limit of {max} bytes");
            }

            buffer.Write(chunk, 0, n);
        }

        return buffer.ToArray();
    }

    /// <summary>A non-2xx answer stops the run; a TAXII error message's title and description are kept (never our credentials).</summary>
    private static void EnsureSuccess(HttpResponseMessage response, byte[] body, string what)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var detail = "";
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                var title = doc.RootElement.TryGetProperty("title", out var t) ? t.GetString() : null;
                var description = doc.RootElement.TryGetProperty("description", out var d) ? d.GetString() : null;
                detail = string.Join(": ", new[] { title, description }.Where(s => !string.IsNullOrEmpty(s)));
            }
        }
        catch (JsonException)
        {
            detail = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300));
        }

        throw new FederationRemoteException($"{what}: the remote answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}"
            + (detail.Length > 0 ? $": {detail}" : ""));
    }
}
