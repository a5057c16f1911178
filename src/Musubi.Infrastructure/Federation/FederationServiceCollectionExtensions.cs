using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Musubi.Infrastructure.Federation;

public static class FederationServiceCollectionExtensions
{
    /// <summary>Partners, the runner, and the HTTP client it uses (no cookies; credentials set per request).</summary>
    public static IServiceCollection AddMusubiFederation(this IServiceCollection services)
    {
        services.TryAddSingleton(new FederationOptions());
        services.AddSingleton<FederationLocks>();
        services.AddScoped<PartnerService>();
        services.AddScoped<FederationRunner>();
        services.AddScoped<FederationLeases>();
        services.AddHttpClient(FederationRunner.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(100))
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var options = sp.GetRequiredService<FederationOptions>();
                // Every connection is checked against the partner address rule (docs/FEDERATION.md), not only the saved URL.
                return new SocketsHttpHandler
                {
                    UseCookies = false,
                    AllowAutoRedirect = false,
                    ConnectCallback = (context, ct) => FederationAddresses.ConnectAsync(context, options.AllowPrivateAddresses, ct),
                };
            });
        return services;
    }
}
