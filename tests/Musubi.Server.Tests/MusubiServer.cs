using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Infrastructure;
using Musubi.Testing;

namespace Musubi.Server.Tests;

/// <summary>The real server in memory on its own database (a new SQLite file or PostgreSQL database).</summary>
public sealed class MusubiServer : WebApplicationFactory<Program>
{
    public const string AdminPassword = "server-test-root-passphrase";

    private readonly string _provider;
    private readonly string _connectionString;
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("musubi-server-").FullName;

    private readonly IReadOnlyDictionary<string, string> _settings;

    private MusubiServer(string provider, string connectionString, IReadOnlyDictionary<string, string>? settings)
    {
        _provider = provider;
        _connectionString = connectionString;
        _settings = settings ?? new Dictionary<string, string>();
    }

    /// <param name="settings">Extra configuration (e.g. ingest listeners) for this server only.</param>
    public static async Task<MusubiServer> StartAsync(DatabaseProvider provider, PostgresServer? postgres = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        var server = provider == DatabaseProvider.Postgres
            ? new MusubiServer("postgres", await postgres!.CreateDatabaseAsync("server"), settings)
            : new MusubiServer("sqlite", SqliteFiles.NewConnectionString("server"), settings);
        _ = server.Server; // start now, so the first request does not pay for migrations
        return server;
    }

    /// <summary>Another server on an existing database (e.g. a second node on the same PostgreSQL database).</summary>
    public static MusubiServer StartOn(DatabaseProvider provider, string connectionString, IReadOnlyDictionary<string, string>? settings = null)
    {
        var server = new MusubiServer(provider == DatabaseProvider.Postgres ? "postgres" : "sqlite", connectionString, settings);
        _ = server.Server;
        return server;
    }

    /// <summary>
    /// The server on a real loopback port (port 0: the system picks a free one), for tests where another server or an
    /// HTTP client outside the process must reach it (federation partners). <see cref="BaseAddress"/> is its address.
    /// </summary>
    public static async Task<MusubiServer> StartListeningAsync(DatabaseProvider provider, PostgresServer? postgres = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        var server = provider == DatabaseProvider.Postgres
            ? new MusubiServer("postgres", await postgres!.CreateDatabaseAsync("remote"), settings)
            : new MusubiServer("sqlite", SqliteFiles.NewConnectionString("remote"), settings);
        server.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        server.StartServer();
        var address = server.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
        return server;
    }

    /// <summary>The real address when started with <see cref="StartListeningAsync"/>; null for the in-memory server.</summary>
    public Uri? BaseAddress { get; private set; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Musubi:Database:Provider", _provider);
        builder.UseSetting("Musubi:Database:ConnectionString", _connectionString);
        builder.UseSetting("MUSUBI_ADMIN_PASSWORD", AdminPassword);
        builder.UseSetting("MUSUBI_DATA", _dataDirectory);
        builder.UseSetting("Musubi:Identity:Argon2MemoryKiB", "1024");
        builder.UseSetting("Musubi:Identity:Argon2Iterations", "1");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        // Test partners are other servers on 127.0.0.1: the operator setting that allows private addresses (a test that
        // checks the refusal turns it off).
        builder.UseSetting("Musubi:Federation:AllowPrivateAddresses", "true");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public HttpClient Anonymous() => BaseAddress is { } real
        ? new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = real }
        : CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    public HttpClient WithToken(string token)
    {
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Signs in over the API and returns a client carrying the token it got.</summary>
    public async Task<HttpClient> SignInAsync(string userName, string password)
    {
        using var anonymous = Anonymous();
        var response = await anonymous.PostAsJsonAsync("/api/v1/auth/sign-in", new { userName, password });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return WithToken(body.GetProperty("token").GetString()!);
    }

    public static async Task<T> ReadAsync<T>(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{(int)response.StatusCode} {response.StatusCode}: {text}");
        }

        return JsonSerializer.Deserialize<T>(text, MusubiJson.Options)!;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
