using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Musubi.Ui.Tests;

/// <summary>The real server on a real loopback port (so Chromium can reach it), on a SQLite file of its own.</summary>
public sealed class UiServer : WebApplicationFactory<Program>
{
    public const string AdminPassword = "ui-test-chief-passphrase";

    private readonly string _directory = Directory.CreateTempSubdirectory("musubi-ui-").FullName;

    public Uri BaseAddress { get; private set; } = default!;

    public static UiServer Start()
    {
        var server = new UiServer();
        server.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        server.StartServer();
        var address = server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address);
        return server;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Musubi:Database:Provider", "sqlite");
        builder.UseSetting("Musubi:Database:ConnectionString", $"Data Source={Path.Combine(_directory, "musubi.db")}");
        builder.UseSetting("MUSUBI_ADMIN_PASSWORD", AdminPassword);
        builder.UseSetting("MUSUBI_DATA", _directory);
        builder.UseSetting("Musubi:Identity:Argon2MemoryKiB", "1024");
        builder.UseSetting("Musubi:Identity:Argon2Iterations", "1");
        builder.UseSetting("Musubi:Federation:AllowPrivateAddresses", "true");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold the WAL for a moment; a temp folder left behind is harmless.
        }
    }
}
