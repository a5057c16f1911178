using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Feeds;

/// <summary>Where feed files come from: how they are collected, which parser reads them, and how the last run went.</summary>
public sealed class FeedSourceEntity
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    /// <summary>A parser type (<c>musubi feed types</c>), or null to recognise each file's format from its header.</summary>
    public string? Type { get; set; }
    /// <summary>upload, folder or http (docs/FEEDS.md).</summary>
    public required string Collector { get; set; }
    /// <summary>The URL (http) or the folder (folder); null otherwise.</summary>
    public string? Location { get; set; }
    /// <summary>How often the http collector fetches and the folder collector looks, in seconds.</summary>
    public int IntervalSeconds { get; set; }
    public bool Enabled { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastRunAt { get; set; }
    public DateTimeOffset? LastSuccessAt { get; set; }
    public string? LastError { get; set; }
    public long RowsAccepted { get; set; }
    public long RowsRejected { get; set; }
    /// <summary>HTTP collector: the validators of the last fetched body (conditional GET).</summary>
    public string? HttpETag { get; set; }
    public string? HttpLastModified { get; set; }
    /// <summary>Detections collector: the last alert time already turned into feed events; TAXII: the next added_after.</summary>
    public DateTimeOffset? Cursor { get; set; }
    /// <summary>
    /// The collector's or parser's own settings as JSON (docs/FEEDS.md): the column mapping of a generic-csv source,
    /// the partner and collection of a taxii source. Validated on save.
    /// </summary>
    public string? Options { get; set; }
}

