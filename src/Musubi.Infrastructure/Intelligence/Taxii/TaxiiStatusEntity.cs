using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Musubi.Infrastructure.Intelligence.Taxii;

/// <summary>The status of one TAXII add-objects request (TAXII 2.1 §4.3), kept so clients can ask for it again.</summary>
public sealed class TaxiiStatusEntity
{
    public Guid Id { get; set; }
    public Guid OrganisationId { get; set; }
    public Guid UserId { get; set; }
    public Guid CollectionId { get; set; }
    public DateTimeOffset RequestTimestamp { get; set; }
    /// <summary>The status resource as JSON (successes and failures with their messages).</summary>
    public required string Json { get; set; }
}

internal sealed class TaxiiStatusConfiguration : IEntityTypeConfiguration<TaxiiStatusEntity>
{
    public void Configure(EntityTypeBuilder<TaxiiStatusEntity> e)
    {
        e.ToTable("taxii_statuses");
        e.HasKey(x => x.Id);
        e.HasIndex(x => x.RequestTimestamp);
    }
}
