using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Musubi.Core.Incidents;
using Musubi.Core.Sharing;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Incidents;

public sealed class IncidentEntity
{
    public Guid Id { get; set; }

    /// <summary>The human reference, "INC-2026-00042" (per year, from <see cref="IncidentCounterEntity"/>).</summary>
    public required string Reference { get; set; }

    public required string Title { get; set; }
    public string? Description { get; set; }
    public required string Classification { get; set; }
    public IncidentStatus Status { get; set; }
    public Guid CoordinatingOrganisationId { get; set; }
    public Guid ReportedByOrganisationId { get; set; }
    public Guid? ReportedByUserId { get; set; }
    public DateTimeOffset ReportedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public int AssetCriticality { get; set; }
    public bool CriticalInfrastructure { get; set; }
    public DataSensitivity DataSensitivity { get; set; }
    public int IndicatorConfidence { get; set; }
    public int RiskScore { get; set; }
    public Severity ComputedSeverity { get; set; }
    public Severity? SeverityOverride { get; set; }
    public string? SeverityOverrideReason { get; set; }
    public Severity Severity { get; set; }

    public Tlp Tlp { get; set; }
    public bool IsExercise { get; set; }
    public Guid? MergedIntoId { get; set; }

    /// <summary>Lessons learned, written after the incident for the post-incident report.</summary>
    public string? LessonsLearned { get; set; }

    /// <summary>When each stage was first reached; the metrics (time to acknowledge, contain, close) read these.</summary>
    public DateTimeOffset? TriagedAt { get; set; }
    public DateTimeOffset? ContainedAt { get; set; }
    public DateTimeOffset? EradicatedAt { get; set; }
    public DateTimeOffset? RecoveredAt { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }

    public List<IncidentOrganisationEntity> Affected { get; set; } = [];
    public List<IncidentTeamEntity> Teams { get; set; } = [];
    public List<IncidentCommunityEntity> SharedWith { get; set; } = [];
}

public sealed class IncidentOrganisationEntity
{
    public Guid IncidentId { get; set; }
    public Guid OrganisationId { get; set; }
}

public sealed class IncidentTeamEntity
{
    public Guid IncidentId { get; set; }
    public Guid OrganisationId { get; set; }
    public IncidentRole Role { get; set; }
    public DateTimeOffset AssignedAt { get; set; }
}

public sealed class IncidentCommunityEntity
{
    public Guid IncidentId { get; set; }
    public Guid CommunityId { get; set; }
}

public sealed class IncidentTaskEntity
{
    public Guid Id { get; set; }
    public Guid IncidentId { get; set; }
    public required string Title { get; set; }
    public Guid OwnerOrganisationId { get; set; }
    public Guid? OwnerUserId { get; set; }
    public DateTimeOffset? DueAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? DoneAt { get; set; }
}

/// <summary>One line of an incident's timeline. <see cref="Layer"/> is the least layer that may see it.</summary>
public sealed class IncidentTimelineEntity
{
    public long Id { get; set; }
    public Guid IncidentId { get; set; }
    public DateTimeOffset At { get; set; }
    public required string Kind { get; set; }
    public required string Text { get; set; }
    public Guid? ActorUserId { get; set; }
    public required string ActorName { get; set; }
    public Guid? ActorOrganisationId { get; set; }
    public IncidentLayer Layer { get; set; }
}

public sealed class IncidentEvidenceEntity
{
    public Guid Id { get; set; }
    public Guid IncidentId { get; set; }
    public required string FileName { get; set; }
    public required string ContentType { get; set; }
    public long Size { get; set; }
    public required string Sha256 { get; set; }
    public required byte[] Content { get; set; }
    public string? Description { get; set; }
    public DateTimeOffset AddedAt { get; set; }
    public required string AddedBy { get; set; }
    public Guid AddedByOrganisationId { get; set; }
}

/// <summary>The last reference number handed out per year, so references are dense and never reused.</summary>
public sealed class IncidentCounterEntity
{
    public int Year { get; set; }
    public int Last { get; set; }
}

