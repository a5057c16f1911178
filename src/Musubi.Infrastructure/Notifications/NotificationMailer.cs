using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using MimeKit;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Notifications;

/// <summary>
/// Sends pending notification e-mails through the configured SMTP server with MailKit: one message per notification,
/// in Japanese and English. A notification is marked sent only after the server accepted it; a failure is retried up
/// to <see cref="SmtpOptions.MaxAttempts"/> times.
/// </summary>
public sealed class NotificationMailer(MusubiDbContext db, SmtpOptions options, TimeProvider time, ILogger<NotificationMailer> log, Ledger.ILedger ledger)
{
    public const int Batch = 100;

    public async Task<int> SendPendingAsync(CancellationToken ct)
    {
        if (!options.IsConfigured)
        {
            return 0;
        }

        var pending = await db.Set<NotificationEntity>().Where(n => n.Email == EmailState.Pending).Take(Batch).ToListAsync(ct);
        if (pending.Count == 0)
        {
            return 0;
        }

        var userIds = pending.Select(n => n.UserId).Distinct().ToList();
        var users = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, ct);
        var sent = 0;
        using var client = new SmtpClient();
        try
        {
            await client.ConnectAsync(options.Host!, options.Port, Security(options.Security), ct);
            if (!string.IsNullOrEmpty(options.UserName))
            {
                await client.AuthenticateAsync(options.UserName, options.Password ?? "", ct);
            }

            foreach (var n in pending)
            {
                if (!users.TryGetValue(n.UserId, out var user) || string.IsNullOrWhiteSpace(user.Email))
                {
                    n.Email = EmailState.None;
                    continue;
                }

                try
                {
                    var message = Message(n, user);
                    await client.SendAsync(message, ct);
                    n.Email = EmailState.Sent;
                    n.EmailedAt = time.GetUtcNow();
                    // The sent notification goes into the ledger (category notification): to whom, when, what.
                    ledger.Stage(new Ledger.LedgerRecord("notification", user.OrganisationId, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new
                    {
                        notification = n.Id, kind = n.Kind, incident = n.IncidentId, to = user.Email, subject = message.Subject,
                        sentAt = n.EmailedAt, messageId = message.MessageId, text = n.Text,
                    }, MusubiJson.Options)));
                    sent++;
                }
                catch (Exception e) when (e is SmtpCommandException or SmtpProtocolException or IOException)
                {
                    Failed(n, e);
                }
            }

            await client.DisconnectAsync(true, ct);
        }
        catch (Exception e) when (e is SmtpCommandException or SmtpProtocolException or IOException or System.Net.Sockets.SocketException or AuthenticationException)
        {
            foreach (var n in pending.Where(n => n.Email == EmailState.Pending))
            {
                Failed(n, e);
            }
        }

        await db.SaveChangesAsync(ct);
        return sent;
    }

    private void Failed(NotificationEntity n, Exception e)
    {
        n.EmailAttempts++;
        if (n.EmailAttempts >= options.MaxAttempts)
        {
            n.Email = EmailState.Failed;
        }

        log.LogWarning("notification e-mail {Id} not sent (attempt {Attempt}): {Reason}", n.Id, n.EmailAttempts, e.Message);
    }

    private MimeMessage Message(NotificationEntity n, UserEntity user)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(options.From));
        message.To.Add(new MailboxAddress(user.DisplayName ?? user.UserName, user.Email!));
        message.Subject = "[Musubi] " + n.Text.Split('\n')[0];
        var link = n.IncidentId is { } id && options.PublicUrl is { } url ? $"{url.TrimEnd('/')}/incidents/{id}" : null;
        message.Body = new TextPart("plain")
        {
            Text = $"""
                Musubi からのお知らせです。

                {n.Text}
                {(link is null ? "" : "\n" + link + "\n")}
                ---------------------------------------------
                A notification from Musubi.

                {n.Text}
                {(link is null ? "" : "\n" + link + "\n")}
                """,
        };
        message.Headers.Add("X-Musubi-Notification", n.Id.ToString());
        if (n.IsExercise)
        {
            message.Headers.Add("X-Musubi-Exercise", "yes");
        }

        return message;
    }

    private static SecureSocketOptions Security(string mode) => mode.ToLowerInvariant() switch
    {
        "none" => SecureSocketOptions.None,
        "tls" => SecureSocketOptions.SslOnConnect,
        "starttls" => SecureSocketOptions.StartTls,
        _ => SecureSocketOptions.StartTlsWhenAvailable,
    };
}
