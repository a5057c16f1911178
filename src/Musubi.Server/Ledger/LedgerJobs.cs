using Musubi.Core.Identity;
using Musubi.Infrastructure.Ledger;

namespace Musubi.Server.Ledger;

/// <summary>Runs one ledger job in a fresh scope on an interval; a failure is logged and the job tries again next time.</summary>
public abstract class LedgerJob(IServiceScopeFactory scopes, TimeProvider time, ILogger logger) : BackgroundService
{
    protected abstract TimeSpan Interval { get; }

    protected abstract Task RunOnceAsync(IServiceProvider services, CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await RunOnceAsync(scope.ServiceProvider, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Ledger job {Job} failed; it runs again in {Interval}", GetType().Name, Interval);
            }

            try
            {
                await Task.Delay(Interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}

/// <summary>Creates the signing key at first start, brings the tree up to date and signs a checkpoint whenever it grew.</summary>
public sealed class LedgerCheckpointJob(IServiceScopeFactory scopes, TimeProvider time, LedgerOptions options, ILogger<LedgerCheckpointJob> logger)
    : LedgerJob(scopes, time, logger)
{
    protected override TimeSpan Interval => options.CheckpointInterval;

    protected override async Task RunOnceAsync(IServiceProvider services, CancellationToken ct)
    {
        var (checkpoint, created) = await services.GetRequiredService<LedgerCheckpoints>().CreateAsync(ct);
        if (created)
        {
            logger.LogInformation("Ledger checkpoint signed: size {Size}, root {Root}", checkpoint.TreeSize, checkpoint.RootHash);
        }
    }
}

/// <summary>
/// Checks the stored ledger against its checkpoints (<see cref="LedgerMonitor"/>): incrementally (what is new since
/// the last clean run) every <see cref="LedgerOptions.MonitorInterval"/>, and in full at start and every
/// <see cref="LedgerOptions.MonitorFullInterval"/>. Alerts are stored, logged and audited there.
/// </summary>
public sealed class LedgerMonitorJob(IServiceScopeFactory scopes, TimeProvider time, LedgerOptions options, ILogger<LedgerMonitorJob> logger)
    : LedgerJob(scopes, time, logger)
{
    private DateTimeOffset? lastFull;

    protected override TimeSpan Interval => options.MonitorInterval;

    protected override async Task RunOnceAsync(IServiceProvider services, CancellationToken ct)
    {
        var monitor = services.GetRequiredService<LedgerMonitor>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        if (lastFull is null || now - lastFull >= options.MonitorFullInterval)
        {
            await monitor.RunAsync(ct);
            lastFull = now;
        }
        else
        {
            await monitor.RunIncrementalAsync(ct);
        }
    }
}

/// <summary>Deletes expired payloads (retention policies), except under legal holds.</summary>
public sealed class LedgerRetentionJob(IServiceScopeFactory scopes, TimeProvider time, LedgerOptions options, ILogger<LedgerRetentionJob> logger)
    : LedgerJob(scopes, time, logger)
{
    protected override TimeSpan Interval => options.RetentionInterval;

    protected override Task RunOnceAsync(IServiceProvider services, CancellationToken ct) =>
        services.GetRequiredService<LedgerRetention>().RunAsync(Actor.System, ct);
}

public static class LedgerHostingExtensions
{
    public static IServiceCollection AddLedgerJobs(this IServiceCollection services, LedgerOptions options)
    {
        if (options.RunJobs)
        {
            services.AddHostedService<LedgerCheckpointJob>();
            services.AddHostedService<LedgerMonitorJob>();
            services.AddHostedService<LedgerRetentionJob>();
        }

        return services;
    }
}
