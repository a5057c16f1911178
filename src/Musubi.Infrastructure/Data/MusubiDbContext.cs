using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Musubi.Infrastructure.Incidents;
using Musubi.Infrastructure.Notifications;
using Musubi.Infrastructure.Ledger;
using Musubi.Infrastructure.Queueing;

namespace Musubi.Infrastructure.Data;

/// <summary>
/// The one database context. The model is the same on SQLite and PostgreSQL except where a provider needs help
/// (SQLite cannot order DateTimeOffset, so there it is stored as a sortable 64-bit number).
/// </summary>
public sealed class MusubiDbContext(DbContextOptions<MusubiDbContext> options) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<SectorEntity> Sectors => Set<SectorEntity>();
    public DbSet<OrganisationEntity> Organisations => Set<OrganisationEntity>();
    public DbSet<ContactEntity> Contacts => Set<ContactEntity>();
    public DbSet<NetworkEntity> Networks => Set<NetworkEntity>();
    public DbSet<CommunityEntity> Communities => Set<CommunityEntity>();
    public DbSet<MembershipEntity> Memberships => Set<MembershipEntity>();
    public DbSet<UserEntity> Users => Set<UserEntity>();
    public DbSet<ApiTokenEntity> ApiTokens => Set<ApiTokenEntity>();
    public DbSet<AuditEntryEntity> AuditEntries => Set<AuditEntryEntity>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<QueueMessageEntity> QueueMessages => Set<QueueMessageEntity>();
    public DbSet<IncidentEntity> Incidents => Set<IncidentEntity>();
    public DbSet<IncidentTaskEntity> IncidentTasks => Set<IncidentTaskEntity>();
    public DbSet<IncidentTimelineEntity> IncidentTimeline => Set<IncidentTimelineEntity>();
    public DbSet<IncidentEvidenceEntity> IncidentEvidence => Set<IncidentEvidenceEntity>();
    public DbSet<IncidentCounterEntity> IncidentCounters => Set<IncidentCounterEntity>();
    public DbSet<ExerciseRunEntity> ExerciseRuns => Set<ExerciseRunEntity>();
    public DbSet<ExerciseDeliveryEntity> ExerciseDeliveries => Set<ExerciseDeliveryEntity>();
    public DbSet<Intelligence.StixObjectEntity> StixObjects => Set<Intelligence.StixObjectEntity>();
    public DbSet<Intelligence.StixTermEntity> StixTerms => Set<Intelligence.StixTermEntity>();
    public DbSet<Intelligence.Taxii.TaxiiStatusEntity> TaxiiStatuses => Set<Intelligence.Taxii.TaxiiStatusEntity>();
    public DbSet<LedgerEntryEntity> LedgerEntries => Set<LedgerEntryEntity>();
    public DbSet<LedgerBundleEntity> LedgerBundles => Set<LedgerBundleEntity>();
    public DbSet<LedgerStateEntity> LedgerState => Set<LedgerStateEntity>();
    public DbSet<LedgerTileEntity> LedgerTiles => Set<LedgerTileEntity>();
    public DbSet<LedgerKeyEntity> LedgerKeys => Set<LedgerKeyEntity>();
    public DbSet<LedgerCheckpointEntity> LedgerCheckpoints => Set<LedgerCheckpointEntity>();
    public DbSet<LedgerRetentionPolicyEntity> LedgerRetentionPolicies => Set<LedgerRetentionPolicyEntity>();
    public DbSet<LedgerLegalHoldEntity> LedgerLegalHolds => Set<LedgerLegalHoldEntity>();
    public DbSet<LedgerAlertEntity> LedgerAlerts => Set<LedgerAlertEntity>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        if (Database.IsSqlite())
        {
            configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        }
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var b = modelBuilder;
        b.Entity<SectorEntity>(e =>
        {
            e.ToTable("sectors");
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(64);
            e.Property(x => x.NameEn).HasMaxLength(200);
            e.Property(x => x.NameJa).HasMaxLength(200);
        });

        b.Entity<OrganisationEntity>(e =>
        {
            e.ToTable("organisations");
            e.HasKey(x => x.Id);
            e.Property(x => x.Name).HasMaxLength(200);
            e.Property(x => x.NameJa).HasMaxLength(200);
            e.Property(x => x.ShortName).HasMaxLength(64);
            e.Property(x => x.Kind).HasConversion<string>().HasMaxLength(64);
            e.Property(x => x.Country).HasMaxLength(2);
            e.Property(x => x.Description).HasMaxLength(4000);
            e.HasIndex(x => x.Name).IsUnique();
            e.HasIndex(x => x.Kind);
            e.HasIndex(x => x.SectorId);
            e.HasOne<SectorEntity>().WithMany().HasForeignKey(x => x.SectorId).OnDelete(DeleteBehavior.Restrict);
            e.HasMany(x => x.Contacts).WithOne().HasForeignKey(x => x.OrganisationId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(x => x.Networks).WithOne().HasForeignKey(x => x.OrganisationId).OnDelete(DeleteBehavior.Cascade);
        });

        b.Entity<ContactEntity>(e =>
        {
            e.ToTable("contacts");
            e.HasKey(x => x.Id);
            e.Property(x => x.Name).HasMaxLength(200);
            e.Property(x => x.Role).HasConversion<string>().HasMaxLength(32);
            e.Property(x => x.Email).HasMaxLength(254);
            e.Property(x => x.Phone).HasMaxLength(40);
        });

        b.Entity<NetworkEntity>(e =>
        {
            e.ToTable("networks");
            e.HasKey(x => x.Id);
            e.Property(x => x.Kind).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.Value).HasMaxLength(260);
            e.Property(x => x.Description).HasMaxLength(4000);
            e.HasIndex(x => new { x.Kind, x.Value }).IsUnique();
        });

        b.Entity<CommunityEntity>(e =>
        {
            e.ToTable("communities");
            e.HasKey(x => x.Id);
            e.Property(x => x.Slug).HasMaxLength(64);
            e.Property(x => x.Kind).HasConversion<string>().HasMaxLength(32);
            e.Property(x => x.NameEn).HasMaxLength(200);
            e.Property(x => x.NameJa).HasMaxLength(200);
            e.Property(x => x.Description).HasMaxLength(4000);
            e.HasIndex(x => x.Slug).IsUnique();
            e.HasOne<SectorEntity>().WithMany().HasForeignKey(x => x.SectorId).OnDelete(DeleteBehavior.Restrict);
        });

        b.Entity<MembershipEntity>(e =>
        {
            e.ToTable("community_memberships");
            e.HasKey(x => new { x.CommunityId, x.OrganisationId });
            e.HasOne(x => x.Community).WithMany(c => c.Memberships).HasForeignKey(x => x.CommunityId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne(x => x.Organisation).WithMany(o => o.Memberships).HasForeignKey(x => x.OrganisationId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(x => x.OrganisationId);
        });

        b.Entity<UserEntity>(e =>
        {
            e.ToTable("users");
            e.HasKey(x => x.Id);
            e.Property(x => x.UserName).HasMaxLength(64);
            e.Property(x => x.NormalisedUserName).HasMaxLength(64);
            e.Property(x => x.DisplayName).HasMaxLength(200);
            e.Property(x => x.Email).HasMaxLength(254);
            e.Property(x => x.Role).HasConversion<string>().HasMaxLength(32);
            e.Property(x => x.PasswordHash).HasMaxLength(512);
            e.Property(x => x.TotpSecretProtected).HasMaxLength(1024);
            e.Property(x => x.SecurityStamp).HasMaxLength(64);
            e.HasIndex(x => x.NormalisedUserName).IsUnique();
            e.HasIndex(x => x.OrganisationId);
            e.HasOne<OrganisationEntity>().WithMany().HasForeignKey(x => x.OrganisationId).OnDelete(DeleteBehavior.Restrict);
        });

        b.Entity<ApiTokenEntity>(e =>
        {
            e.ToTable("api_tokens");
            e.HasKey(x => x.Id);
            e.Property(x => x.Name).HasMaxLength(200);
            e.Property(x => x.Prefix).HasMaxLength(16);
            e.Property(x => x.SecretHash).HasMaxLength(64);
            e.Property(x => x.Scopes).HasMaxLength(1000);
            e.HasIndex(x => x.SecretHash).IsUnique();
            e.HasIndex(x => x.UserId);
            e.HasOne(x => x.User).WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        b.Entity<AuditEntryEntity>(e =>
        {
            e.ToTable("audit_entries");
            e.HasKey(x => x.Id);
            e.Property(x => x.ActorName).HasMaxLength(64);
            e.Property(x => x.Action).HasMaxLength(64);
            e.Property(x => x.EntityType).HasMaxLength(64);
            e.Property(x => x.EntityId).HasMaxLength(128);
            e.Property(x => x.RemoteAddress).HasMaxLength(64);
            e.HasIndex(x => x.At);
            e.HasIndex(x => x.OrganisationId);
            e.HasIndex(x => new { x.EntityType, x.EntityId });
        });

        b.Entity<QueueMessageEntity>(e =>
        {
            e.ToTable("queue_messages");
            e.HasKey(x => x.Id);
            e.Property(x => x.Topic).HasMaxLength(100);
            e.Property(x => x.DeduplicationKey).HasMaxLength(200);
            e.HasIndex(x => new { x.Topic, x.VisibleAtTicks, x.Id });
            e.HasIndex(x => new { x.Topic, x.DeduplicationKey }).IsUnique();
        });

        IncidentModel.Configure(b);
        ExerciseModel.Configure(b);
        NotificationModel.Configure(b);
        // Feature areas configure their own entities (IEntityTypeConfiguration next to the entity):
        // intelligence (Infrastructure/Intelligence), detection (Infrastructure/Detection: sensors, quarantine, alerts) and
        // the ledger (Infrastructure/Ledger/LedgerModel).
        b.ApplyConfigurationsFromAssembly(typeof(MusubiDbContext).Assembly);

    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        GuardAppendOnly();
        return LedgerIndexAssigner.SaveChanges(this, () => base.SaveChanges(acceptAllChangesOnSuccess));
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        GuardAppendOnly();
        return LedgerIndexAssigner.SaveChangesAsync(this, () => base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken), cancellationToken);
    }

    private void GuardAppendOnly()
    {
        foreach (var entry in ChangeTracker.Entries<AuditEntryEntity>())
        {
            if (entry.State is EntityState.Modified or EntityState.Deleted)
            {
                throw new InvalidOperationException("The audit trail is append-only: audit entries cannot be changed or deleted.");
            }
        }

        foreach (var entry in ChangeTracker.Entries().Where(e => e.Entity is IncidentTimelineEntity or IncidentEvidenceEntity))
        {
            if (entry.State is EntityState.Modified)
            {
                throw new InvalidOperationException("Incident timelines and evidence are append-only: entries cannot be changed.");
            }
        }
    }
}
