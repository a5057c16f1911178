using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using MimeKit.Cryptography;
using Musubi.Infrastructure.Feeds.Delivery;
using Musubi.Infrastructure.Notifications;
using Musubi.Testing;
using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;

namespace Musubi.Infrastructure.Tests.Feeds;

/// <summary>
/// PGP/MIME (RFC 3156) signing of report mails with the deployment's OpenPGP key: the message the in-process SMTP
/// server receives verifies with the public key alone (MimeKit's verification), a changed body does not, and a
/// recipient's preference wins over the deployment's default.
/// </summary>
public sealed class FeedReportOpenPgpTests : IDisposable
{
    private const string Passphrase = "pgp-passphrase-5150";
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("musubi-openpgp-test-");
    private readonly string _secretKeyPath;
    private readonly byte[] _publicKey;

    public FeedReportOpenPgpTests()
    {
        // A key pair made with MimeKit's own generator in a throwaway key ring; the sender sees only the armoured file.
        using var maker = new KeyRingContext(Path.Combine(_dir.FullName, "maker"));
        maker.GenerateKeyPair(new MailboxAddress("Musubi reports", "reports@ncc.example.jp"), Passphrase, DateTime.UtcNow.AddYears(1));
        _secretKeyPath = Path.Combine(_dir.FullName, "reports.asc");
        using (var file = File.Create(_secretKeyPath))
        using (var armour = new ArmoredOutputStream(file))
        {
            maker.SecretKeyRingBundle.Encode(armour);
        }

        using var publicKey = new MemoryStream();
        maker.Export(maker.PublicKeyRingBundle, publicKey, armor: true, None);
        _publicKey = publicKey.ToArray();
    }

    public void Dispose() => _dir.Delete(recursive: true);

    private MailFeedReportSender Sender(int port, FeedDeliveryOptions options)
    {
        options.Validate();
        return new(new SmtpOptions { Host = "127.0.0.1", Port = port, Security = "none", From = "reports@ncc.example.jp" },
            options, new FakeTimeProvider(Now), NullLogger<MailFeedReportSender>.Instance);
    }

    private KeyRingContext Verifier(string name)
    {
        var verifier = new KeyRingContext(Path.Combine(_dir.FullName, name));
        using var stream = new MemoryStream(_publicKey);
        verifier.Import(stream, None);
        return verifier;
    }

    private static bool Verifies(IDigitalSignature signature)
    {
        try
        {
            return signature.Verify();
        }
        catch (DigitalSignatureVerifyException)
        {
            return false;
        }
    }

    [Fact]
    public async Task A_report_signed_with_the_openpgp_key_verifies_with_the_public_key_and_a_changed_body_does_not()
    {
        await using var smtp = SmtpSink.Start();
        var report = FeedReportSenderTests.Report("MSB-2026-000201", "ja");
        await Sender(smtp.Port, new FeedDeliveryOptions { OpenPgpSecretKeyPath = _secretKeyPath, OpenPgpPassphrase = Passphrase }).SendAsync(report, None);

        var mail = Assert.Single(await smtp.WaitForAsync(1));
        var signed = Assert.IsType<MultipartSigned>(mail.Body);
        Assert.Equal("application/pgp-signature", signed.ContentType.Parameters["protocol"]);
        Assert.StartsWith("pgp-sha256", signed.ContentType.Parameters["micalg"], StringComparison.Ordinal);
        Assert.Equal("application/pgp-signature", signed[1].ContentType.MimeType);
        Assert.Contains(mail.Attachments.OfType<MimePart>(), p => p.FileName == "musubi-MSB-2026-000201.csv");

        using (var verifier = Verifier("verify"))
        {
            var signature = Assert.Single(await signed.VerifyAsync(verifier, None));
            Assert.True(Verifies(signature));
            var signer = Assert.IsType<OpenPgpDigitalCertificate>(signature.SignerCertificate);
            Assert.Equal("reports@ncc.example.jp", signer.Email);
        }

        // One character more in the text: the same signature no longer verifies.
        ((TextPart)((Multipart)signed[0])[0]).Text += "!";
        using (var verifier = Verifier("verify-tampered"))
        {
            var again = Assert.Single(await signed.VerifyAsync(verifier, None));
            Assert.False(Verifies(again));
        }
    }

