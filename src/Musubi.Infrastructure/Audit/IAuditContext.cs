namespace Musubi.Infrastructure.Audit;

/// <summary>Where the current write comes from (an HTTP client address, "cli", "system").</summary>
public interface IAuditContext
{
    string? RemoteAddress { get; }
}

public sealed class FixedAuditContext(string? remoteAddress) : IAuditContext
{
    public string? RemoteAddress { get; } = remoteAddress;
}
