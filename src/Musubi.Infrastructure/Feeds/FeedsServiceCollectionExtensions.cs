using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Musubi.Infrastructure.Feeds;

public static class FeedsServiceCollectionExtensions
{
    /// <summary>
    /// The durable feed pipeline. No <see cref="IFeedReportSender"/> or <see cref="IInfectedHostTracker"/> is
    /// registered here: the host adds them (without a sender, reports wait as pending and the worker says so).
    /// </summary>
    public static IServiceCollection AddMusubiFeeds(this IServiceCollection services)
    {
        services.TryAddSingleton(new FeedOptions());
        services.AddSingleton<FeedRuntime>();
        services.AddSingleton<FeedPipelineRunner>();
        services.AddScoped<FeedConfigService>();
        services.AddScoped<FeedIntake>();
        services.AddScoped<FeedProcessor>();
        services.AddScoped<FeedReportService>();
        services.AddScoped<FeedCollectors>();
        services.AddScoped<Collectors.DetectionsFeedCollector>();
        services.AddScoped<Collectors.TaxiiFeedCollector>();
        return services;
    }

    /// <summary>
    /// The test and dry-run sender (<see cref="FeedOptions.RecordingSenderPath"/>): when a recording file is configured
    /// it replaces any registered sender (the e-mail one included), so a dry run never mails anybody.
    /// </summary>
    public static IServiceCollection AddRecordingFeedSenderIfConfigured(this IServiceCollection services, FeedOptions options)
    {
        if (options.RecordingSenderPath is { Length: > 0 } path)
        {
            services.RemoveAll<IFeedReportSender>();
            services.AddSingleton<IFeedReportSender>(new RecordingFeedReportSender(path));
        }

        return services;
    }
}
