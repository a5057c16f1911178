namespace Musubi.Core.Identity;

/// <summary>
/// What an API token may be used for. A token never grants more than its owner's role allows: the effective
/// permission is the role's permission AND the scope. A signed-in browser session carries every scope.
/// </summary>
public static class Scopes
{
    public const string ConstituencyRead = "constituency:read";
    public const string ConstituencyWrite = "constituency:write";
    public const string UsersRead = "users:read";
    public const string UsersWrite = "users:write";
    public const string AuditRead = "audit:read";
    public const string IncidentsRead = "incidents:read";
    public const string IncidentsWrite = "incidents:write";
    /// <summary>Read shared intelligence (what the access policy lets the owner see).</summary>
    public const string IntelRead = "intel:read";
    /// <summary>Publish shared intelligence (import STIX).</summary>
    public const string IntelWrite = "intel:write";

    /// <summary>Manage detection rules (Sigma rule sets): what the national SOC's analysts need by token.</summary>
    public const string DetectionWrite = "detection:write";

    public const string LedgerRead = "ledger:read";
    public const string LedgerAdmin = "ledger:admin";

    public static readonly IReadOnlyList<string> All =
        [ConstituencyRead, ConstituencyWrite, UsersRead, UsersWrite, AuditRead, IncidentsRead, IncidentsWrite, IntelRead, IntelWrite, DetectionWrite, LedgerRead, LedgerAdmin];

    public static bool IsKnown(string scope) => All.Contains(scope, StringComparer.Ordinal);
}
