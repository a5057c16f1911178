using System.Globalization;
using System.Text;
using MimeKit;

namespace Musubi.Infrastructure.Feeds.Delivery;

/// <summary>
/// The report e-mail (docs/NOTIFICATION.md): a Japanese or English text chosen by the report's language, the rows as a
/// CSV attachment, the ticket in the subject and in the Message-ID. Pure: the sender adds signing and transport.
/// </summary>
public static class FeedReportMail
{
    public const string TicketHeader = "X-Musubi-Ticket";

    public static bool IsJapanese(string? language) =>
        language is not null && language.StartsWith("ja", StringComparison.OrdinalIgnoreCase);

    public static string Subject(FeedReport report) => IsJapanese(report.Language)
        ? $"[Musubi {report.Ticket}] 感染端末のお知らせ"
        : $"[Musubi {report.Ticket}] Infected hosts in your network";

    /// <summary>
    /// The Message-ID of a report: the ticket at the sender's domain, so a retried delivery carries the same id and a
    /// reply's In-Reply-To names the ticket.
    /// </summary>
    public static string MessageId(string ticket, string fromAddress)
    {
        var at = fromAddress.LastIndexOf('@');
        var domain = at >= 0 && at < fromAddress.Length - 1 ? fromAddress[(at + 1)..] : "musubi.invalid";
        return $"report.{SafeTicket(ticket)}@{domain}";
    }

    public static string AttachmentName(FeedReport report) => $"musubi-{SafeTicket(report.Ticket)}.csv";

    private static string SafeTicket(string ticket)
    {
        var safe = new StringBuilder(ticket.Length);
        foreach (var c in ticket)
        {
            safe.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' ? c : '_');
        }

        return safe.ToString();
    }

    public static MimeMessage Build(FeedReport report, string from, string? replyTo, DateTimeOffset now)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        if (!string.IsNullOrWhiteSpace(replyTo))
        {
            message.ReplyTo.Add(MailboxAddress.Parse(replyTo));
        }

        message.To.Add(MailboxAddress.Parse(report.Email!));
        message.Subject = Subject(report);
        message.MessageId = MessageId(report.Ticket, message.From.Mailboxes.First().Address);
        message.Date = now;
        message.Headers.Add(TicketHeader, report.Ticket);
        var text = new TextPart("plain") { Text = IsJapanese(report.Language) ? Japanese(report) : English(report) };
        text.ContentType.Charset = "utf-8";
        var csv = new MimePart("text", "csv")
        {
            Content = new MimeContent(new MemoryStream(FeedReportCsv.WriteUtf8(report.Rows))),
            ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
            ContentTransferEncoding = ContentEncoding.Base64,
            FileName = AttachmentName(report),
        };
        csv.ContentType.Charset = "utf-8";
        message.Body = new Multipart("mixed") { text, csv };
        return message;
    }

    private static string Period(FeedReport r) =>
        $"{r.From.UtcDateTime:yyyy-MM-dd HH:mm} – {r.To.UtcDateTime:yyyy-MM-dd HH:mm} UTC";

    private static IEnumerable<(string Type, string? Malware, int Rows, int Hosts)> Summary(FeedReport r) =>
        r.Rows.GroupBy(x => (x.Type, Malware: string.IsNullOrEmpty(x.MalwareName) ? null : x.MalwareName))
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key.Type, StringComparer.Ordinal)
            .Select(g => (g.Key.Type, g.Key.Malware, g.Count(), g.Select(x => x.SourceIp).Distinct(StringComparer.Ordinal).Count()));

    private static int Hosts(FeedReport r) => r.Rows.Select(x => x.SourceIp).Distinct(StringComparer.Ordinal).Count();

    private static string Japanese(FeedReport r)
    {
        var sb = new StringBuilder();
        sb.Append("ご担当者様\n\n");
        sb.Append("国のサイバーセキュリティ調整センター (Musubi) からのお知らせです。\n");
        sb.Append("貴組織のネットワーク内で、マルウェアへの感染などが疑われる端末が外部の観測 (フィード) により確認されました。\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"  チケット番号: {r.Ticket}\n");
        sb.Append(CultureInfo.InvariantCulture, $"  観測期間:     {Period(r)}\n");
        sb.Append(CultureInfo.InvariantCulture, $"  件数:         {r.Rows.Count} 件 (端末 {Hosts(r)} 台)\n\n");
        sb.Append("内訳 (種別 / マルウェア: 件数, 端末数):\n");
        foreach (var (type, malware, rows, hosts) in Summary(r))
        {
            sb.Append(CultureInfo.InvariantCulture, $"  - {type} / {malware ?? "-"}: {rows} 件, {hosts} 台\n");
        }

        sb.Append(CultureInfo.InvariantCulture, $"\n詳細は添付の CSV ファイル ({AttachmentName(r)}) をご覧ください。1 行が 1 件の観測で、列名は IntelMQ の項目名 (time.source, source.ip など) です。\n\n");
        sb.Append("お願い:\n");
        sb.Append("  1. 該当する IP アドレスと時刻から、端末の利用者 (お客様) を特定してください。\n");
        sb.Append("  2. 利用者に連絡し、マルウェアの駆除、OS・ソフトウェアの更新、パスワードの変更を依頼してください。\n");
        sb.Append("  3. 観測されなくなった端末は、一定期間後に自動的に「駆除済み」として集計されます。\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"ご返信の際は、件名のチケット番号 [Musubi {r.Ticket}] をそのまま残してください (このメールへの返信であれば自動的に照合されます)。\n");
        sb.Append("誤検知や、貴組織の管理外のアドレスが含まれている場合もご返信ください。\n");
        return sb.ToString();
    }

    private static string English(FeedReport r)
    {
        var sb = new StringBuilder();
        sb.Append("Dear abuse team,\n\n");
        sb.Append("This is a report from the national cybersecurity coordination centre (Musubi).\n");
        sb.Append("External observations (abuse feeds) name hosts in your network that appear to be infected with malware or otherwise abused.\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"  Ticket:   {r.Ticket}\n");
        sb.Append(CultureInfo.InvariantCulture, $"  Period:   {Period(r)}\n");
        sb.Append(CultureInfo.InvariantCulture, $"  Rows:     {r.Rows.Count} ({Hosts(r)} hosts)\n\n");
        sb.Append("Summary (type / malware: rows, hosts):\n");
        foreach (var (type, malware, rows, hosts) in Summary(r))
        {
            sb.Append(CultureInfo.InvariantCulture, $"  - {type} / {malware ?? "-"}: {rows} rows, {hosts} hosts\n");
        }

        sb.Append(CultureInfo.InvariantCulture, $"\nThe attached CSV file ({AttachmentName(r)}) has one observation per row; the columns carry IntelMQ's field names (time.source, source.ip, ...).\n\n");
        sb.Append("What to do:\n");
        sb.Append("  1. Identify the customer behind each address at the time given.\n");
        sb.Append("  2. Ask them to remove the malware, update the operating system and software, and change their passwords.\n");
        sb.Append("  3. A host that is no longer observed counts as cleaned after a while; nothing else is needed from you.\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"When you reply, keep the ticket [Musubi {r.Ticket}] in the subject (a reply to this message is matched automatically).\n");
        sb.Append("Please also reply if a row is a false positive or names an address you do not operate.\n");
        return sb.ToString();
    }
}