    [Fact]
    public async Task A_recipient_preference_wins_over_the_deployment_default()
    {
        await using var smtp = SmtpSink.Start();
        var options = new FeedDeliveryOptions
        {
            OpenPgpSecretKeyPath = _secretKeyPath, OpenPgpPassphrase = Passphrase, Signature = "openpgp",
            RecipientSignatures = new(StringComparer.OrdinalIgnoreCase) { ["ABUSE@plain.example.jp"] = "none" },
        };
        await Sender(smtp.Port, options).SendAsync(FeedReportSenderTests.Report("MSB-2026-000202", "en", "abuse@plain.example.jp"), None);
        await Sender(smtp.Port, options).SendAsync(FeedReportSenderTests.Report("MSB-2026-000203", "en", "abuse@signed.example.jp"), None);

        var mails = await smtp.WaitForAsync(2);
        Assert.IsNotType<MultipartSigned>(mails.Single(m => m.Subject!.Contains("000202", StringComparison.Ordinal)).Body);
        Assert.IsType<MultipartSigned>(mails.Single(m => m.Subject!.Contains("000203", StringComparison.Ordinal)).Body);
        Assert.Equal(ReportSignature.None, options.SignatureFor("Abuse@Plain.Example.JP"));
        Assert.Equal(ReportSignature.OpenPgp, options.SignatureFor(null));
    }

    [Fact]
    public async Task A_wrong_passphrase_fails_without_naming_it()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Sender(FreePort.Get(), new FeedDeliveryOptions { OpenPgpSecretKeyPath = _secretKeyPath, OpenPgpPassphrase = "not-the-passphrase-31" })
                .SendAsync(FeedReportSenderTests.Report("MSB-2026-000204", "en"), None));
        Assert.Contains("OpenPgpSecretKeyPath", e.Message);
        Assert.DoesNotContain("not-the-passphrase-31", e.ToString());
    }

    [Fact]
    public void A_method_without_its_key_or_an_unknown_method_is_refused_at_start()
    {
        Assert.Contains("OpenPgpSecretKeyPath", Assert.Throws<InvalidOperationException>(() => new FeedDeliveryOptions { Signature = "openpgp" }.Validate()).Message);
        Assert.Contains("RecipientSignatures:a@b.example",
            Assert.Throws<InvalidOperationException>(() => new FeedDeliveryOptions { RecipientSignatures = new() { ["a@b.example"] = "smime" } }.Validate()).Message);
        Assert.Contains("'gpg'", Assert.Throws<InvalidOperationException>(() => new FeedDeliveryOptions { Signature = "gpg" }.Validate()).Message);
        Assert.Equal(ReportSignature.None, new FeedDeliveryOptions().SignatureFor("a@b.example"));
        Assert.Equal(ReportSignature.OpenPgp, new FeedDeliveryOptions { OpenPgpSecretKeyPath = _secretKeyPath }.SignatureFor("a@b.example"));
    }

    [Fact]
    public void A_file_without_a_secret_key_is_refused()
    {
        var path = Path.Combine(_dir.FullName, "public.asc");
        File.WriteAllBytes(path, _publicKey);
        Assert.ThrowsAny<PgpException>(() => OpenPgpSigningKey.Load(path));
        Assert.True(OpenPgpSigningKey.Load(_secretKeyPath).IsSigningKey);
    }

    private sealed class KeyRingContext(string home) : GnuPGContext(home)
    {
        protected override string GetPasswordForKey(PgpSecretKey key) => Passphrase;
    }
}
