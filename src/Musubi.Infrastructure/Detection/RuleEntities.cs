using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Musubi.Infrastructure.Detection;

/// <summary>
/// An uploaded set of Sigma rules (one YAML file or a zip of them). <see cref="Enabled"/> switches it on; it then applies
/// to every organisation when <see cref="AllOrganisations"/>, else to the organisations and sectors in its targets.
/// </summary>
public sealed class SigmaRuleSetEntity
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public DateTimeOffset UploadedAt { get; set; }
    public required string UploadedBy { get; set; }
    public bool Enabled { get; set; }
    public bool AllOrganisations { get; set; }
    public int RuleCount { get; set; }
    public int FailedCount { get; set; }
    public List<SigmaRuleEntity> Rules { get; set; } = [];
    public List<SigmaRuleSetTargetEntity> Targets { get; set; } = [];
}

/// <summary>One YAML document of a rule set as uploaded, with its load error (null when it loaded).</summary>
public sealed class SigmaRuleEntity
{
    public long Id { get; set; }
    public Guid RuleSetId { get; set; }
    public required string FileName { get; set; }
    public string? RuleId { get; set; }
    public string? Title { get; set; }
    public string? Level { get; set; }
    public required string Yaml { get; set; }
    public string? Error { get; set; }
}

/// <summary>Where a rule set applies: an organisation (<c>organisation</c>, its id) or a sector (<c>sector</c>, its id).</summary>
public sealed class SigmaRuleSetTargetEntity
{
    public long Id { get; set; }
    public Guid RuleSetId { get; set; }
    public required string Kind { get; set; }
    public required string Value { get; set; }
}

internal sealed class SigmaRuleSetConfiguration : IEntityTypeConfiguration<SigmaRuleSetEntity>
{
    public void Configure(EntityTypeBuilder<SigmaRuleSetEntity> e)
    {
        e.ToTable("sigma_rule_sets");
        e.HasKey(x => x.Id);
        e.Property(x => x.Name).HasMaxLength(200);
        e.Property(x => x.UploadedBy).HasMaxLength(200);
        e.HasIndex(x => x.Name).IsUnique();
        e.HasMany(x => x.Rules).WithOne().HasForeignKey(r => r.RuleSetId).OnDelete(DeleteBehavior.Cascade);
        e.HasMany(x => x.Targets).WithOne().HasForeignKey(t => t.RuleSetId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class SigmaRuleConfiguration : IEntityTypeConfiguration<SigmaRuleEntity>
{
    public void Configure(EntityTypeBuilder<SigmaRuleEntity> e)
    {
        e.ToTable("sigma_rules");
        e.HasKey(x => x.Id);
        e.Property(x => x.FileName).HasMaxLength(500);
        e.Property(x => x.RuleId).HasMaxLength(200);
        e.Property(x => x.Title).HasMaxLength(500);
        e.Property(x => x.Level).HasMaxLength(32);
        e.Property(x => x.Error).HasMaxLength(2000);
        e.HasIndex(x => x.RuleSetId);
    }
}

internal sealed class SigmaRuleSetTargetConfiguration : IEntityTypeConfiguration<SigmaRuleSetTargetEntity>
{
    public void Configure(EntityTypeBuilder<SigmaRuleSetTargetEntity> e)
    {
        e.ToTable("sigma_rule_set_targets");
        e.HasKey(x => x.Id);
        e.Property(x => x.Kind).HasMaxLength(32);
        e.Property(x => x.Value).HasMaxLength(100);
        e.HasIndex(x => new { x.RuleSetId, x.Kind, x.Value }).IsUnique();
    }
}
