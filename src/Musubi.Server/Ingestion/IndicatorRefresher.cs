using Musubi.Infrastructure.Detection;

namespace Musubi.Server.Ingestion;

/// <summary>
/// Keeps the live indicator set in step with the STIX store (and the stored Sigma rule sets, <see cref="StoreRules"/>, in step with the database): every <see cref="DetectionOptions.IndicatorRefreshInterval"/>
/// it asks <see cref="StoreIndicators"/> to rebuild if an indicator was imported, versioned or revoked, or one expired.
/// The rebuild happens here, off to the side; ingestion and the detection worker keep using the previous set until the
/// swap.
/// </summary>
public sealed class IndicatorRefresher(StoreIndicators store, StoreRules rules, DetectionOptions options, ILogger<IndicatorRefresher> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
        {
            return;
        }

        await Task.Yield();
        var force = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await store.RefreshAsync(stoppingToken, force);
                await rules.RefreshAsync(stoppingToken);
                force = false;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                log.LogError(e, "detection: rebuilding the indicator set failed; the previous set stays in use");
            }

            try
            {
                await Task.Delay(options.IndicatorRefreshInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
