using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Musubi.Detection.Indicators;

namespace Musubi.Infrastructure.Detection;

public static class DetectionServiceCollectionExtensions
{
    /// <summary>Sensors, ingestion, the live indicator set, alerts.</summary>
    public static IServiceCollection AddMusubiDetection(this IServiceCollection services)
    {
        services.TryAddSingleton(new IngestOptions());
        services.AddScoped<SensorService>();
        services.AddScoped<AlertService>();
        services.AddScoped<QuarantineService>();
        services.TryAddSingleton(new DetectionOptions());
        services.AddSingleton(sp => Musubi.Detection.Ingestion.AsnTable.Load(sp.GetRequiredService<IngestOptions>().AsnTablePath));
        services.AddSingleton<EventIngestor>();
        // The STIX store feeds the live indicator set (StoreIndicators.RefreshAsync swaps it into the matcher).
        services.AddSingleton<IndicatorMatcher>();
        services.AddSingleton<StoreIndicators>();
        services.AddSingleton<CrossEventState>();
        services.AddScoped<IndicatorStatusService>();
        services.AddSingleton<SightingReporter>();
        services.AddSingleton<StoreRules>();
        services.AddScoped<SigmaRuleService>();
        return services;
    }
}
