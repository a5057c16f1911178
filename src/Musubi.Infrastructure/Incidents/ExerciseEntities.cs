using Microsoft.EntityFrameworkCore;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Incidents;

/// <summary>One run of a scenario. The scenario text is kept as started, so a report always scores what was played.</summary>
public sealed class ExerciseRunEntity
{
    public Guid Id { get; set; }
    public required string ScenarioId { get; set; }
    public required string ScenarioText { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? EndedAt { get; set; }
    public Guid StartedByUserId { get; set; }
    public required string StartedByName { get; set; }
    public Guid StartedByOrganisationId { get; set; }
    public List<ExerciseParticipantEntity> Participants { get; set; } = [];
    public List<ExerciseDeliveryEntity> Deliveries { get; set; } = [];
}

public sealed class ExerciseParticipantEntity
{
    public Guid RunId { get; set; }
    public required string Role { get; set; }
    public Guid OrganisationId { get; set; }
}

/// <summary>An inject that was delivered; the unique key (run, inject) makes delivery happen once even on two nodes.</summary>
public sealed class ExerciseDeliveryEntity
{
    public Guid RunId { get; set; }
    public required string InjectId { get; set; }
    public DateTimeOffset DeliveredAt { get; set; }
    public Guid? IncidentId { get; set; }
}

internal static class ExerciseModel
{
    public static void Configure(ModelBuilder b)
    {
        b.Entity<ExerciseRunEntity>(e =>
        {
            e.ToTable("exercise_runs");
            e.HasKey(x => x.Id);
            e.Property(x => x.ScenarioId).HasMaxLength(100);
            e.Property(x => x.StartedByName).HasMaxLength(200);
            e.HasIndex(x => x.EndedAt);
            e.HasMany(x => x.Participants).WithOne().HasForeignKey(x => x.RunId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(x => x.Deliveries).WithOne().HasForeignKey(x => x.RunId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<ExerciseParticipantEntity>(e =>
        {
            e.ToTable("exercise_participants");
            e.HasKey(x => new { x.RunId, x.Role });
            e.Property(x => x.Role).HasMaxLength(100);
            e.HasOne<OrganisationEntity>().WithMany().HasForeignKey(x => x.OrganisationId).OnDelete(DeleteBehavior.Restrict);
        });
        b.Entity<ExerciseDeliveryEntity>(e =>
        {
            e.ToTable("exercise_deliveries");
            e.HasKey(x => new { x.RunId, x.InjectId });
            e.Property(x => x.InjectId).HasMaxLength(100);
        });
    }
}
