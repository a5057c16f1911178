using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Musubi.Core.Queueing;

namespace Musubi.Infrastructure.Feeds;

/// <summary>
/// One step of the durable pipeline at a time, for the server's worker, the CLI and tests: take accepted files off
/// the work queue (acknowledging each only after its transaction committed), and the periodic part (collectors,
/// closing due windows into reports, delivery). Each call uses its own scope.
/// </summary>
public sealed class FeedPipelineRunner(IServiceScopeFactory scopes, IWorkQueue queue, FeedOptions options, ILogger<FeedPipelineRunner> log)
{
    /// <summary>A message delivered this often without success marks its file failed (a poison file must not block the rest).</summary>
    public const int MaxAttempts = 5;

    public async Task<int> RequeueStrandedAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<FeedIntake>().RequeueStrandedAsync(ct);
    }

    /// <summary>Processes up to <paramref name="max"/> queued files, waiting up to <paramref name="wait"/> for the first.</summary>
    public async Task<int> ProcessQueuedAsync(int max, TimeSpan wait, CancellationToken ct)
    {
        var messages = await queue.LeaseAsync(FeedIntake.Topic, max, options.QueueLease, wait, ct);
        foreach (var message in messages)
        {
            if (!Guid.TryParse(Encoding.UTF8.GetString(message.Payload.Span), out var fileId))
            {
                log.LogError("feed queue: message {Id} is not a file id; dropped", message.Id);
                await queue.AckAsync(message, ct);
                continue;
            }

            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<FeedProcessor>().ProcessAsync(fileId, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException && message.Attempt < MaxAttempts)
            {
                log.LogError(e, "feed file {File}: processing failed (attempt {Attempt}); it will be retried", fileId, message.Attempt);
                continue; // not acknowledged: delivered again when the lease runs out
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(e, "feed file {File}: processing failed {Attempt} times; marked failed", fileId, message.Attempt);
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<FeedProcessor>().MarkFailedAsync(fileId, e.Message, ct);
            }

            await queue.AckAsync(message, ct); // only after the file's transaction committed
        }

        return messages.Count;
    }

    /// <summary>Collectors that poll (folders, URLs, the platform's detections), then windows → reports → delivery.</summary>
    public async Task TickAsync(CancellationToken ct)
    {
        await using (var scope = scopes.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<FeedCollectors>().RunDueAsync(ct);
        }

        await CloseAndDeliverAsync(ct);
    }

    public async Task<(int Reports, int Sent)> CloseAndDeliverAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var reports = scope.ServiceProvider.GetRequiredService<FeedReportService>();
        var made = await reports.CloseDueWindowsAsync(ct);
        var sent = await reports.DeliverAsync(ct);
        return (made, sent);
    }
}
