namespace Musubi.Infrastructure.Ledger;

/// <summary>What a ledger entry records. Retention policies and legal holds name these.</summary>
public static class LedgerCategories
{
    /// <summary>An audit trail entry (every audited write, sign-ins, token creation).</summary>
    public const string Audit = "audit";

    /// <summary>A received raw event, usually by its SHA-256 only.</summary>
    public const string RawEvent = "raw-event";

    /// <summary>An entry of an incident's timeline.</summary>
    public const string IncidentTimeline = "incident-timeline";

    /// <summary>A notification sent to an organisation or contact.</summary>
    public const string Notification = "notification";

    public static readonly IReadOnlyList<string> All = [Audit, RawEvent, IncidentTimeline, Notification];

    public static bool IsKnown(string? category) => category is not null && All.Contains(category, StringComparer.Ordinal);
}
