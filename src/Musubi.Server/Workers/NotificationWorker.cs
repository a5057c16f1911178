using Musubi.Infrastructure.Incidents;
using Musubi.Infrastructure.Notifications;

namespace Musubi.Server.Workers;

/// <summary>Every <see cref="Interval"/>: notifies near and missed incident deadlines, then sends pending notification e-mails.</summary>
public sealed class NotificationWorker(IServiceScopeFactory scopes, TimeProvider time, ILogger<NotificationWorker> log) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<DeadlineMonitor>().CheckAsync(stoppingToken);
                var sent = await scope.ServiceProvider.GetRequiredService<NotificationMailer>().SendPendingAsync(stoppingToken);
                if (sent > 0)
                {
                    log.LogInformation("sent {Count} notification e-mail(s)", sent);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(e, "notification job failed; retrying in {Interval}", Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
