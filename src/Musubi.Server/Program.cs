using Microsoft.AspNetCore.Http.Features;
using Musubi.Infrastructure;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Feeds;
using Musubi.Infrastructure.Ledger;
using Musubi.Infrastructure.Setup;
using Musubi.Server.Api;
using Musubi.Server.Auth;
using Musubi.Server.Components;
using Musubi.Server.Hosting;
using Musubi.Server.Ingestion;
using Musubi.Server.Ledger;
using Musubi.Server.Taxii;
using Musubi.Server.Ui;

var builder = WebApplication.CreateBuilder(args);
if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
{
    builder.WebHost.UseUrls(MusubiHost.DefaultUrl);
}

builder.WebHost.ConfigureKestrel(k =>
{
    k.Limits.MaxRequestBodySize = RequestSizeLimit.MaxBytes;
    k.AddServerHeader = false;
});
builder.Services.Configure<FormOptions>(o => o.MultipartBodyLengthLimit = RequestSizeLimit.MaxBytes);

var dataDirectory = MusubiHost.DataDirectory(builder.Configuration);
builder.Services.AddSingleton(builder.Configuration.GetSection(Musubi.Infrastructure.Detection.IngestOptions.Section).Get<Musubi.Infrastructure.Detection.IngestOptions>() ?? new());
builder.Services.AddSingleton(builder.Configuration.GetSection(Musubi.Infrastructure.Detection.DetectionOptions.Section).Get<Musubi.Infrastructure.Detection.DetectionOptions>() ?? new());
builder.Services.AddSingleton(builder.Configuration.GetSection(Musubi.Infrastructure.Intelligence.DecayOptions.Section).Get<Musubi.Infrastructure.Intelligence.DecayOptions>() ?? new());
builder.Services.AddHostedService<DetectionWorker>();
builder.Services.AddHostedService<IndicatorRefresher>();
builder.Services.AddSingleton<IngestListeners>();
builder.Services.AddSingleton<SensorRequestGate>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<IngestListeners>());
var ledgerOptions = builder.Configuration.GetSection(LedgerOptions.Section).Get<LedgerOptions>() ?? new LedgerOptions();
builder.Services.AddMusubiInfrastructure(
    MusubiHost.DatabaseOptions(builder.Configuration, dataDirectory),
    MusubiHost.IdentityOptions(builder.Configuration),
    MusubiHost.SetupOptions(builder.Configuration),
    queue: builder.Configuration.GetSection(Musubi.Infrastructure.Queueing.QueueOptions.Section).Get<Musubi.Infrastructure.Queueing.QueueOptions>(),
    ledger: ledgerOptions);
var feedOptions = builder.Configuration.GetSection(Musubi.Infrastructure.Feeds.FeedOptions.Section).Get<Musubi.Infrastructure.Feeds.FeedOptions>()
    ?? new Musubi.Infrastructure.Feeds.FeedOptions();
builder.Services.AddSingleton(feedOptions);
builder.Services.AddHostedService<Musubi.Server.Workers.FeedWorker>();
builder.Services.AddLedgerJobs(ledgerOptions);
builder.Services.AddHttpContextAccessor();
builder.Services.AddScoped<IAuditContext, HttpAuditContext>();
builder.Services.AddMusubiAuth();
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<ProblemMapping.Handler>();
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
builder.Services.ConfigureHttpJsonOptions(o => MusubiJson.Apply(o.SerializerOptions));
builder.Services.AddMusubiOpenApi();
builder.Services.AddMusubiUi();
builder.Services.AddHostedService<Musubi.Server.Workers.ExerciseWorker>();
builder.Services.AddHostedService<Musubi.Server.Workers.NotificationWorker>();
builder.Services.AddHostedService<Musubi.Server.Workers.FederationWorker>();
builder.Services.AddSingleton(builder.Configuration.GetSection(Musubi.Infrastructure.Federation.FederationOptions.Section).Get<Musubi.Infrastructure.Federation.FederationOptions>()
    ?? new Musubi.Infrastructure.Federation.FederationOptions());
builder.Services.AddSingleton(builder.Configuration.GetSection(Musubi.Infrastructure.Notifications.SmtpOptions.Section).Get<Musubi.Infrastructure.Notifications.SmtpOptions>()
    ?? new Musubi.Infrastructure.Notifications.SmtpOptions());

builder.Services.AddFeedDelivery(builder.Configuration);
// A configured recording file (dry runs, the kill -9 test) replaces the e-mail sender.
Musubi.Infrastructure.Feeds.FeedsServiceCollectionExtensions.AddRecordingFeedSenderIfConfigured(builder.Services, feedOptions);

var app = builder.Build();

await using (var scope = app.Services.CreateAsyncScope())
{
    var result = await scope.ServiceProvider.GetRequiredService<DatabaseInitialiser>().InitialiseAsync(CancellationToken.None);
    if (result.GeneratedAdminPassword is { } password)
    {
        // Shown once, on the console only (never logged): the operator copies it and changes it after signing in.
        Console.WriteLine();
        Console.WriteLine("==================================================================");
        Console.WriteLine(" Musubi: first administrator created");
        Console.WriteLine($"   user name: {DatabaseInitialiser.AdminUserName}");
        Console.WriteLine($"   password:  {password}");
        Console.WriteLine(" This password is shown only now. Set MUSUBI_ADMIN_PASSWORD to choose it.");
        Console.WriteLine("==================================================================");
        Console.WriteLine();
    }
}

// A fictional constituency to try Musubi with: MUSUBI_DEMO_DATA=1 or Musubi:Setup:DemoData=true (idempotent).
if (DemoData.IsRequested(app.Configuration))
{
    await DemoData.SeedAsync(app.Services);
}

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseRequestSizeLimit();
app.UseRequestLocalization(UiLocalization.RequestLocalizationOptions());
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapGet("/healthz", async (MusubiDbContext db, CancellationToken ct) =>
        await db.Database.CanConnectAsync(ct) ? Results.Text("ok") : Results.StatusCode(StatusCodes.Status503ServiceUnavailable))
    .AllowAnonymous()
    .ExcludeFromDescription();

var v1 = app.MapGroup("/api/v1").WithProblemMapping();
v1.MapSignInApi();
var api = v1.MapGroup("").RequireAuthorization(AuthServiceCollectionExtensions.ApiPolicy);
api.MapOrganisationsApi();
api.MapCommunitiesApi();
api.MapIdentityApi();
api.MapAuditApi();
api.MapIncidentsApi();
api.MapNotificationsApi();
api.MapIntelligenceApi();
api.MapSensorsApi();
api.MapQuarantineApi();
api.MapFeedsApi();
api.MapAlertsApi();
api.MapRuleSetsApi();
api.MapFeedDeliveryApi();
app.MapIngestApi();
api.MapLedgerApi();
api.MapFederationApi();
app.MapTaxiiApi();
app.MapMusubiOpenApi();
app.MapMusubiUi();
app.MapIncidentReportDownload();
app.MapIspPortalDownload();
app.MapStaticAssets();
app.MapRazorComponents<App>();

await app.RunAsync();

/// <summary>Entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
