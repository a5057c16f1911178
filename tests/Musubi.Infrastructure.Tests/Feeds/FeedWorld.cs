using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Constituency;
using Musubi.Infrastructure.Feeds;
using Musubi.Testing;

namespace Musubi.Infrastructure.Tests.Feeds;

/// <summary>Records what it was asked to send; can be told to fail or to hang (a process killed mid-send).</summary>
internal sealed class InMemorySender : IFeedReportSender
{
    public ConcurrentQueue<FeedReport> Sent { get; } = new();
    public int Calls;
    public Func<FeedReport, Exception?>? Fail { get; set; }
    public bool Hang { get; set; }

    public async Task SendAsync(FeedReport report, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Calls);
        if (Hang)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        if (Fail?.Invoke(report) is { } e)
        {
            throw e;
        }

        Sent.Enqueue(report);
    }
}

/// <summary>Records the reports it was given, and whether each was already stored when it was (it must not be: same unit of work).</summary>
internal sealed class InMemoryTracker : IInfectedHostTracker
{
    public ConcurrentQueue<FeedReport> Recorded { get; } = new();

    public Task RecordAsync(FeedReport report, CancellationToken cancellationToken)
    {
        Recorded.Enqueue(report);
        return Task.CompletedTask;
    }
}

/// <summary>One test's feed set-up: an ISP owning 192.0.2.0/24 and AS64500, its recipient, an upload source.</summary>
internal sealed class FeedWorld
{
    public required TestHost Host { get; init; }
    public required InMemorySender Sender { get; init; }
    public required InMemoryTracker Tracker { get; init; }
    public Guid Isp { get; private set; }
    public FeedRecipientDto Recipient { get; private set; } = null!;

    public static Action<IServiceCollection> Fakes(InMemorySender sender, InMemoryTracker tracker, FeedOptions? options = null) => s =>
    {
        s.AddSingleton<IFeedReportSender>(sender);
        s.AddSingleton<IInfectedHostTracker>(tracker);
        s.AddSingleton(options ?? new FeedOptions());
    };

    public static async Task<FeedWorld> StartAsync(DatabaseProvider provider, PostgresServer postgres, Action<IServiceCollection>? more = null, FeedOptions? options = null)
    {
        var sender = new InMemorySender();
        var tracker = new InMemoryTracker();
        var host = await TestHost.StartAsync(provider, postgres, configure: s =>
        {
            Fakes(sender, tracker, options)(s);
            more?.Invoke(s);
        });
        var world = new FeedWorld { Host = host, Sender = sender, Tracker = tracker };
        await world.SetUpAsync();
        return world;
    }

    private async Task SetUpAsync()
    {
        Isp = (await Host.CreateOrgAsync(Builders.Org("ISP One", OrganisationKind.Isp, null, (NetworkKind.Cidr, "192.0.2.0/24"), (NetworkKind.Asn, "AS64500")))).Id;
        Recipient = await Config(c => c.CreateRecipientAsync(Host.Admin, new FeedRecipientInput("isp-one", Isp, "abuse@isp-one.example.jp", "ja", 3600, true), default));
        await Config(c => c.CreateSourceAsync(Host.Admin, new FeedSourceInput("shadowserver", null, "upload", null, null, true), default));
    }

    public Task<T> Config<T>(Func<FeedConfigService, Task<T>> work) => Host.Run(sp => work(sp.GetRequiredService<FeedConfigService>()));

    public Task<FeedFileDto> SubmitAsync(byte[] data, string name = "2026-04-01-scan_smb-jp.csv", string source = "shadowserver") =>
        Host.Run(sp => sp.GetRequiredService<FeedIntake>().SubmitAsync(Host.Admin, source, name, data, default));

    public Task<int> ProcessAsync(TimeSpan? wait = null) =>
        Host.Services.GetRequiredService<FeedPipelineRunner>().ProcessQueuedAsync(100, wait ?? TimeSpan.Zero, default);

    public Task<(int Reports, int Sent)> CloseAndDeliverAsync() => Host.Services.GetRequiredService<FeedPipelineRunner>().CloseAndDeliverAsync(default);

    public Task<IReadOnlyList<FeedReportDto>> ReportsAsync() =>
        Host.Run(sp => sp.GetRequiredService<FeedReportService>().ListAsync(Host.Admin, null, 1000, default));

    public Task<FeedFileDto> FileAsync(Guid id) => Host.Run(sp => sp.GetRequiredService<FeedIntake>().GetAsync(Host.Admin, id, default));

    /// <summary>A Shadowserver scan_smb file (the format of the corpus' test_smb.csv) with one row per address.</summary>
    public static byte[] ScanSmb(DateTimeOffset at, params string[] addresses)
    {
        var sb = new StringBuilder("\"timestamp\",\"ip\",\"port\",\"hostname\",\"tag\",\"asn\",\"geo\",\"region\",\"city\",\"naics\",\"sic\",\"smb_implant\",\"arch\",\"key\",\"smbv1_support\",\"smb_major_number\",\"smb_minor_number\",\"smb_revision\",\"smb_version_string\"\n");
        var i = 0;
        foreach (var ip in addresses)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\"{at.AddSeconds(i++).UtcDateTime:yyyy-MM-dd HH:mm:ss}\",{ip},445,,smb,,JP,Tokyo,Tokyo,0,0,N,,,Y,1,0,0,\"SMB 1\"\n");
        }

        return Encoding.UTF8.GetBytes(sb.ToString());
    }
}
