using Musubi.Core.Queueing;
using Musubi.Detection.Indicators;
using Musubi.Detection.Sigma;
using Musubi.Infrastructure.Detection;

namespace Musubi.Server.Ingestion;

/// <summary>
/// Consumes ingested events from the work queue, runs the Sigma rules (<see cref="DetectionOptions.RulesDirectory"/>)
/// and the live indicator set over them, writes alerts, then acknowledges. A batch that fails is not acknowledged and
/// comes back when its lease runs out.
/// </summary>
public sealed class DetectionWorker(IWorkQueue queue, IndicatorMatcher indicators, StoreIndicators store, SightingReporter sightings, StoreRules rules, CrossEventState crossEvents, IServiceScopeFactory scopes, TimeProvider time,
    DetectionOptions options, ILogger<DetectionWorker> log) : BackgroundService
{
    public long Processed { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
        {
            return;
        }

        // Let the host finish starting before a rule set is compiled.
        await Task.Yield();
        SigmaEngine? engine = null;
        if (!string.IsNullOrEmpty(options.RulesDirectory))
        {
            engine = SigmaEngine.LoadDirectory(options.RulesDirectory);
            log.LogInformation("detection: {Loaded} Sigma rules loaded from {Folder}, {Failed} rejected", engine.LoadedCount, options.RulesDirectory, engine.Failures.Count);
        }

        var processor = new DetectionProcessor(engine, indicators, scopes, time, options, store, sightings, rules, crossEvents);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var batch = await queue.LeaseAsync(EventIngestor.Topic, options.BatchSize, TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(5), stoppingToken);
                if (batch.Count == 0)
                {
                    continue;
                }

                await processor.ProcessAsync([.. batch.Select(m => m.Payload)], stoppingToken);
                foreach (var message in batch)
                {
                    await queue.AckAsync(message, stoppingToken);
                }

                Processed += batch.Count;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                log.LogError(e, "detection worker: batch failed; it will be delivered again");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }
}