/// <summary>Who receives reports: an e-mail address, the report language and the notification interval.</summary>
public sealed class FeedRecipientEntity
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    /// <summary>The organisation whose networks and ASNs route to this recipient, if any.</summary>
    public Guid? OrganisationId { get; set; }
    public required string Email { get; set; }
    public required string Language { get; set; }
    public int IntervalSeconds { get; set; }
    public bool Enabled { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A routing rule or inhibition; every condition given must hold. Lower <see cref="Position"/> first.</summary>
public sealed class FeedRuleEntity
{
    public Guid Id { get; set; }
    public int Position { get; set; }
    public Guid? OrganisationId { get; set; }
    public long? Asn { get; set; }
    public string? Taxonomy { get; set; }
    public string? Type { get; set; }
    public string? Feed { get; set; }
    /// <summary>Where matching events go; null for an inhibition.</summary>
    public Guid? RecipientId { get; set; }
    public bool Inhibit { get; set; }
    public string? Comment { get; set; }
}

/// <summary>The pipeline's settings (one row, id 1): the de-duplication key and window.</summary>
public sealed class FeedSettingsEntity
{
    public int Id { get; set; }
    /// <summary>Comma-separated names of <c>DedupFields</c>.</summary>
    public required string DedupKey { get; set; }
    public int DedupWindowSeconds { get; set; }
}

/// <summary>An imported prefix table (kind "pyasn" or "rir"): the file as given, parsed when the pipeline starts.</summary>
public sealed class FeedPrefixTableEntity
{
    public required string Kind { get; set; }
    public required string FileName { get; set; }
    public required byte[] Data { get; set; }
    public int Prefixes { get; set; }
    public DateTimeOffset ImportedAt { get; set; }
}

/// <summary>
/// A file a collector accepted. Stored before the collector answers; the work queue carries only its id.
/// State: queued → processed | failed.
/// </summary>
public sealed class FeedFileEntity
{
    public Guid Id { get; set; }
    public Guid SourceId { get; set; }
    public required string FileName { get; set; }
    public required string Sha256 { get; set; }
    /// <summary>The bytes, until the file is processed (then emptied: the report rows keep what matters).</summary>
    public required byte[] Data { get; set; }
    public long Length { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public required string State { get; set; }
    public DateTimeOffset? ProcessedAt { get; set; }
    public int Accepted { get; set; }
    public int Rejected { get; set; }
    public int Duplicates { get; set; }
    public int Routed { get; set; }
    /// <summary>The first rejected rows as "LINE: reason" lines, or why the file failed.</summary>
    public string? Errors { get; set; }
}

/// <summary>A routed row waiting in its recipient's open window: the durable copy of the aggregator's state.</summary>
public sealed class FeedWindowRowEntity
{
    public long Id { get; set; }
    public Guid RecipientId { get; set; }
    public DateTimeOffset WindowStart { get; set; }
    public DateTimeOffset WindowEnd { get; set; }
    public Guid FileId { get; set; }
    public int Line { get; set; }
    /// <summary>The row, encoded by <see cref="FeedRowCodec"/>.</summary>
    public required string Row { get; set; }
}

/// <summary>A de-duplication key seen (a 64-bit hash of the configured fields) and until when it suppresses repeats.</summary>
public sealed class FeedDedupKeyEntity
{
    public long Key { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>A closed window: one report to one recipient, with its rows (gzip of <see cref="FeedRowCodec"/> lines).</summary>
public sealed class FeedReportEntity
{
    public Guid Id { get; set; }
    public required string Ticket { get; set; }
    public Guid RecipientId { get; set; }
    public DateTimeOffset From { get; set; }
    public DateTimeOffset To { get; set; }
    public int RowCount { get; set; }
    public required byte[] Rows { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>pending, sending, sent, held (a send was interrupted: it may or may not have gone), failed.</summary>
    public required string State { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset? NextAttemptAt { get; set; }
    public DateTimeOffset? SendingSince { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public string? LastError { get; set; }
}

/// <summary>Per-day ticket counter: MSB-YYYYMMDD-NNNNNN.</summary>
public sealed class FeedTicketCounterEntity
{
    public int Day { get; set; }
    public int Last { get; set; }
}

internal sealed class FeedEntityConfiguration :
    IEntityTypeConfiguration<FeedSourceEntity>, IEntityTypeConfiguration<FeedRecipientEntity>, IEntityTypeConfiguration<FeedRuleEntity>,
    IEntityTypeConfiguration<FeedSettingsEntity>, IEntityTypeConfiguration<FeedPrefixTableEntity>, IEntityTypeConfiguration<FeedFileEntity>,
    IEntityTypeConfiguration<FeedWindowRowEntity>, IEntityTypeConfiguration<FeedDedupKeyEntity>, IEntityTypeConfiguration<FeedReportEntity>,
    IEntityTypeConfiguration<FeedTicketCounterEntity>
{
    public void Configure(EntityTypeBuilder<FeedSourceEntity> e)
    {
        e.ToTable("feed_sources");
        e.HasKey(x => x.Id);
        e.Property(x => x.Name).HasMaxLength(100);
        e.Property(x => x.Type).HasMaxLength(64);
        e.Property(x => x.Collector).HasMaxLength(16);
        e.Property(x => x.Location).HasMaxLength(2000);
        e.Property(x => x.LastError).HasMaxLength(2000);
        e.Property(x => x.HttpETag).HasMaxLength(500);
        e.Property(x => x.HttpLastModified).HasMaxLength(100);
        e.Property(x => x.Options).HasMaxLength(65536);
        e.HasIndex(x => x.Name).IsUnique();
    }

    public void Configure(EntityTypeBuilder<FeedRecipientEntity> e)
    {
        e.ToTable("feed_recipients");
        e.HasKey(x => x.Id);
        e.Property(x => x.Name).HasMaxLength(100);
        e.Property(x => x.Email).HasMaxLength(320);
        e.Property(x => x.Language).HasMaxLength(2);
        e.HasIndex(x => x.Name).IsUnique();
        e.HasIndex(x => x.OrganisationId);
        e.HasOne<OrganisationEntity>().WithMany().HasForeignKey(x => x.OrganisationId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<FeedRuleEntity> e)
    {
        e.ToTable("feed_rules");
        e.HasKey(x => x.Id);
        e.Property(x => x.Taxonomy).HasMaxLength(100);
        e.Property(x => x.Type).HasMaxLength(100);
        e.Property(x => x.Feed).HasMaxLength(200);
        e.Property(x => x.Comment).HasMaxLength(500);
        e.HasOne<FeedRecipientEntity>().WithMany().HasForeignKey(x => x.RecipientId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne<OrganisationEntity>().WithMany().HasForeignKey(x => x.OrganisationId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<FeedSettingsEntity> e)
    {
        e.ToTable("feed_settings");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).ValueGeneratedNever();
        e.Property(x => x.DedupKey).HasMaxLength(500);
    }

    public void Configure(EntityTypeBuilder<FeedPrefixTableEntity> e)
    {
        e.ToTable("feed_prefix_tables");
        e.HasKey(x => x.Kind);
        e.Property(x => x.Kind).HasMaxLength(16);
        e.Property(x => x.FileName).HasMaxLength(255);
    }

    public void Configure(EntityTypeBuilder<FeedFileEntity> e)
    {
        e.ToTable("feed_files");
        e.HasKey(x => x.Id);
        e.Property(x => x.FileName).HasMaxLength(255);
        e.Property(x => x.Sha256).HasMaxLength(64);
        e.Property(x => x.State).HasMaxLength(16);
        e.HasIndex(x => x.State);
        e.HasIndex(x => x.SourceId);
        e.HasOne<FeedSourceEntity>().WithMany().HasForeignKey(x => x.SourceId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<FeedWindowRowEntity> e)
    {
        e.ToTable("feed_window_rows");
        e.HasKey(x => x.Id);
        e.HasIndex(x => new { x.WindowEnd, x.RecipientId });
    }

    public void Configure(EntityTypeBuilder<FeedDedupKeyEntity> e)
    {
        e.ToTable("feed_dedup_keys");
        e.HasKey(x => x.Key);
        e.Property(x => x.Key).ValueGeneratedNever();
        e.HasIndex(x => x.ExpiresAt);
    }

    public void Configure(EntityTypeBuilder<FeedReportEntity> e)
    {
        e.ToTable("feed_reports");
        e.HasKey(x => x.Id);
        e.Property(x => x.Ticket).HasMaxLength(32);
        e.Property(x => x.State).HasMaxLength(16);
        e.Property(x => x.LastError).HasMaxLength(2000);
        e.HasIndex(x => x.Ticket).IsUnique();
        e.HasIndex(x => x.State);
        e.HasIndex(x => x.RecipientId);
    }

    public void Configure(EntityTypeBuilder<FeedTicketCounterEntity> e)
    {
        e.ToTable("feed_ticket_counters");
        e.HasKey(x => x.Day);
        e.Property(x => x.Day).ValueGeneratedNever();
    }
}
