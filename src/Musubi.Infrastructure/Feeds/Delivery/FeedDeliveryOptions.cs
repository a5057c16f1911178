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

    /// <summary>
    /// An ASCII-armoured OpenPGP secret key (<c>gpg --export-secret-keys --armor</c>) whose key (or signing subkey)
    /// signs reports as PGP/MIME (RFC 3156); none when empty.
    /// </summary>
    public string? OpenPgpSecretKeyPath { get; set; }

    /// <summary>The passphrase of the OpenPGP secret key. Never logged.</summary>
    public string? OpenPgpPassphrase { get; set; }

    /// <summary>
    /// How reports are signed unless the recipient says otherwise: <c>auto</c> (the default: S/MIME when a certificate
    /// is configured, else OpenPGP when a key is, else unsigned), <c>smime</c>, <c>openpgp</c> or <c>none</c>.
    /// </summary>
    public string Signature { get; set; } = "auto";

    /// <summary>
    /// Recipients' own preferences, by e-mail address (case does not matter): <c>smime</c>, <c>openpgp</c> or <c>none</c>.
    /// E.g. <c>Musubi:FeedDelivery:RecipientSignatures:abuse@isp.example.jp = openpgp</c>.
    /// </summary>
    public Dictionary<string, string> RecipientSignatures { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How the report for <paramref name="email"/> is signed: the recipient's preference, else the deployment's.</summary>
    public ReportSignature SignatureFor(string? email)
    {
        if (!string.IsNullOrWhiteSpace(email))
        {
            foreach (var (address, method) in RecipientSignatures)
            {
                if (string.Equals(address.Trim(), email.Trim(), StringComparison.OrdinalIgnoreCase))
                {
                    return Parse(method, $"RecipientSignatures:{address}") ?? DefaultSignature;
                }
            }
        }

        return DefaultSignature;
    }

    private ReportSignature DefaultSignature => Parse(Signature, nameof(Signature)) ?? (
        !string.IsNullOrWhiteSpace(SigningCertificatePath) ? ReportSignature.Smime
        : !string.IsNullOrWhiteSpace(OpenPgpSecretKeyPath) ? ReportSignature.OpenPgp
        : ReportSignature.None);

    /// <returns>Null for "auto".</returns>
    private static ReportSignature? Parse(string? method, string key) => (method ?? "auto").Trim().ToLowerInvariant() switch
    {
        "auto" or "" => null,
        "smime" or "s/mime" => ReportSignature.Smime,
        "openpgp" or "pgp" => ReportSignature.OpenPgp,
        "none" => ReportSignature.None,
        _ => throw new InvalidOperationException($"{Section}:{key}: '{method}' is not a signature method (auto, smime, openpgp, none)"),
    };

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

        if (!string.IsNullOrWhiteSpace(OpenPgpSecretKeyPath) && !File.Exists(OpenPgpSecretKeyPath))
        {
            throw new InvalidOperationException($"{Section}:OpenPgpSecretKeyPath: no file at {OpenPgpSecretKeyPath}");
        }

        foreach (var (key, method) in RecipientSignatures.Select(p => ($"RecipientSignatures:{p.Key}", p.Value)).Prepend((nameof(Signature), Signature)))
        {
            var wanted = Parse(method, key);
            if (wanted == ReportSignature.Smime && string.IsNullOrWhiteSpace(SigningCertificatePath))
            {
                throw new InvalidOperationException($"{Section}:{key} asks for S/MIME but no SigningCertificatePath is configured");
            }

            if (wanted == ReportSignature.OpenPgp && string.IsNullOrWhiteSpace(OpenPgpSecretKeyPath))
            {
                throw new InvalidOperationException($"{Section}:{key} asks for OpenPGP but no OpenPgpSecretKeyPath is configured");
            }
        }
    }
}

/// <summary>How a report e-mail is signed.</summary>
public enum ReportSignature
{
    None,

    /// <summary>S/MIME <c>multipart/signed</c> (application/pkcs7-signature) with the PKCS#12 certificate.</summary>
    Smime,

    /// <summary>PGP/MIME <c>multipart/signed</c> (application/pgp-signature, RFC 3156) with the OpenPGP secret key.</summary>
    OpenPgp,
}
