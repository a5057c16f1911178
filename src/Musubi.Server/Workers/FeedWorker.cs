using Musubi.Infrastructure.Feeds;

namespace Musubi.Server.Workers;

/// <summary>
/// The durable feed pipeline in the server: one loop takes accepted files off the work queue (at start it re-queues
/// files stored but never queued), another runs the polling collectors, closes due windows into reports and
/// delivers them, every <see cref="FeedOptions.TickInterval"/>.
/// </summary>
public sealed class FeedWorker(FeedPipelineRunner runner, FeedOptions options, IServiceProvider services, ILogger<FeedWorker> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        bool hasSender;
        using (var scope = services.CreateScope())
        {
            hasSender = scope.ServiceProvider.GetService<IFeedReportSender>() is not null;
        }

        if (!hasSender)
        {
            log.LogWarning("no IFeedReportSender is registered: feed reports are made and kept as pending, not delivered");
        }

        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var requeued = await runner.RequeueStrandedAsync(stoppingToken);
                if (requeued > 0)
                {
                    log.LogInformation("re-queued {Count} accepted feed file(s) not yet processed", requeued);
                }

                break;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(e, "feed worker: re-queueing stranded files failed; retrying");
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }

        await Task.WhenAll(ConsumeAsync(stoppingToken), TickAsync(stoppingToken));
    }

    private async Task ConsumeAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await runner.ProcessQueuedAsync(4, TimeSpan.FromSeconds(5), ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(e, "feed worker: taking files off the queue failed");
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
        }
    }

    private async Task TickAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(options.TickInterval);
        if (!options.TickAtStart && !await timer.WaitForNextTickAsync(ct))
        {
            return;
        }

        do
        {
            try
            {
                await runner.TickAsync(ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(e, "feed worker: collectors, reports or delivery failed; retrying in {Interval}", options.TickInterval);
            }
        }
        while (await timer.WaitForNextTickAsync(ct));
    }
}
