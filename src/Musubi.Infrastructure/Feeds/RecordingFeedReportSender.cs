using System.Text;
using System.Text.Json;

namespace Musubi.Infrastructure.Feeds;

/// <summary>
/// Not a delivery: appends each report as one JSON line (ticket, recipient, window, rows) to a file and flushes it
/// to disk before returning. Enabled by <see cref="FeedOptions.RecordingSenderPath"/> when no real sender is
/// registered: for dry runs, and for the crash test, which reads the file from outside the killed process.
/// </summary>
public sealed class RecordingFeedReportSender(string path) : IFeedReportSender
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public async Task SendAsync(FeedReport report, CancellationToken cancellationToken)
    {
        var line = JsonSerializer.Serialize(new
        {
            ticket = report.Ticket, recipient = report.RecipientId, email = report.Email, from = report.From, to = report.To,
            rows = report.Rows.Select(r => r.Raw ?? r.SourceIp),
        }) + "\n";
        await Gate.WaitAsync(cancellationToken);
        try
        {
            await using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            await file.WriteAsync(Encoding.UTF8.GetBytes(line), cancellationToken);
            file.Flush(flushToDisk: true);
        }
        finally
        {
            Gate.Release();
        }
    }
}
