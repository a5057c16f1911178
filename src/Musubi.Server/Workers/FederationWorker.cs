using Musubi.Infrastructure.Federation;

namespace Musubi.Server.Workers;

/// <summary>
/// The federation scheduler: every <c>Musubi:Federation:TickSeconds</c> (60) it runs each enabled partner whose interval
/// has passed since its last attempt. <c>Musubi:Federation:Scheduler=false</c> turns it off (runs are then on demand).
/// </summary>
public sealed class FederationWorker(IServiceScopeFactory scopes, IConfiguration configuration, TimeProvider time, ILogger<FederationWorker> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!configuration.GetValue("Musubi:Federation:Scheduler", true))
        {
            return;
        }

        var interval = TimeSpan.FromSeconds(Math.Max(1, configuration.GetValue("Musubi:Federation:TickSeconds", 60)));
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<FederationRunner>().RunDueAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(e, "federation scheduler tick failed; retrying in {Interval}", interval);
            }
        }
    }
}