internal sealed class IncidentModel
{
    public static void Configure(ModelBuilder b)
    {
        b.Entity<IncidentEntity>(Incident);
        b.Entity<IncidentOrganisationEntity>(e =>
        {
            e.ToTable("incident_organisations");
            e.HasKey(x => new { x.IncidentId, x.OrganisationId });
            e.HasIndex(x => x.OrganisationId);
            e.HasOne<OrganisationEntity>().WithMany().HasForeignKey(x => x.OrganisationId).OnDelete(DeleteBehavior.Restrict);
        });
        b.Entity<IncidentTeamEntity>(e =>
        {
            e.ToTable("incident_teams");
            e.HasKey(x => new { x.IncidentId, x.OrganisationId });
            e.Property(x => x.Role).HasConversion<string>().HasMaxLength(32);
            e.HasIndex(x => x.OrganisationId);
            e.HasOne<OrganisationEntity>().WithMany().HasForeignKey(x => x.OrganisationId).OnDelete(DeleteBehavior.Restrict);
        });
        b.Entity<IncidentCommunityEntity>(e =>
        {
            e.ToTable("incident_communities");
            e.HasKey(x => new { x.IncidentId, x.CommunityId });
            e.HasOne<CommunityEntity>().WithMany().HasForeignKey(x => x.CommunityId).OnDelete(DeleteBehavior.Restrict);
        });
        b.Entity<IncidentTaskEntity>(e =>
        {
            e.ToTable("incident_tasks");
            e.HasKey(x => x.Id);
            e.Property(x => x.Title).HasMaxLength(500);
            e.HasIndex(x => x.IncidentId);
            e.HasOne<IncidentEntity>().WithMany().HasForeignKey(x => x.IncidentId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<IncidentTimelineEntity>(e =>
        {
            e.ToTable("incident_timeline");
            e.HasKey(x => x.Id);
            e.Property(x => x.Kind).HasMaxLength(64);
            e.Property(x => x.Text).HasMaxLength(8000);
            e.Property(x => x.ActorName).HasMaxLength(200);
            e.Property(x => x.Layer).HasConversion<string>().HasMaxLength(32);
            e.HasIndex(x => new { x.IncidentId, x.Id });
            e.HasOne<IncidentEntity>().WithMany().HasForeignKey(x => x.IncidentId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<IncidentEvidenceEntity>(e =>
        {
            e.ToTable("incident_evidence");
            e.HasKey(x => x.Id);
            e.Property(x => x.FileName).HasMaxLength(255);
            e.Property(x => x.ContentType).HasMaxLength(200);
            e.Property(x => x.Sha256).HasMaxLength(64);
            e.Property(x => x.Description).HasMaxLength(4000);
            e.Property(x => x.AddedBy).HasMaxLength(200);
            e.HasIndex(x => x.IncidentId);
            e.HasOne<IncidentEntity>().WithMany().HasForeignKey(x => x.IncidentId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<IncidentCounterEntity>(e =>
        {
            e.ToTable("incident_counters");
            e.HasKey(x => x.Year);
            e.Property(x => x.Year).ValueGeneratedNever();
            e.Property(x => x.Last).IsConcurrencyToken();
        });
    }

    private static void Incident(EntityTypeBuilder<IncidentEntity> e)
    {
        e.ToTable("incidents");
        e.HasKey(x => x.Id);
        e.Property(x => x.Reference).HasMaxLength(32);
        e.HasIndex(x => x.Reference).IsUnique();
        e.Property(x => x.Title).HasMaxLength(300);
        e.Property(x => x.Description).HasMaxLength(20000);
        e.Property(x => x.Classification).HasMaxLength(80);
        e.Property(x => x.Status).HasConversion<string>().HasMaxLength(16);
        e.Property(x => x.DataSensitivity).HasConversion<string>().HasMaxLength(16);
        e.Property(x => x.ComputedSeverity).HasConversion<string>().HasMaxLength(16);
        e.Property(x => x.SeverityOverride).HasConversion<string>().HasMaxLength(16);
        e.Property(x => x.Severity).HasConversion<string>().HasMaxLength(16);
        e.Property(x => x.SeverityOverrideReason).HasMaxLength(1000);
        e.Property(x => x.LessonsLearned).HasMaxLength(20000);
        e.Property(x => x.Tlp).HasConversion<string>().HasMaxLength(16);
        e.HasIndex(x => new { x.Status, x.Severity });
        e.HasIndex(x => x.ReportedAt);
        e.HasIndex(x => x.CoordinatingOrganisationId);
        e.HasOne<OrganisationEntity>().WithMany().HasForeignKey(x => x.CoordinatingOrganisationId).OnDelete(DeleteBehavior.Restrict);
        e.HasOne<OrganisationEntity>().WithMany().HasForeignKey(x => x.ReportedByOrganisationId).OnDelete(DeleteBehavior.Restrict);
        e.HasMany(x => x.Affected).WithOne().HasForeignKey(x => x.IncidentId).OnDelete(DeleteBehavior.Cascade);
        e.HasMany(x => x.Teams).WithOne().HasForeignKey(x => x.IncidentId).OnDelete(DeleteBehavior.Cascade);
        e.HasMany(x => x.SharedWith).WithOne().HasForeignKey(x => x.IncidentId).OnDelete(DeleteBehavior.Cascade);
    }
}
