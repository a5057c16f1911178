using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Constituency;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Detection;
using Musubi.Infrastructure.Identity;
using Musubi.Infrastructure.Ledger;
using Musubi.Infrastructure.Queueing;
using Musubi.Core.Queueing;
using Musubi.Infrastructure.Setup;

namespace Musubi.Infrastructure;

public static class InfrastructureServiceCollectionExtensions
{
    /// <summary>
    /// The database, the audit trail and the constituency and identity use cases. The host adds an
    /// <see cref="IAuditContext"/> (request address) and data protection; defaults are registered for the CLI.
    /// </summary>
    public static IServiceCollection AddMusubiInfrastructure(
        this IServiceCollection services, DatabaseOptions database, IdentityOptions? identity = null, InitialiseOptions? setup = null,
        QueueOptions? queue = null, LedgerOptions? ledger = null)
    {
        services.AddMusubiDatabase(database);
        // Keys live in the database so every node (and the CLI) can read what another protected, e.g. TOTP secrets.
        services.AddDataProtection().SetApplicationName("Musubi").PersistKeysToDbContext<MusubiDbContext>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(identity ?? new IdentityOptions());
        services.TryAddSingleton(setup ?? new InitialiseOptions());
        services.TryAddScoped<IAuditContext>(_ => new FixedAuditContext(null));
        services.AddScoped<AuditTrail>();
        services.AddScoped<AuditQueryService>();
        services.AddMusubiLedger(ledger);
        services.AddSingleton<OwnershipDirectory>();
        services.AddScoped<OrganisationService>();
        services.AddScoped<CommunityService>();
        services.AddSingleton<PasswordHasher>();
        services.AddScoped<UserService>();
        services.AddScoped<SignInService>();
        services.AddScoped<TokenService>();
        services.AddScoped<DatabaseInitialiser>();
        services.TryAddSingleton(new Incidents.IncidentOptions());
        services.AddScoped<Incidents.IncidentService>();
        services.AddScoped<Incidents.IncidentMetrics>();
        services.AddScoped<Incidents.ExerciseService>();
        services.AddScoped<Incidents.DeadlineMonitor>();
        services.TryAddSingleton(new Notifications.SmtpOptions());
        services.AddScoped<Notifications.NotificationService>();
        services.AddScoped<Notifications.NotificationMailer>();
        services.AddScoped<Intelligence.IntelligencePrincipals>();
        services.AddScoped<Intelligence.StixImporter>();
        services.AddScoped<Intelligence.StixReferenceIndex>();
        services.AddScoped<Intelligence.StixReadService>();
        services.AddScoped<Intelligence.StixPublisher>();
        services.TryAddSingleton(new Intelligence.DecayOptions());
        services.AddScoped<Detection.ManualSightingService>();
        services.AddScoped<Intelligence.MispImporter>();
        services.AddScoped<Feeds.Tracking.InfectedHostTaxii>();
        services.AddScoped<Intelligence.Taxii.TaxiiCollections>();
        services.AddScoped<Intelligence.Taxii.TaxiiService>();
        services.AddScoped<Intelligence.Taxii.MispFeedPublisher>();
        Federation.FederationServiceCollectionExtensions.AddMusubiFederation(services);
        services.AddMusubiDetection();
        Feeds.FeedsServiceCollectionExtensions.AddMusubiFeeds(services);
        queue ??= new QueueOptions();
        services.TryAddSingleton(queue);
        if (queue.IsNats)
        {
            services.TryAddSingleton<IWorkQueue, NatsWorkQueue>();
        }
        else
        {
            services.TryAddSingleton<IWorkQueue, DatabaseWorkQueue>();
        }
        return services;
    }
}
