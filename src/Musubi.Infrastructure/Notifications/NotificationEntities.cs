using Microsoft.EntityFrameworkCore;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Notifications;

public enum EmailState
{
    /// <summary>No e-mail: no SMTP server configured or the user has no address.</summary>
    None,
    Pending,
    Sent,
    Failed,
}

/// <summary>One notification for one user. <see cref="DedupeKey"/> makes a repeated trigger (a deadline checked every minute) notify once.</summary>
public sealed class NotificationEntity
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public required string Kind { get; set; }
    public Guid? IncidentId { get; set; }
    public required string Text { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ReadAt { get; set; }
    public EmailState Email { get; set; }
    public int EmailAttempts { get; set; }
    public DateTimeOffset? EmailedAt { get; set; }
    public string? DedupeKey { get; set; }
    public bool IsExercise { get; set; }
}

internal static class NotificationModel
{
    public static void Configure(ModelBuilder b) =>
        b.Entity<NotificationEntity>(e =>
        {
            e.ToTable("notifications");
            e.HasKey(x => x.Id);
            e.Property(x => x.Kind).HasMaxLength(32);
            e.Property(x => x.Text).HasMaxLength(2000);
            e.Property(x => x.DedupeKey).HasMaxLength(200);
            e.Property(x => x.Email).HasConversion<string>().HasMaxLength(16);
            e.HasIndex(x => new { x.UserId, x.ReadAt });
            e.HasIndex(x => new { x.UserId, x.DedupeKey }).IsUnique();
            e.HasIndex(x => x.Email);
            e.HasOne<UserEntity>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
        });
}
