using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Musubi.Infrastructure.Feeds.Tracking;

public enum InfectedHostState
{
    Open,
    Cleaned,
}

/// <summary>
/// One infected host as one recipient was told about it: an address with a classification type and malware
/// (docs/NOTIFICATION.md, "Clean-up tracking"). <see cref="Malware"/> is empty when the feed named none.
/// </summary>
public sealed class InfectedHostEntity
{
    public long Id { get; set; }
    public required string RecipientId { get; set; }
    public Guid? OrganisationId { get; set; }
    public required string Address { get; set; }
    public required string Taxonomy { get; set; }
    public required string Type { get; set; }
    public required string Malware { get; set; }
    public long? Asn { get; set; }
    public DateTimeOffset FirstSeen { get; set; }
    public DateTimeOffset LastSeen { get; set; }
    public int TimesReported { get; set; }
    /// <summary>How often the host was observed again after it had counted as cleaned.</summary>
    public int Reinfections { get; set; }
    public required string LastTicket { get; set; }
    public InfectedHostState State { get; set; }
    /// <summary>When the cleaned rule confirmed it: the last observation plus the configured days.</summary>
    public DateTimeOffset? CleanedAt { get; set; }
    /// <summary>When this row last changed (a report named it, or it was cleaned): TAXII's date_added.</summary>
    public DateTimeOffset UpdatedAt { get; set; }
    public List<InfectedHostEpisodeEntity> Episodes { get; set; } = [];
}

/// <summary>
/// One infection of a host: from the first observation to the last one before it counted as cleaned. A host observed
/// again after that starts a new episode marked as a re-infection. Clean-up figures are computed from episodes.
/// </summary>
public sealed class InfectedHostEpisodeEntity
{
    public long Id { get; set; }
    public long HostId { get; set; }
    public InfectedHostEntity? Host { get; set; }
    public Guid? OrganisationId { get; set; }
    public DateTimeOffset OpenedAt { get; set; }
    public DateTimeOffset LastSeen { get; set; }
    /// <summary>Null while open; when the cleaned rule confirmed it otherwise.</summary>
    public DateTimeOffset? CleanedAt { get; set; }
    public bool IsReinfection { get; set; }
}

/// <summary>A report as the tracker saw it: its ticket, recipient, period and size, for ticket look-ups and the portal.</summary>
public sealed class TrackedReportEntity
{
    public required string Ticket { get; set; }
    public required string RecipientId { get; set; }
    public Guid? OrganisationId { get; set; }
    public string? Email { get; set; }
    public required string Language { get; set; }
    public DateTimeOffset From { get; set; }
    public DateTimeOffset To { get; set; }
    public int RowCount { get; set; }
    public int HostCount { get; set; }
    public DateTimeOffset RecordedAt { get; set; }
    public List<TrackedReportHostEntity> Hosts { get; set; } = [];
}

/// <summary>A host a report named, with how many of the report's rows were about it.</summary>
public sealed class TrackedReportHostEntity
{
    public required string Ticket { get; set; }
    public long HostId { get; set; }
    public InfectedHostEntity? Host { get; set; }
    public int Rows { get; set; }
}

/// <summary>
/// A clean-up campaign ("clean day"): a period and a target (organisations, taxonomy, type, malware; empty = any) whose
/// figures are computed from the episodes.
/// </summary>
public sealed class CleanupCampaignEntity
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    public DateTimeOffset Start { get; set; }
    public DateTimeOffset End { get; set; }
    /// <summary>Comma-separated organisation ids; empty for every organisation.</summary>
    public required string Organisations { get; set; }
    public string? Taxonomy { get; set; }
    public string? Type { get; set; }
    public string? Malware { get; set; }
    public Guid CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class InfectedHostConfiguration : IEntityTypeConfiguration<InfectedHostEntity>
{
    public void Configure(EntityTypeBuilder<InfectedHostEntity> e)
    {
        e.ToTable("infected_hosts");
        e.HasKey(x => x.Id);
        e.Property(x => x.RecipientId).HasMaxLength(200);
        e.Property(x => x.Address).HasMaxLength(45);
        e.Property(x => x.Taxonomy).HasMaxLength(64);
        e.Property(x => x.Type).HasMaxLength(64);
        e.Property(x => x.Malware).HasMaxLength(256);
        e.Property(x => x.LastTicket).HasMaxLength(64);
        e.Property(x => x.State).HasConversion<string>().HasMaxLength(16);
        e.HasIndex(x => new { x.RecipientId, x.Address, x.Type, x.Malware }).IsUnique();
        e.HasIndex(x => new { x.OrganisationId, x.State, x.LastSeen });
        e.HasIndex(x => new { x.State, x.LastSeen });
        e.HasIndex(x => new { x.UpdatedAt, x.Id });
        e.HasMany(x => x.Episodes).WithOne(x => x.Host).HasForeignKey(x => x.HostId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class InfectedHostEpisodeConfiguration : IEntityTypeConfiguration<InfectedHostEpisodeEntity>
{
    public void Configure(EntityTypeBuilder<InfectedHostEpisodeEntity> e)
    {
        e.ToTable("infected_host_episodes");
        e.HasKey(x => x.Id);
        e.HasIndex(x => new { x.HostId, x.CleanedAt });
        e.HasIndex(x => new { x.OrganisationId, x.OpenedAt });
    }
}

internal sealed class TrackedReportConfiguration : IEntityTypeConfiguration<TrackedReportEntity>
{
    public void Configure(EntityTypeBuilder<TrackedReportEntity> e)
    {
        e.ToTable("feed_report_tickets");
        e.HasKey(x => x.Ticket);
        e.Property(x => x.Ticket).HasMaxLength(64);
        e.Property(x => x.RecipientId).HasMaxLength(200);
        e.Property(x => x.Email).HasMaxLength(254);
        e.Property(x => x.Language).HasMaxLength(16);
        e.HasIndex(x => new { x.OrganisationId, x.To });
        e.HasIndex(x => x.To);
        e.HasMany(x => x.Hosts).WithOne().HasForeignKey(x => x.Ticket).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class TrackedReportHostConfiguration : IEntityTypeConfiguration<TrackedReportHostEntity>
{
    public void Configure(EntityTypeBuilder<TrackedReportHostEntity> e)
    {
        e.ToTable("feed_report_hosts");
        e.HasKey(x => new { x.Ticket, x.HostId });
        e.Property(x => x.Ticket).HasMaxLength(64);
        e.HasIndex(x => x.HostId);
        e.HasOne(x => x.Host).WithMany().HasForeignKey(x => x.HostId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class CleanupCampaignConfiguration : IEntityTypeConfiguration<CleanupCampaignEntity>
{
    public void Configure(EntityTypeBuilder<CleanupCampaignEntity> e)
    {
        e.ToTable("cleanup_campaigns");
        e.HasKey(x => x.Id);
        e.Property(x => x.Name).HasMaxLength(200);
        e.Property(x => x.Description).HasMaxLength(4000);
        e.Property(x => x.Organisations).HasMaxLength(8000);
        e.Property(x => x.Taxonomy).HasMaxLength(64);
        e.Property(x => x.Type).HasMaxLength(64);
        e.Property(x => x.Malware).HasMaxLength(256);
        e.HasIndex(x => x.Start);
    }
}
