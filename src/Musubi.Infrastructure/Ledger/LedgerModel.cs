using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Musubi.Infrastructure.Ledger;

/// <summary>The ledger's tables; applied by <see cref="Data.MusubiDbContext"/>.</summary>
public static class LedgerModel
{
    /// <summary>
    /// Applies the ledger's entity configurations. MusubiDbContext picks them up with ApplyConfigurationsFromAssembly,
    /// so this is for a model built without that (none today); never call both.
    /// </summary>
    public static void Configure(ModelBuilder b)
    {
        b.ApplyConfiguration(new EntryConfiguration());
        b.ApplyConfiguration(new StateConfiguration());
        b.ApplyConfiguration(new TileConfiguration());
        b.ApplyConfiguration(new KeyConfiguration());
        b.ApplyConfiguration(new CheckpointConfiguration());
        b.ApplyConfiguration(new RetentionConfiguration());
        b.ApplyConfiguration(new HoldConfiguration());
        b.ApplyConfiguration(new AlertConfiguration());
    }

    private sealed class EntryConfiguration : IEntityTypeConfiguration<LedgerEntryEntity>
    {
        public void Configure(EntityTypeBuilder<LedgerEntryEntity> e)
        {
            e.ToTable("ledger_entries");
            e.HasKey(x => x.Id);
            e.Property(x => x.Category).HasMaxLength(32);
            e.Property(x => x.LeafHash).HasMaxLength(32);
            e.Property(x => x.PayloadRemovedReason).HasMaxLength(200);
            e.HasIndex(x => x.Index).IsUnique();
            e.HasIndex(x => x.At);
            e.HasIndex(x => new { x.OrganisationId, x.Category, x.Index });
            e.HasIndex(x => x.AuditEntryId);
            e.HasOne(x => x.AuditEntry).WithMany().HasForeignKey(x => x.AuditEntryId).OnDelete(DeleteBehavior.Restrict);
        }
    }

    private sealed class StateConfiguration : IEntityTypeConfiguration<LedgerStateEntity>
    {
        public void Configure(EntityTypeBuilder<LedgerStateEntity> e)
        {
            e.ToTable("ledger_state");
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).ValueGeneratedNever();
            e.Property(x => x.MonitorMessage).HasMaxLength(2000);
            e.HasData(new LedgerStateEntity { Id = LedgerStateEntity.SingletonId });
        }
    }

    private sealed class TileConfiguration : IEntityTypeConfiguration<LedgerTileEntity>
    {
        public void Configure(EntityTypeBuilder<LedgerTileEntity> e)
        {
            e.ToTable("ledger_tiles");
            e.HasKey(x => new { x.Level, x.Index });
        }
    }

    private sealed class KeyConfiguration : IEntityTypeConfiguration<LedgerKeyEntity>
    {
        public void Configure(EntityTypeBuilder<LedgerKeyEntity> e)
        {
            e.ToTable("ledger_keys");
            e.HasKey(x => x.Id);
            e.Property(x => x.Name).HasMaxLength(200);
            e.Property(x => x.PublicKey).HasMaxLength(32);
            e.Property(x => x.PrivateKeyProtected).HasMaxLength(2000);
        }
    }

    private sealed class CheckpointConfiguration : IEntityTypeConfiguration<LedgerCheckpointEntity>
    {
        public void Configure(EntityTypeBuilder<LedgerCheckpointEntity> e)
        {
            e.ToTable("ledger_checkpoints");
            e.HasKey(x => x.Id);
            e.Property(x => x.RootHash).HasMaxLength(32);
            e.Property(x => x.Note).HasMaxLength(4000);
            e.HasIndex(x => x.TreeSize).IsUnique();
            e.HasIndex(x => x.CreatedAt);
        }
    }

    private sealed class RetentionConfiguration : IEntityTypeConfiguration<LedgerRetentionPolicyEntity>
    {
        public void Configure(EntityTypeBuilder<LedgerRetentionPolicyEntity> e)
        {
            e.ToTable("ledger_retention_policies");
            e.HasKey(x => x.Id);
            e.Property(x => x.Category).HasMaxLength(32);
            e.HasIndex(x => new { x.OrganisationId, x.Category }).IsUnique();
        }
    }

    private sealed class HoldConfiguration : IEntityTypeConfiguration<LedgerLegalHoldEntity>
    {
        public void Configure(EntityTypeBuilder<LedgerLegalHoldEntity> e)
        {
            e.ToTable("ledger_legal_holds");
            e.HasKey(x => x.Id);
            e.Property(x => x.Category).HasMaxLength(32);
            e.Property(x => x.Reason).HasMaxLength(1000);
            e.Property(x => x.CreatedBy).HasMaxLength(64);
        }
    }

    private sealed class AlertConfiguration : IEntityTypeConfiguration<LedgerAlertEntity>
    {
        public void Configure(EntityTypeBuilder<LedgerAlertEntity> e)
        {
            e.ToTable("ledger_alerts");
            e.HasKey(x => x.Id);
            e.Property(x => x.Kind).HasMaxLength(64);
            e.Property(x => x.Message).HasMaxLength(4000);
            e.HasIndex(x => x.At);
        }
    }
}
