using Musubi.Infrastructure.Audit;

namespace Musubi.Server.Hosting;

/// <summary>The client address of the current request, recorded with each audit entry.</summary>
public sealed class HttpAuditContext(IHttpContextAccessor accessor) : IAuditContext
{
    public string? RemoteAddress => accessor.HttpContext?.Connection.RemoteIpAddress?.ToString();
}
