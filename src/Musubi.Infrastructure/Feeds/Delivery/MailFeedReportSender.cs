using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using MimeKit;
using MimeKit.Cryptography;
using Musubi.Infrastructure.Notifications;

namespace Musubi.Infrastructure.Feeds.Delivery;

/// <summary>A report the transport did not accept; the pipeline retries it with the same ticket.</summary>
public sealed class FeedReportDeliveryException(string ticket, string message, Exception? inner = null)
    : Exception($"report {ticket}: {message}", inner)
{
    public string Ticket { get; } = ticket;
}

/// <summary>
/// Sends a report by e-mail through MailKit (<see cref="FeedReportMail"/>), signed with MimeKit as the recipient or the
/// deployment asks (<see cref="FeedDeliveryOptions.SignatureFor"/>): S/MIME with the PKCS#12 certificate, or PGP/MIME
/// (RFC 3156) with the OpenPGP secret key. Returns once the SMTP server accepted the message; throws otherwise. A recipient without
/// an address pulls its reports (portal, REST, TAXII): nothing is sent.
/// </summary>
public sealed class MailFeedReportSender(SmtpOptions smtp, FeedDeliveryOptions options, TimeProvider time, ILogger<MailFeedReportSender> log)
    : IFeedReportSender
{
    public async Task SendAsync(FeedReport report, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(report.Email))
        {
            log.LogInformation("report {Ticket} for {Recipient}: no e-mail address, the recipient pulls", report.Ticket, report.RecipientId);
            return;
        }

        if (!smtp.IsConfigured)
        {
            throw new FeedReportDeliveryException(report.Ticket, "no SMTP server is configured (Musubi:Smtp:Host)");
        }

        MimeMessage message;
        try
        {
            message = FeedReportMail.Build(report, string.IsNullOrWhiteSpace(options.From) ? smtp.From : options.From, options.ReplyTo, time.GetUtcNow());
        }
        catch (ParseException e)
        {
            throw new FeedReportDeliveryException(report.Ticket, "an address is not valid: " + e.Message, e);
        }

        var signature = options.SignatureFor(report.Email);
        message.Body = signature switch
        {
            ReportSignature.Smime => await SignAsync(message.Body!, cancellationToken),
            ReportSignature.OpenPgp => await SignOpenPgpAsync(message.Body!, cancellationToken),
            _ => message.Body!,
        };

        using var client = new SmtpClient();
        try
        {
            await client.ConnectAsync(smtp.Host!, smtp.Port, Security(smtp.Security), cancellationToken);
            if (!string.IsNullOrEmpty(smtp.UserName))
            {
                await client.AuthenticateAsync(smtp.UserName, smtp.Password ?? "", cancellationToken);
            }

            await client.SendAsync(message, cancellationToken);
            await client.DisconnectAsync(true, cancellationToken);
        }
        catch (Exception e) when (e is SmtpCommandException or SmtpProtocolException or IOException or System.Net.Sockets.SocketException
                                       or AuthenticationException or SslHandshakeException)
        {
            log.LogWarning("report {Ticket} not accepted by {Host}:{Port}: {Reason}", report.Ticket, smtp.Host, smtp.Port, e.Message);
            throw new FeedReportDeliveryException(report.Ticket, $"SMTP server {smtp.Host}:{smtp.Port} did not accept it: {e.Message}", e);
        }

        log.LogInformation("report {Ticket} ({Rows} rows) sent to {Recipient}{Signed}", report.Ticket, report.Rows.Count, report.RecipientId,
            signature switch { ReportSignature.Smime => ", S/MIME-signed", ReportSignature.OpenPgp => ", OpenPGP-signed", _ => "" });
    }

    private async Task<MimeEntity> SignAsync(MimeEntity body, CancellationToken ct)
    {
        CmsSigner signer;
        try
        {
            await using var pkcs12 = File.OpenRead(options.SigningCertificatePath!);
            signer = new CmsSigner(pkcs12, options.SigningCertificatePassword ?? "") { DigestAlgorithm = DigestAlgorithm.Sha256 };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or FormatException
                                       or Org.BouncyCastle.Security.SecurityUtilityException or Org.BouncyCastle.Pkcs.PkcsException
                                       or Org.BouncyCastle.Crypto.CryptoException)
        {
            // The password is never part of the message.
            throw new InvalidOperationException($"{FeedDeliveryOptions.Section}:SigningCertificatePath: cannot read a certificate with a private key ({e.GetType().Name})", e);
        }

        using var context = new TemporarySecureMimeContext();
        return await MultipartSigned.CreateAsync(context, signer, body, ct);
    }

    private async Task<MimeEntity> SignOpenPgpAsync(MimeEntity body, CancellationToken ct)
    {
        const string Setting = FeedDeliveryOptions.Section + ":OpenPgpSecretKeyPath";
        Org.BouncyCastle.Bcpg.OpenPgp.PgpSecretKey key;
        try
        {
            key = OpenPgpSigningKey.Load(options.OpenPgpSecretKeyPath!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Org.BouncyCastle.Bcpg.OpenPgp.PgpException)
        {
            throw new InvalidOperationException($"{Setting}: cannot read an OpenPGP secret key that can sign ({e.GetType().Name}: {e.Message})", e);
        }

        // The context only unlocks the given key; its key-ring folder stays empty (nothing is imported or written).
        var home = Directory.CreateTempSubdirectory("musubi-openpgp-");
        try
        {
            using var context = new PassphraseOpenPgpContext(home.FullName, options.OpenPgpPassphrase ?? "");
            return await MultipartSigned.CreateAsync(context, key, DigestAlgorithm.Sha256, body, ct);
        }
        catch (Exception e) when (e is Org.BouncyCastle.Bcpg.OpenPgp.PgpException or UnauthorizedAccessException)
        {
            // MimeKit reports a passphrase that does not unlock the key as UnauthorizedAccessException.
            // The passphrase is never part of the message.
            throw new InvalidOperationException($"{Setting}: the configured passphrase does not unlock key {key.KeyId:X16} ({e.GetType().Name})", e);
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }

    /// <summary>A GnuPG context on an empty folder whose only secret is the configured passphrase.</summary>
    private sealed class PassphraseOpenPgpContext(string home, string passphrase) : GnuPGContext(home)
    {
        protected override string GetPasswordForKey(Org.BouncyCastle.Bcpg.OpenPgp.PgpSecretKey key) => passphrase;
    }

    private static SecureSocketOptions Security(string mode) => mode.ToLowerInvariant() switch
    {
        "none" => SecureSocketOptions.None,
        "tls" => SecureSocketOptions.SslOnConnect,
        "starttls" => SecureSocketOptions.StartTls,
        _ => SecureSocketOptions.StartTlsWhenAvailable,
    };
}
