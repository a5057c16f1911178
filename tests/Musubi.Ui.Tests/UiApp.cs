using Xunit;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Constituency;
using Musubi.Infrastructure.Identity;

namespace Musubi.Ui.Tests;

/// <summary>
/// One server (own database) and one Chromium per test class. Each test opens its own browser context, so cookies
/// never leak between tests, and names what it creates uniquely, so tests do not depend on each other's data.
/// </summary>
public sealed class UiApp : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public UiServer Server { get; private set; } = default!;

    public IBrowser Browser { get; private set; } = default!;

    public async ValueTask InitializeAsync()
    {
        Server = UiServer.Start();
        (_playwright, Browser) = await Chromium.LaunchAsync();
    }

    /// <summary>A page in a fresh context. English unless a locale is given (Chromium sends it as Accept-Language).</summary>
    public async Task<IPage> NewPageAsync(string locale = "en-GB")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Server.BaseAddress.ToString(),
            Locale = locale,
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    /// <summary>Signs in with user name and password on the sign-in page (no second step).</summary>
    public static async Task SignInAsync(IPage page, string userName, string password)
    {
        await page.GotoAsync("/signin");
        await page.FillAsync("#userName", userName);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#signin");
        await page.WaitForURLAsync(url => !new Uri(url).AbsolutePath.StartsWith("/signin", StringComparison.Ordinal));
    }

    /// <summary>Waits until the page shows <paramref name="path"/> (and the query contains <paramref name="query"/>), fragment aside.</summary>
    public static Task WaitForPathAsync(IPage page, string path, string query = "") =>
        page.WaitForURLAsync(url =>
        {
            var uri = new Uri(url);
            return uri.AbsolutePath == path && uri.Query.Contains(query, StringComparison.Ordinal);
        });

    /// <summary>A user created through the service (not the UI under test), in the national centre's organisation.</summary>
    public async Task<UserDto> CreateUserAsync(string userName, Role role, string password)
    {
        await using var scope = Server.Services.CreateAsyncScope();
        var organisations = scope.ServiceProvider.GetRequiredService<OrganisationService>();
        var centre = (await organisations.ListAsync(Actor.System, new OrganisationQuery(Kind: OrganisationKind.NationalCentre), CancellationToken.None)).Items[0];
        return await scope.ServiceProvider.GetRequiredService<UserService>()
            .CreateAsync(Actor.System, new UserInput(userName, null, null, centre.Id, role, password), CancellationToken.None);
    }

    public async Task<Guid> CreateOrganisationAsync(string name)
    {
        await using var scope = Server.Services.CreateAsyncScope();
        var created = await scope.ServiceProvider.GetRequiredService<OrganisationService>().CreateAsync(Actor.System,
            new OrganisationInput(name, null, null, OrganisationKind.MinistryAgency, null, "JP", null), CancellationToken.None);
        return created.Id;
    }

    public async Task<Paged<OrganisationSummary>> FindOrganisationsAsync(string search)
    {
        await using var scope = Server.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OrganisationService>()
            .ListAsync(Actor.System, new OrganisationQuery(Search: search), CancellationToken.None);
    }

    /// <summary>While developing: a full-page screenshot in /tmp, named after the test.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var path = Path.Combine(Path.GetTempPath(), "musubi-ui-" + name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        TestContext.Current.TestOutputHelper?.WriteLine($"screenshot: {path}");
    }

    /// <summary>Runs a browser test; when it fails, logs where the page was and what it said, and keeps a screenshot.</summary>
    public static async Task RunAsync(IPage page, Func<Task> body, [CallerMemberName] string name = "")
    {
        try
        {
            await body();
        }
        catch
        {
            var log = TestContext.Current.TestOutputHelper;
            log?.WriteLine($"failed at {page.Url}");
            try
            {
                var html = await page.ContentAsync();
                log?.WriteLine(html.Length > 6_000 ? html[..6_000] : html);
                await ScreenshotAsync(page, name + "-failed");
            }
            catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
            {
                // The page itself is gone: the original failure says more.
            }

            throw;
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    public static string Unique(string prefix) => prefix + " " + Guid.NewGuid().ToString("N")[..8];

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}
