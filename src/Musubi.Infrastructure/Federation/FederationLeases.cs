using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Federation;

/// <summary>
/// Who is running a partner now, across processes (docs/FEDERATION.md, "Runs"): one row per partner; a run holds it
/// until <see cref="ExpiresAt"/> (so a crashed server's lease ends by itself) and gives it back when done.
/// </summary>
public sealed class FederationLeaseEntity
{
    public Guid PartnerId { get; set; }
    /// <summary>The run holding the lease (a fresh id per run), empty when free.</summary>
    public string Holder { get; set; } = "";
    public DateTimeOffset ExpiresAt { get; set; }
}

internal sealed class FederationLeaseConfiguration : IEntityTypeConfiguration<FederationLeaseEntity>
{
    public void Configure(EntityTypeBuilder<FederationLeaseEntity> e)
    {
        e.ToTable("federation_leases");
        e.HasKey(x => x.PartnerId);
        e.Property(x => x.Holder).HasMaxLength(100);
        e.HasOne<PartnerEntity>().WithMany().HasForeignKey(x => x.PartnerId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>
/// Takes and gives back partner leases with one conditional UPDATE each (atomic on SQLite and PostgreSQL): a lease is
/// taken only when it is free or expired, so of two servers on one database exactly one runs a partner.
/// </summary>
public sealed class FederationLeases(MusubiDbContext db, FederationOptions settings, TimeProvider time, IServiceScopeFactory scopes, ILogger<FederationLeases> log)
{
    /// <summary>A new holder id for a run, or null when another run (here or on another server) holds the partner.</summary>
    public async Task<string?> TryTakeAsync(Guid partnerId, CancellationToken ct)
    {
        var holder = Guid.NewGuid().ToString("N");
        var now = time.GetUtcNow();
        var until = now + settings.LeaseDuration;
        if (await TakeAsync(partnerId, holder, now, until, ct))
        {
            return holder;
        }

        if (await db.Set<FederationLeaseEntity>().AsNoTracking().AnyAsync(x => x.PartnerId == partnerId, ct))
        {
            return null;
        }

        // The first run of this partner: add its row (another server may add it at the same instant: then it is theirs).
        try
        {
            db.Set<FederationLeaseEntity>().Add(new FederationLeaseEntity { PartnerId = partnerId, Holder = holder, ExpiresAt = until });
            await db.SaveChangesAsync(ct);
            return holder;
        }
        catch (DbUpdateException)
        {
            return null;
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    private async Task<bool> TakeAsync(Guid partnerId, string holder, DateTimeOffset now, DateTimeOffset until, CancellationToken ct) =>
        await db.Set<FederationLeaseEntity>()
            .Where(x => x.PartnerId == partnerId && x.ExpiresAt <= now)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.Holder, holder).SetProperty(x => x.ExpiresAt, until), ct) == 1;

    /// <summary>
    /// Extends the lease by <see cref="FederationOptions.LeaseDuration"/> from now, only if <paramref name="holder"/> still
    /// holds it (also when it has just expired and nobody took it). False when another run holds it now.
    /// </summary>
    public async Task<bool> RenewAsync(Guid partnerId, string holder, CancellationToken ct) =>
        await db.Set<FederationLeaseEntity>()
            .Where(x => x.PartnerId == partnerId && x.Holder == holder)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.ExpiresAt, time.GetUtcNow() + settings.LeaseDuration), ct) == 1;

    /// <summary>Whether <paramref name="holder"/> still holds the partner's lease row.</summary>
    public Task<bool> HoldsAsync(Guid partnerId, string holder, CancellationToken ct) =>
        db.Set<FederationLeaseEntity>().AsNoTracking().AnyAsync(x => x.PartnerId == partnerId && x.Holder == holder, ct);

    /// <summary>
    /// Keeps a taken lease for the length of a run: renews it every <see cref="FederationOptions.LeaseDuration"/>/3 in the
    /// background (each renewal in its own scope, so the run's own context is never shared).
    /// </summary>
    public LeaseKeeper Keep(Guid partnerId, string holder) => new(partnerId, holder, settings.LeaseDuration / 3, time, scopes, log);

    /// <summary>Gives the lease back (only if this run still holds it).</summary>
    public async Task ReleaseAsync(Guid partnerId, string holder, CancellationToken ct)
    {
        var free = DateTimeOffset.UnixEpoch;
        await db.Set<FederationLeaseEntity>()
            .Where(x => x.PartnerId == partnerId && x.Holder == holder)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.Holder, "").SetProperty(x => x.ExpiresAt, free), ct);
    }
}

/// <summary>The run's lease was taken by another run (after it expired); the run stops at its next safe point.</summary>
public sealed class FederationLeaseLostException(Guid partnerId)
    : Exception($"the run stopped: another run took over the lease of partner {partnerId} (this run's lease had expired); what was stored so far is kept");

/// <summary>
/// A run's lease, renewed periodically until disposed. The run calls <see cref="EnsureHeldAsync"/> at its safe points (between
/// pages, events and envelopes): it throws <see cref="FederationLeaseLostException"/> once another run holds the lease.
/// </summary>
public sealed class LeaseKeeper : IAsyncDisposable
{
    private readonly Guid _partnerId;
    private readonly string _holder;
    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private volatile bool _lost;

    internal LeaseKeeper(Guid partnerId, string holder, TimeSpan period, TimeProvider time, IServiceScopeFactory scopes, ILogger log)
    {
        _partnerId = partnerId;
        _holder = holder;
        _scopes = scopes;
        _log = log;
        if (period < TimeSpan.FromMilliseconds(100))
        {
            period = TimeSpan.FromMilliseconds(100);
        }

        _loop = RenewLoopAsync(period, time, _stop.Token);
    }

    public string Holder => _holder;

    /// <summary>True once a renewal or a check found another holder.</summary>
    public bool Lost => _lost;

    /// <summary>Renewals done so far (for status and tests).</summary>
    public int Renewals { get; private set; }

    private async Task RenewLoopAsync(TimeSpan period, TimeProvider time, CancellationToken ct)
    {
        while (!_lost && !ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(period, time, ct);
                await using var scope = _scopes.CreateAsyncScope();
                if (await scope.ServiceProvider.GetRequiredService<FederationLeases>().RenewAsync(_partnerId, _holder, ct))
                {
                    Renewals++;
                }
                else
                {
                    _lost = true;
                    _log.LogWarning("federation: the lease of partner {Partner} is held by another run; this run stops at its next safe point", _partnerId);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A failed renewal (database unreachable) is not a lost lease: the next one, or the safe-point check, decides.
                _log.LogWarning(e, "federation: renewing the lease of partner {Partner} failed; retrying", _partnerId);
            }
        }
    }

    /// <summary>A safe point of the run: throws <see cref="FederationLeaseLostException"/> when another run holds the lease now.</summary>
    public async Task EnsureHeldAsync(CancellationToken ct)
    {
        if (!_lost)
        {
            await using var scope = _scopes.CreateAsyncScope();
            _lost = !await scope.ServiceProvider.GetRequiredService<FederationLeases>().HoldsAsync(_partnerId, _holder, ct);
        }

        if (_lost)
        {
            throw new FederationLeaseLostException(_partnerId);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
