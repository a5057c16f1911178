using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
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
public sealed class FederationLeases(MusubiDbContext db, FederationOptions settings, TimeProvider time)
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

    /// <summary>Gives the lease back (only if this run still holds it).</summary>
    public async Task ReleaseAsync(Guid partnerId, string holder, CancellationToken ct)
    {
        var free = DateTimeOffset.UnixEpoch;
        await db.Set<FederationLeaseEntity>()
            .Where(x => x.PartnerId == partnerId && x.Holder == holder)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.Holder, "").SetProperty(x => x.ExpiresAt, free), ct);
    }
}
