using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Musubi.Core.Sharing;

namespace Musubi.Infrastructure.Federation;

/// <summary>What a partner's remote end is.</summary>
public enum PartnerKind
{
    /// <summary>A TAXII 2.1 server: <see cref="PartnerEntity.Url"/> is the API root, plus a collection id.</summary>
    Taxii = 1,
    /// <summary>A MISP feed: <see cref="PartnerEntity.Url"/> is the folder holding manifest.json (pull only).</summary>
    MispFeed = 2,
}

public enum PartnerDirection
{
    Pull = 1,
    Push = 2,
    Both = 3,
}

/// <summary>How we authenticate to the partner's remote end.</summary>
public enum PartnerAuth
{
    None = 0,
    /// <summary>HTTP Basic with <see cref="PartnerEntity.UserName"/> and the secret.</summary>
    Basic = 1,
    /// <summary><c>Authorization: Bearer &lt;secret&gt;</c>.</summary>
    Bearer = 2,
    /// <summary><c>Authorization: &lt;secret&gt;</c> as is (a MISP automation key).</summary>
    Header = 3,
}

/// <summary>
/// A federation partner (docs/FEDERATION.md): a remote TAXII 2.1 collection or MISP feed, its agreement (the TLP
/// ceiling and the communities) and its status. The secret for the remote is protected with ASP.NET data protection
/// (it must be sent, so it cannot be hashed) and never returned or logged.
/// </summary>
public sealed class PartnerEntity
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    /// <summary>The partner's own account here (e.g. a foreign CSIRT): its principals are capped by the agreement.</summary>
    public Guid? OrganisationId { get; set; }
    public PartnerKind Kind { get; set; }
    public required string Url { get; set; }
    public string? CollectionId { get; set; }
    public PartnerAuth Auth { get; set; }
    public string? UserName { get; set; }
    public string? SecretProtected { get; set; }
    public PartnerDirection Direction { get; set; }
    public int IntervalMinutes { get; set; }
    /// <summary>The highest TLP the agreement allows us to send to (or serve) the partner.</summary>
    public Tlp Ceiling { get; set; }
    /// <summary>The TLP given to what we pull when the object carries no TLP marking (a marking can only raise it).</summary>
    public Tlp DefaultTlp { get; set; }
    /// <summary>Comma-separated community ids: the scope of what we pull, and the communities the partner may receive.</summary>
    public string Communities { get; set; } = "";
    public bool Enabled { get; set; } = true;
    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastAttemptAt { get; set; }
    public DateTimeOffset? LastSuccessAt { get; set; }
    public DateTimeOffset? LastErrorAt { get; set; }
    public string? LastError { get; set; }
    public long ObjectsPulled { get; set; }
    public long ObjectsPushed { get; set; }
    /// <summary>TAXII: the last <c>X-TAXII-Date-Added-Last</c> durably imported; MISP feed: the last event timestamp.</summary>
    public string? PullCheckpoint { get; set; }
    /// <summary>The last store row (stix_objects.id) considered for pushing.</summary>
    public long PushCheckpoint { get; set; }
    /// <summary>Per-object failures of the last run, JSON (at most <see cref="PartnerService.MaxFailuresKept"/>).</summary>
    public string? LastFailures { get; set; }

    public IReadOnlyList<Guid> CommunityIds() =>
        Communities.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Guid.Parse).ToList();

    public PartnerAgreement Agreement() => new(Ceiling, CommunityIds().ToHashSet());

    public bool Pulls => Direction is PartnerDirection.Pull or PartnerDirection.Both;

    public bool Pushes => Direction is PartnerDirection.Push or PartnerDirection.Both;
}

internal sealed class PartnerConfiguration : IEntityTypeConfiguration<PartnerEntity>
{
    public void Configure(EntityTypeBuilder<PartnerEntity> e)
    {
        e.ToTable("federation_partners");
        e.HasKey(x => x.Id);
        e.Property(x => x.Name).HasMaxLength(200);
        e.Property(x => x.Url).HasMaxLength(2000);
        e.Property(x => x.CollectionId).HasMaxLength(200);
        e.Property(x => x.UserName).HasMaxLength(200);
        e.Property(x => x.SecretProtected).HasMaxLength(8000);
        e.Property(x => x.Communities).HasMaxLength(4000);
        e.Property(x => x.LastError).HasMaxLength(2000);
        e.Property(x => x.PullCheckpoint).HasMaxLength(64);
        e.Property(x => x.Kind).HasConversion<int>();
        e.Property(x => x.Auth).HasConversion<int>();
        e.Property(x => x.Direction).HasConversion<int>();
        e.Property(x => x.Ceiling).HasConversion<int>();
        e.Property(x => x.DefaultTlp).HasConversion<int>();
        e.HasIndex(x => x.Name).IsUnique();
        e.HasIndex(x => x.OrganisationId);
        e.HasOne<Data.OrganisationEntity>().WithMany().HasForeignKey(x => x.OrganisationId).OnDelete(DeleteBehavior.SetNull);
    }
}
