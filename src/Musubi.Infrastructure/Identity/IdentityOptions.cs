namespace Musubi.Infrastructure.Identity;

/// <summary>Configuration section "Musubi:Identity".</summary>
public sealed class IdentityOptions
{
    public const string Section = "Musubi:Identity";

    /// <summary>OWASP's minimum for Argon2id is 19 MiB, 2 iterations, 1 lane.</summary>
    public int Argon2MemoryKiB { get; set; } = 19 * 1024;

    public int Argon2Iterations { get; set; } = 2;

    public int LockoutThreshold { get; set; } = 5;

    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    public int DefaultTokenLifetimeDays { get; set; } = 90;

    public int MaxTokenLifetimeDays { get; set; } = 366;

    /// <summary>Lifetime of a token issued by POST /api/v1/auth/sign-in.</summary>
    public TimeSpan SignInTokenLifetime { get; set; } = TimeSpan.FromHours(12);

    public string TotpIssuer { get; set; } = "Musubi";
}
