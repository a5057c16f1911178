using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Musubi.Infrastructure.Detection;

namespace Musubi.Infrastructure.Incidents;

/// <summary>
/// An alert escalated into an incident. The alert id is unique: an alert is escalated once, even under a race (the
/// second writer's insert fails and is answered 409).
/// </summary>
public sealed class IncidentAlertEntity
{
    public Guid AlertId { get; set; }
    public Guid IncidentId { get; set; }
    public DateTimeOffset EscalatedAt { get; set; }
    public required string EscalatedBy { get; set; }
}

/// <summary>
/// An indicator of the incident: carried over from its alerts or added by a responder. What
/// the incident publisher (IncidentPublisher) publishes, sanitised, to the intelligence store.
/// </summary>
public sealed class IncidentIndicatorEntity
{
    public Guid Id { get; set; }
    public Guid IncidentId { get; set; }

    /// <summary>The STIX cyber-observable the value is: ipv4-addr, ipv6-addr, domain-name, url, email-addr, or file (SHA-256).</summary>
    public required string Type { get; set; }
    public required string Value { get; set; }
    public string? Description { get; set; }
    public Guid? SourceAlertId { get; set; }
    public DateTimeOffset AddedAt { get; set; }

    /// <summary>The STIX id it was last published as, so a second publication makes a new version, not a twin.</summary>
    public string? PublishedStixId { get; set; }
}

internal sealed class IncidentAlertConfiguration : IEntityTypeConfiguration<IncidentAlertEntity>
{
    public void Configure(EntityTypeBuilder<IncidentAlertEntity> e)
    {
        e.ToTable("incident_alerts");
        e.HasKey(x => x.AlertId);
        e.Property(x => x.AlertId).ValueGeneratedNever();
        e.Property(x => x.EscalatedBy).HasMaxLength(200);
        e.HasIndex(x => x.IncidentId);
        e.HasOne<IncidentEntity>().WithMany().HasForeignKey(x => x.IncidentId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne<AlertEntity>().WithMany().HasForeignKey(x => x.AlertId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class IncidentIndicatorConfiguration : IEntityTypeConfiguration<IncidentIndicatorEntity>
{
    public void Configure(EntityTypeBuilder<IncidentIndicatorEntity> e)
    {
        e.ToTable("incident_indicators");
        e.HasKey(x => x.Id);
        e.Property(x => x.Type).HasMaxLength(32);
        e.Property(x => x.Value).HasMaxLength(2048);
        e.Property(x => x.Description).HasMaxLength(4000);
        e.Property(x => x.PublishedStixId).HasMaxLength(100);
        e.HasIndex(x => new { x.IncidentId, x.Type, x.Value }).IsUnique();
        e.HasOne<IncidentEntity>().WithMany().HasForeignKey(x => x.IncidentId).OnDelete(DeleteBehavior.Cascade);
    }
}
