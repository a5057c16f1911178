using Microsoft.Playwright;
using Xunit;

namespace Musubi.Testing;

/// <summary>
/// Headless Chromium driven by Playwright, using the Debian <c>chromium</c> package (no <c>playwright install</c>, no
/// download). Use it as a fixture (<c>[assembly: AssemblyFixture(typeof(Browser))]</c> or <c>IClassFixture</c>): the
/// browser launches on the first <see cref="NewContextAsync"/>/<see cref="NewPageAsync"/>, so tests that never open a
/// page need no Chromium. Or <c>await using var browser = await Browser.LaunchAsync();</c>. Give each test its own
/// context or page: they are isolated from one another (cookies, storage).
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    /// <summary>Where Debian's <c>chromium</c> package puts the browser.</summary>
    public const string DefaultExecutablePath = "/usr/bin/chromium";

    /// <summary>Set this to another Chromium/Chrome binary to override <see cref="DefaultExecutablePath"/>.</summary>
    public const string EnvironmentVariable = "MUSUBI_CHROMIUM";

    private readonly SemaphoreSlim launchGate = new(1, 1);
    private IPlaywright? playwright;
    private IBrowser? browser;
    private bool disposed;

    /// <summary>The command-line switches Chromium gets: no sandbox (CI runs as root), no GPU, no network chatter.</summary>
    public static IReadOnlyList<string> Args { get; } =
    [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];

    /// <summary>The Chromium binary used: <c>$MUSUBI_CHROMIUM</c> if set, else <c>/usr/bin/chromium</c>.</summary>
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } path ? path : DefaultExecutablePath;

    /// <summary>Launch options with <see cref="ExecutablePath"/>, headless and <see cref="Args"/>.</summary>
    public static BrowserTypeLaunchOptions LaunchOptions() => new()
    {
        ExecutablePath = ExecutablePath,
        Headless = true,
        Args = [.. Args],
    };

    /// <summary>Launches Chromium now; dispose the result to close it.</summary>
    public static async Task<Browser> LaunchAsync(CancellationToken cancellationToken = default)
    {
        var result = new Browser();
        try
        {
            await result.GetChromiumAsync(cancellationToken);
        }
        catch
        {
            await result.DisposeAsync();
            throw;
        }

        return result;
    }

    /// <summary>Nothing happens here: Chromium launches on first use.</summary>
    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <summary>The browser, launched on the first call (thread-safe).</summary>
    public async Task<IBrowser> GetChromiumAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (browser is { } ready)
        {
            return ready;
        }

        await launchGate.WaitAsync(cancellationToken);
        try
        {
            if (browser is not null)
            {
                return browser;
            }

            var path = ExecutablePath;
            if (!File.Exists(path))
            {
                throw new InvalidOperationException(
                    $"Chromium not found at {path}. Install it with `apt-get install chromium` (Debian), or set " +
                    $"{EnvironmentVariable} to a Chromium/Chrome binary. Browser tests never download a browser " +
                    "(no `playwright install`).");
            }

            var driver = Path.Combine(AppContext.BaseDirectory, ".playwright");
            if (!Directory.Exists(driver))
            {
                throw new InvalidOperationException(
                    $"Playwright's driver is missing from {AppContext.BaseDirectory}: the test project must reference " +
                    "Microsoft.Playwright (directly or through Musubi.Testing) and must not set PlaywrightPlatform=none.");
            }

            playwright ??= await Microsoft.Playwright.Playwright.CreateAsync();
            browser = await playwright.Chromium.LaunchAsync(LaunchOptions());
            return browser;
        }
        finally
        {
            launchGate.Release();
        }
    }

    /// <summary>A new isolated context (cookies, storage) for one test; close it when done.</summary>
    public async Task<IBrowserContext> NewContextAsync(BrowserNewContextOptions? options = null) =>
        await (await GetChromiumAsync()).NewContextAsync(options);

    /// <summary>A new page in its own new context; closing the page closes the context.</summary>
    public async Task<IPage> NewPageAsync(BrowserNewPageOptions? options = null) =>
        await (await GetChromiumAsync()).NewPageAsync(options);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        if (browser is not null)
        {
            await browser.CloseAsync();
            await browser.DisposeAsync();
            browser = null;
        }

        playwright?.Dispose();
        playwright = null;
        launchGate.Dispose();
    }
}
