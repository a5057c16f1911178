namespace Musubi.Infrastructure.Notifications;

/// <summary>Outgoing mail (<c>Musubi:Smtp:*</c>). Without a host, notifications stay in the app.</summary>
public sealed class SmtpOptions
{
    public const string Section = "Musubi:Smtp";

    public string? Host { get; set; }
    public int Port { get; set; } = 587;

    /// <summary>auto (STARTTLS when offered), starttls (required), tls (implicit, port 465) or none.</summary>
    public string Security { get; set; } = "auto";

    public string? UserName { get; set; }
    public string? Password { get; set; }
    public string From { get; set; } = "musubi@localhost";

    /// <summary>The address of the web UI, for links in e-mails (https://musubi.example.go.jp).</summary>
    public string? PublicUrl { get; set; }

    public int MaxAttempts { get; set; } = 5;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Host);
}
