using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Musubi.Infrastructure.Constituency.Exchange;

public static class ExchangeServiceCollectionExtensions
{
    /// <summary>Bulk import and export of the constituency (on top of <see cref="InfrastructureServiceCollectionExtensions.AddMusubiInfrastructure"/>).</summary>
    public static IServiceCollection AddConstituencyExchange(this IServiceCollection services, ExchangeLimits? limits = null)
    {
        services.TryAddSingleton(limits ?? new ExchangeLimits());
        services.AddScoped<ConstituencyImporter>();
        services.AddScoped<ConstituencyExporter>();
        return services;
    }
}
