namespace Musubi.Infrastructure.Data;

/// <summary>Configuration section "Musubi:Database".</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Musubi:Database";

    /// <summary>"sqlite" (embedded default) or "postgres".</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>For SQLite, derived from the data folder when empty.</summary>
    public string? ConnectionString { get; set; }

    public bool IsPostgres => string.Equals(Provider, "postgres", StringComparison.OrdinalIgnoreCase)
        || string.Equals(Provider, "postgresql", StringComparison.OrdinalIgnoreCase);
}
