using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Musubi.Infrastructure.Ledger;

public static class LedgerServiceCollectionExtensions
{
    /// <summary>The ledger's services (the jobs that run them on a timer are the host's: Musubi.Server's LedgerWorker).</summary>
    public static IServiceCollection AddMusubiLedger(this IServiceCollection services, LedgerOptions? options = null)
    {
        services.TryAddSingleton(options ?? new LedgerOptions());
        services.AddScoped<LedgerService>();
        services.AddScoped<ILedger>(sp => sp.GetRequiredService<LedgerService>());
        services.AddScoped<LedgerTree>();
        services.AddScoped<LedgerCheckpoints>();
        services.AddScoped<LedgerQueries>();
        services.AddScoped<LedgerExporter>();
        services.AddScoped<LedgerRetention>();
        services.AddScoped<LedgerMonitor>();
        services.AddScoped<LedgerAdministration>();
        return services;
    }
}
