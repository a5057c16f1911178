using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Musubi.Infrastructure.Feeds.Delivery;
using Musubi.Infrastructure.Feeds.Tracking;

namespace Musubi.Infrastructure.Feeds;

public static class FeedDeliveryServiceCollectionExtensions
{
    /// <summary>
    /// Report delivery and clean-up tracking: <see cref="IFeedReportSender"/> (e-mail), <see cref="IInfectedHostTracker"/>,
    /// what reads their records (ISP pull, tickets, clean-up figures, campaigns) and the clean-up job. Options from
    /// <c>Musubi:FeedDelivery</c>, validated here; the SMTP transport is <c>Musubi:Smtp</c>.
    /// </summary>
    public static IServiceCollection AddFeedDelivery(this IServiceCollection services, IConfiguration configuration) =>
        services.AddFeedDelivery(configuration.GetSection(FeedDeliveryOptions.Section).Get<FeedDeliveryOptions>() ?? new FeedDeliveryOptions());

    public static IServiceCollection AddFeedDelivery(this IServiceCollection services, FeedDeliveryOptions options)
    {
        options.Validate();
        services.TryAddSingleton(options);
        services.TryAddSingleton(new Notifications.SmtpOptions());
        services.AddScoped<IFeedReportSender, MailFeedReportSender>();
        services.AddScoped<InfectedHostTracker>();
        services.AddScoped<IInfectedHostTracker>(sp => sp.GetRequiredService<InfectedHostTracker>());
        services.AddScoped<InfectedHostQueries>();
        services.AddScoped<CleanupFigures>();
        services.AddScoped<CleanupCampaignService>();
        services.AddHostedService<CleanupJob>();
        return services;
    }
}
