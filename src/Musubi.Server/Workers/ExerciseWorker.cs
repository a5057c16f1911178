using Musubi.Infrastructure.Incidents;

namespace Musubi.Server.Workers;

/// <summary>
/// Delivers exercise injects when their time comes (every <see cref="Interval"/>). Delivery is idempotent: the
/// (run, inject) key means two nodes never deliver the same inject twice.
/// </summary>
public sealed class ExerciseWorker(IServiceScopeFactory scopes, TimeProvider time, ILogger<ExerciseWorker> log) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var delivered = await scope.ServiceProvider.GetRequiredService<ExerciseService>().DeliverDueAsync(stoppingToken);
                if (delivered > 0)
                {
                    log.LogInformation("delivered {Count} exercise inject(s)", delivered);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(e, "exercise delivery failed; retrying in {Interval}", Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
