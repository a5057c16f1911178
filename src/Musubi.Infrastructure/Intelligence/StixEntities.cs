using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Musubi.Core.Sharing;

namespace Musubi.Infrastructure.Intelligence;

/// <summary>
/// One version of one STIX object: the original JSON (<see cref="Raw"/>, returned byte for byte) and the fields that
/// search and the access policy need. Versions are keyed by <see cref="VersionKey"/> (<c>modified</c>, else
/// <c>created</c>, padded to nanoseconds so it sorts as text); all versions are kept.
/// </summary>
public sealed class StixObjectEntity
{
    public long Id { get; set; }
    public required string StixId { get; set; }
    public required string Type { get; set; }
    /// <summary>The sortable version key; empty for objects that have no versions (most SCOs).</summary>
    public required string VersionKey { get; set; }
    /// <summary>The <c>modified</c> (else <c>created</c>) text as the producer wrote it.</summary>
    public string? Modified { get; set; }
    public DateTimeOffset? ModifiedAt { get; set; }
    public DateTimeOffset? CreatedAt { get; set; }
    public string? CreatedByRef { get; set; }
    public string? Name { get; set; }
    public bool Revoked { get; set; }
    /// <summary>The newest version of its id (by <see cref="VersionKey"/>).</summary>
    public bool IsLatest { get; set; }
    public Tlp Tlp { get; set; }
    /// <summary>The organisation that published it here: it always sees its own objects.</summary>
    public Guid CreatorOrganisationId { get; set; }
    public bool PublishedToPublicFeed { get; set; }
    public DateTimeOffset DateAdded { get; set; }
    public required string Raw { get; set; }
    public List<StixTermEntity> Terms { get; set; } = [];
}

/// <summary>
/// Indexed terms of an object version, one row each: labels, indicator values, and the sharing scope (communities,
/// organisations and, for TLP:RED, users), so that search can filter in SQL before the access policy decides.
/// </summary>
public sealed class StixTermEntity
{
    public long Id { get; set; }
    public long ObjectId { get; set; }
    public StixTermKind Kind { get; set; }
    public required string Value { get; set; }
    /// <summary>For indicator values, the object path (<c>ipv4-addr:value</c>).</summary>
    public string? Path { get; set; }
}

public enum StixTermKind
{
    Label = 1,
    IndicatorValue = 2,
    ScopeCommunity = 3,
    ScopeOrganisation = 4,
    ScopeUser = 5,
    /// <summary>An embedded reference (<c>*_ref</c>/<c>*_refs</c> other than markings and creator): value the target id, path where.</summary>
    Reference = 6,
    /// <summary>On a sanitised copy: the id of the original it was derived from. Never part of the object's JSON.</summary>
    DerivedFrom = 7,
}

internal sealed class StixObjectConfiguration : IEntityTypeConfiguration<StixObjectEntity>
{
    public void Configure(EntityTypeBuilder<StixObjectEntity> e)
    {
        e.ToTable("stix_objects");
        e.HasKey(x => x.Id);
        e.Property(x => x.StixId).HasMaxLength(300);
        e.Property(x => x.Type).HasMaxLength(250);
        e.Property(x => x.VersionKey).HasMaxLength(64);
        // The producer's own text: STIX 2.1 §3.2 allows any number of sub-second digits, so no length limit (the sortable
        // VersionKey is cut to nanoseconds and stays short).
        e.Property(x => x.Modified);
        e.Property(x => x.CreatedByRef).HasMaxLength(300);
        e.Property(x => x.Name).HasMaxLength(500);
        e.Property(x => x.Tlp).HasConversion<int>();
        e.HasIndex(x => new { x.StixId, x.VersionKey }).IsUnique();
        e.HasIndex(x => new { x.Type, x.IsLatest });
        e.HasIndex(x => x.ModifiedAt);
        e.HasIndex(x => x.CreatedByRef);
        e.HasIndex(x => x.DateAdded);
        // TAXII get objects with match[type]: the rows of one type in (date_added, id) order straight from the index,
        // instead of sorting every row of the type for each page.
        e.HasIndex(x => new { x.Type, x.DateAdded, x.Id });
        e.HasMany(x => x.Terms).WithOne().HasForeignKey(t => t.ObjectId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class StixTermConfiguration : IEntityTypeConfiguration<StixTermEntity>
{
    public void Configure(EntityTypeBuilder<StixTermEntity> e)
    {
        e.ToTable("stix_terms");
        e.HasKey(x => x.Id);
        e.Property(x => x.Kind).HasConversion<int>();
        e.Property(x => x.Value).HasMaxLength(1000);
        e.Property(x => x.Path).HasMaxLength(500);
        e.HasIndex(x => new { x.Kind, x.Value });
        e.HasIndex(x => x.ObjectId);
    }
}
