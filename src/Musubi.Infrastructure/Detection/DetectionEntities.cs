using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Detection;

/// <summary>A sensor of an organisation that sends events; authenticates with its own token (stored as SHA-256).</summary>
public sealed class SensorEntity
{
    public Guid Id { get; set; }
    public Guid OrganisationId { get; set; }
    public required string Name { get; set; }
    public required string TokenPrefix { get; set; }
    public required string TokenHash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}

/// <summary>A line that could not be ingested: kept (truncated) with the reason, for the sensor's owner to fix.</summary>
public sealed class QuarantinedEventEntity
{
    public long Id { get; set; }
    public Guid? SensorId { get; set; }
    public Guid? OrganisationId { get; set; }
    public required string Source { get; set; }
    public required string Reason { get; set; }
    public required string Raw { get; set; }
    public int RawBytes { get; set; }
    public DateTimeOffset At { get; set; }
}

/// <summary>
/// An alert: one rule or indicator matching events of one organisation's host; repeated matches within the grouping
/// window raise <see cref="Count"/> and <see cref="LastSeen"/> instead of new rows.
/// </summary>
public sealed class AlertEntity
{
    public Guid Id { get; set; }
    public Guid OrganisationId { get; set; }
    public Guid? SensorId { get; set; }
    /// <summary>"sigma" or "indicator".</summary>
    public required string Kind { get; set; }
    /// <summary>The Sigma rule id, or the indicator id.</summary>
    public required string SourceId { get; set; }
    public required string Title { get; set; }
    /// <summary>Sigma level (informational … critical), or "indicator".</summary>
    public required string Level { get; set; }
    /// <summary>0–100, see docs/DETECTION.md.</summary>
    public int Severity { get; set; }
    public required string Host { get; set; }
    public required string GroupKey { get; set; }
    public DateTimeOffset FirstSeen { get; set; }
    public DateTimeOffset LastSeen { get; set; }
    public int Count { get; set; }
    /// <summary>JSON: the first event (OCSF with raw data), the matched fields, the rule or indicator.</summary>
    public required string Evidence { get; set; }
    /// <summary>"new" or "acknowledged".</summary>
    public required string Status { get; set; }
    public Guid? AcknowledgedBy { get; set; }
    public DateTimeOffset? AcknowledgedAt { get; set; }
}

internal sealed class SensorConfiguration : IEntityTypeConfiguration<SensorEntity>
{
    public void Configure(EntityTypeBuilder<SensorEntity> e)
    {
        e.ToTable("sensors");
        e.HasKey(x => x.Id);
        e.Property(x => x.Name).HasMaxLength(100);
        e.Property(x => x.TokenPrefix).HasMaxLength(16);
        e.Property(x => x.TokenHash).HasMaxLength(64);
        e.HasIndex(x => x.Name).IsUnique();
        e.HasIndex(x => x.TokenHash).IsUnique();
        e.HasIndex(x => x.OrganisationId);
        e.HasOne<OrganisationEntity>().WithMany().HasForeignKey(x => x.OrganisationId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class QuarantinedEventConfiguration : IEntityTypeConfiguration<QuarantinedEventEntity>
{
    public void Configure(EntityTypeBuilder<QuarantinedEventEntity> e)
    {
        e.ToTable("quarantined_events");
        e.HasKey(x => x.Id);
        e.Property(x => x.Source).HasMaxLength(64);
        e.Property(x => x.Reason).HasMaxLength(500);
        e.Property(x => x.Raw).HasMaxLength(QuarantineLimits.RawChars);
        e.HasIndex(x => new { x.SensorId, x.At });
        e.HasIndex(x => x.At);
    }
}

internal sealed class AlertConfiguration : IEntityTypeConfiguration<AlertEntity>
{
    public void Configure(EntityTypeBuilder<AlertEntity> e)
    {
        e.ToTable("alerts");
        e.HasKey(x => x.Id);
        e.Property(x => x.Kind).HasMaxLength(16);
        e.Property(x => x.SourceId).HasMaxLength(200);
        e.Property(x => x.Title).HasMaxLength(500);
        e.Property(x => x.Level).HasMaxLength(32);
        e.Property(x => x.Host).HasMaxLength(260);
        e.Property(x => x.GroupKey).HasMaxLength(600);
        e.Property(x => x.Status).HasMaxLength(16);
        e.HasIndex(x => new { x.OrganisationId, x.LastSeen });
        e.HasIndex(x => new { x.GroupKey, x.LastSeen });
        e.HasIndex(x => x.LastSeen);
    }
}

/// <summary>How much of a bad line is kept.</summary>
public static class QuarantineLimits
{
    public const int RawChars = 4096;
    public const int ReasonChars = 500;
}
