using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Musubi.Infrastructure.Feeds.Delivery;

namespace Musubi.Infrastructure.Feeds.Tracking;

/// <summary>Applies the cleaned rule every <see cref="FeedDeliveryOptions.CleanupInterval"/> (first run at start).</summary>
public sealed class CleanupJob(IServiceScopeFactory scopes, FeedDeliveryOptions options, TimeProvider time, ILogger<CleanupJob> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var cleaned = await scope.ServiceProvider.GetRequiredService<InfectedHostTracker>().EvaluateCleanedAsync(stoppingToken);
                if (cleaned > 0)
                {
                    log.LogInformation("clean-up: {Count} hosts now count as cleaned", cleaned);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "clean-up: evaluation failed; retried at the next interval");
            }

            try
            {
                await Task.Delay(options.CleanupInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
