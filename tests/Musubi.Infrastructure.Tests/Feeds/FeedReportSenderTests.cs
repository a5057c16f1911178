using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using MimeKit.Cryptography;
using Musubi.Infrastructure.Feeds;
using Musubi.Infrastructure.Feeds.Delivery;
using Musubi.Infrastructure.Notifications;
using Musubi.Testing;

namespace Musubi.Infrastructure.Tests.Feeds;

public sealed class FeedReportSenderTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    internal static FeedReport Report(string ticket, string language, string? email = "abuse@isp-a.example.jp") => new(
        ticket, "org:isp-a", Guid.NewGuid(), email, language, Now.AddHours(-1), Now,
        [
            new FeedReportRow(Now.AddMinutes(-50), "192.0.2.10", 445, 64500, null, "JP", "malicious-code", "infected-system", "conficker", "Shadowserver sinkhole", null),
            new FeedReportRow(Now.AddMinutes(-40), "192.0.2.11", null, 64500, "host-1.isp-a.example.jp", "JP", "malicious-code", "infected-system", "=cmd|' /C calc'!A0", "Shadowserver sinkhole", null),
            new FeedReportRow(null, "2001:db8::7", 23, null, "@evil, \"quoted\"", null, "vulnerable", "vulnerable-system", null, "-feed+", null),
        ]);

    private static MailFeedReportSender Sender(int port, FeedDeliveryOptions? options = null) =>
        new(new SmtpOptions { Host = "127.0.0.1", Port = port, Security = "none", From = "reports@ncc.example.jp" },
            options ?? new FeedDeliveryOptions { ReplyTo = "abuse-desk@ncc.example.jp" }, new FakeTimeProvider(Now), NullLogger<MailFeedReportSender>.Instance);

    [Fact]
    public async Task A_japanese_and_an_english_report_arrive_with_the_ticket_and_their_rows_as_csv()
    {
        await using var smtp = SmtpSink.Start();
        var ja = Report("MSB-2026-000101", "ja");
        var en = Report("MSB-2026-000102", "en");
        await Sender(smtp.Port).SendAsync(ja, None);
        await Sender(smtp.Port).SendAsync(en, None);

        var messages = await smtp.WaitForAsync(2);
        Assert.Equal(2, messages.Count);
        var jaMail = messages.Single(m => m.Subject!.Contains("MSB-2026-000101", StringComparison.Ordinal));
        Assert.Equal("[Musubi MSB-2026-000101] 感染端末のお知らせ", jaMail.Subject);
        Assert.Equal("report.MSB-2026-000101@ncc.example.jp", jaMail.MessageId);
        Assert.Equal("MSB-2026-000101", jaMail.Headers[FeedReportMail.TicketHeader]);
        Assert.Equal("abuse-desk@ncc.example.jp", jaMail.ReplyTo.Mailboxes.Single().Address);
        Assert.Equal("abuse@isp-a.example.jp", jaMail.To.Mailboxes.Single().Address);
        var jaText = jaMail.TextBody!;
        Assert.Contains("チケット番号: MSB-2026-000101", jaText);
        Assert.Contains("3 件 (端末 3 台)", jaText);
        Assert.Contains("2026-11-25 09:00 – 2026-11-25 10:00 UTC", jaText);
        Assert.Contains("infected-system / conficker: 1 件, 1 台", jaText);
        Assert.DoesNotContain("Dear abuse team", jaText);

        var enMail = messages.Single(m => m.Subject!.Contains("MSB-2026-000102", StringComparison.Ordinal));
        Assert.Equal("[Musubi MSB-2026-000102] Infected hosts in your network", enMail.Subject);
        var enText = enMail.TextBody!;
        Assert.Contains("Ticket:   MSB-2026-000102", enText);
        Assert.Contains("Rows:     3 (3 hosts)", enText);
        Assert.Contains("keep the ticket [Musubi MSB-2026-000102] in the subject", enText);

        foreach (var (mail, report) in new[] { (jaMail, ja), (enMail, en) })
        {
            var attachment = Assert.Single(mail.Attachments.OfType<MimePart>());
            Assert.Equal($"musubi-{report.Ticket}.csv", attachment.FileName);
            Assert.Equal(Expected(report.Rows), ReadCsv(attachment));
        }
    }

    [Fact]
    public void Cells_a_spreadsheet_would_run_as_formulas_are_escaped()
    {
        Assert.Equal("'=1+2", FeedReportCsv.Cell("=1+2"));
        Assert.Equal("'+31", FeedReportCsv.Cell("+31"));
        Assert.Equal("'-2", FeedReportCsv.Cell("-2"));
        Assert.Equal("'@SUM(A1)", FeedReportCsv.Cell("@SUM(A1)"));
        Assert.Equal("\"'@a,b\"", FeedReportCsv.Cell("@a,b"));
        Assert.Equal("\"say \"\"hi\"\"\"", FeedReportCsv.Cell("say \"hi\""));
        Assert.Equal("conficker", FeedReportCsv.Cell("conficker"));
        Assert.Equal("a-b", FeedReportCsv.Cell("a-b"));
    }

    [Fact]
    public async Task A_signed_report_verifies_against_the_configured_certificate()
    {
        await using var smtp = SmtpSink.Start();
        var dir = Directory.CreateTempSubdirectory("musubi-smime-");
        var path = Path.Combine(dir.FullName, "signing.p12");
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=Musubi reports, E=reports@ncc.example.jp", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(System.Security.Cryptography.X509Certificates.X509KeyUsageFlags.DigitalSignature, true));
        using var certificate = request.CreateSelfSigned(Now.AddDays(-1), Now.AddYears(1));
        await File.WriteAllBytesAsync(path, certificate.Export(X509ContentType.Pkcs12, "p12-secret"), None);

        var report = Report("MSB-2026-000103", "en");
        await Sender(smtp.Port, new FeedDeliveryOptions { SigningCertificatePath = path, SigningCertificatePassword = "p12-secret" }).SendAsync(report, None);

        var mail = Assert.Single(await smtp.WaitForAsync(1));
        var signed = Assert.IsType<MultipartSigned>(mail.Body);
        using var context = new TemporarySecureMimeContext();
        var signature = Assert.Single(await signed.VerifyAsync(context, None));
        Assert.True(signature.Verify(verifySignatureOnly: true));
        var signer = Assert.IsType<SecureMimeDigitalCertificate>(signature.SignerCertificate);
        Assert.Equal(certificate.RawData, signer.Certificate.GetEncoded());
        Assert.Equal(Expected(report.Rows), ReadCsv(Assert.Single(mail.Attachments.OfType<MimePart>(), p => p.FileName == "musubi-MSB-2026-000103.csv")));

        // The same bytes with one character of the text changed no longer verify.
        var content = (Multipart)signed[0];
        ((TextPart)content[0]).Text += "tampered";
        using var retyped = new TemporarySecureMimeContext();
        var again = Assert.Single(await signed.VerifyAsync(retyped, None));
        Assert.ThrowsAny<DigitalSignatureVerifyException>(() => again.Verify(verifySignatureOnly: true));
        dir.Delete(true);
    }

    [Fact]
    public async Task A_wrong_certificate_password_fails_without_naming_the_password()
    {
        var dir = Directory.CreateTempSubdirectory("musubi-smime-");
        var path = Path.Combine(dir.FullName, "signing.p12");
        using var rsa = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=x", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSelfSigned(Now.AddDays(-1), Now.AddDays(1));
        await File.WriteAllBytesAsync(path, certificate.Export(X509ContentType.Pkcs12, "right-one"), None);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Sender(FreePort.Get(), new FeedDeliveryOptions { SigningCertificatePath = path, SigningCertificatePassword = "wrong-secret-7" })
                .SendAsync(Report("MSB-2026-000104", "en"), None));
        Assert.Contains("SigningCertificatePath", e.Message);
        Assert.DoesNotContain("wrong-secret-7", e.ToString());
        dir.Delete(true);
    }

    [Fact]
    public async Task An_smtp_server_that_does_not_answer_makes_the_send_throw_so_the_pipeline_retries()
    {
        var e = await Assert.ThrowsAsync<FeedReportDeliveryException>(() => Sender(FreePort.Get()).SendAsync(Report("MSB-2026-000105", "ja"), None));
        Assert.Equal("MSB-2026-000105", e.Ticket);
        await Assert.ThrowsAsync<FeedReportDeliveryException>(() =>
            new MailFeedReportSender(new SmtpOptions(), new FeedDeliveryOptions(), TimeProvider.System, NullLogger<MailFeedReportSender>.Instance)
                .SendAsync(Report("MSB-2026-000106", "ja"), None));
    }

    [Fact]
    public async Task A_recipient_without_an_address_pulls_and_gets_no_mail()
    {
        await using var smtp = SmtpSink.Start();
        await Sender(smtp.Port).SendAsync(Report("MSB-2026-000107", "ja", email: null), None);
        await Sender(smtp.Port).SendAsync(Report("MSB-2026-000108", "ja"), None);
        var mail = Assert.Single(await smtp.WaitForAsync(1));
        Assert.Contains("MSB-2026-000108", mail.Subject);
    }

    private static List<string[]> Expected(IEnumerable<FeedReportRow> rows)
    {
        static string E(string? v) => string.IsNullOrEmpty(v) ? "" : v[0] is '=' or '+' or '-' or '@' ? "'" + v : v;
        var list = new List<string[]> { FeedReportCsv.Header.ToArray() };
        list.AddRange(rows.Select(r => new[]
        {
            r.TimeSource?.ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", CultureInfo.InvariantCulture) ?? "", r.SourceIp,
            r.SourcePort?.ToString(CultureInfo.InvariantCulture) ?? "", r.SourceAsn?.ToString(CultureInfo.InvariantCulture) ?? "",
            E(r.SourceFqdn), E(r.Country), E(r.Taxonomy), E(r.Type), E(r.MalwareName), E(r.FeedName),
        }));
        return list;
    }

    internal static List<string[]> ReadCsv(MimePart part)
    {
        using var stream = new MemoryStream();
        part.Content!.DecodeTo(stream);
        stream.Position = 0;
        using var reader = new StreamReader(stream);
        return ParseCsv(reader.ReadToEnd());
    }

    /// <summary>RFC 4180, written here so the test does not trust the writer's own idea of the format.</summary>
    internal static List<string[]> ParseCsv(string text)
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var cell = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { cell.Append('"'); i++; }
                else if (c == '"') { quoted = false; }
                else { cell.Append(c); }
            }
            else if (c == '"') { quoted = true; }
            else if (c == ',') { row.Add(cell.ToString()); cell.Clear(); }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                row.Add(cell.ToString()); cell.Clear(); rows.Add(row.ToArray()); row.Clear(); i++;
            }
            else { cell.Append(c); }
        }

        Assert.Empty(row);
        Assert.Equal(0, cell.Length);
        return rows;
    }
}
