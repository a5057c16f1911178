namespace Musubi.Infrastructure.Setup;

/// <summary>Configuration section "Musubi:Setup": what a new database starts with.</summary>
public sealed class InitialiseOptions
{
    public const string Section = "Musubi:Setup";

    public string NationalCentreName { get; set; } = "National Cybersecurity Coordination Centre";

    public string NationalCentreNameJa { get; set; } = "国家サイバーセキュリティ調整センター";

    public string Country { get; set; } = "JP";

    /// <summary>From MUSUBI_ADMIN_PASSWORD; when empty a password is generated and shown once.</summary>
    public string? AdminPassword { get; set; }
}
