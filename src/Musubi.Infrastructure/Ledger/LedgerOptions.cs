namespace Musubi.Infrastructure.Ledger;

/// <summary><c>Musubi:Ledger</c>: the log's name and how often its jobs run.</summary>
public sealed class LedgerOptions
{
    public const string Section = "Musubi:Ledger";

    /// <summary>The checkpoint origin and signing key name (no spaces, no '+').</summary>
    public string Origin { get; set; } = "musubi.local/ledger";

    /// <summary>A checkpoint is signed this often when the tree has grown.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The monitor checks what is new since its last clean run (incremental) this often.</summary>
    public TimeSpan MonitorInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The monitor rereads the whole ledger (full check) this often, and at every server start.</summary>
    public TimeSpan MonitorFullInterval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Expired payloads are deleted this often.</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The background jobs run in this process (the server; the CLI never runs them).</summary>
    public bool RunJobs { get; set; } = true;
}
