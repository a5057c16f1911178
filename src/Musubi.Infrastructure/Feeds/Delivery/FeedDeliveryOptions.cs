namespace Musubi.Infrastructure.Feeds.Delivery;

/// <summary>
/// Report e-mail and clean-up tracking (<c>Musubi:FeedDelivery:*</c>). The SMTP transport itself is <c>Musubi:Smtp</c>.
/// </summary>
public sealed class FeedDeliveryOptions
{
    public const string Section = "Musubi:FeedDelivery";

    /// <summary>Sender of reports; the SMTP sender address (<c>Musubi:Smtp:From</c>) when empty.</summary>
    public string? From { get; set; }

    /// <summary>Where replies go (the abuse desk's mailbox); none when empty, so replies go to <see cref="From"/>.</summary>
    public string? ReplyTo { get; set; }

    /// <summary>A PKCS#12 file (.p12/.pfx) with the certificate and private key that sign reports (S/MIME); unsigned when empty.</summary>
    public string? SigningCertificatePath { get; set; }

    /// <summary>The PKCS#12 password. Never logged.</summary>
    public string? SigningCertificatePassword { get; set; }

    /// <summary>A host counts as cleaned when it has not been observed again for this many days.</summary>
    public int CleanedAfterDays { get; set; } = 30;

    /// <summary>How often the clean-up job evaluates the rule.</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromHours(1);

    public TimeSpan CleanedAfter => TimeSpan.FromDays(CleanedAfterDays);

    /// <summary>Refuses a configuration that cannot work, at start rather than at the first report.</summary>
    public void Validate()
    {
        if (CleanedAfterDays is < 1 or > 3650)
        {
            throw new InvalidOperationException($"{Section}:CleanedAfterDays must be between 1 and 3650 (is {CleanedAfterDays})");
        }

        if (CleanupInterval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{Section}:CleanupInterval must be positive");
        }

        if (!string.IsNullOrWhiteSpace(SigningCertificatePath) && !File.Exists(SigningCertificatePath))
        {
            throw new InvalidOperationException($"{Section}:SigningCertificatePath: no file at {SigningCertificatePath}");
        }
    }
}
