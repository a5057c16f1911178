using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Detection;
using Musubi.Server.Ingestion;
using Musubi.Testing;

namespace Musubi.Server.Tests;

/// <summary>The syslog listeners of a real server on ports the system picks: UDP and TCP (both framings), bad input.</summary>
public sealed class IngestListenerTests
{
    private const string SensorName = "listener-sensor";

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Musubi:Ingest:Listeners:0:Protocol"] = "tcp",
        ["Musubi:Ingest:Listeners:0:Port"] = "0",
        ["Musubi:Ingest:Listeners:0:Format"] = "syslog",
        ["Musubi:Ingest:Listeners:0:Sensor"] = SensorName,
        ["Musubi:Ingest:Listeners:1:Protocol"] = "udp",
        ["Musubi:Ingest:Listeners:1:Port"] = "0",
        ["Musubi:Ingest:Listeners:1:Format"] = "cef",
        ["Musubi:Ingest:Listeners:1:Sensor"] = SensorName,
    };

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!condition())
        {
            Assert.False(timeout.IsCancellationRequested, "gave up waiting for " + what);
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Tcp_and_udp_listeners_accept_framed_syslog_and_cef_quarantine_bad_input_and_keep_running()
    {
        await using var server = await MusubiServer.StartAsync(DatabaseProvider.Sqlite, settings: Settings);
        var admin = await server.SignInAsync("admin", MusubiServer.AdminPassword);
        var org = await Principals.CreateOrgAsync(admin, "Listener org", "192.0.2.0/24");
        (await admin.PostAsJsonAsync("/api/v1/sensors", new SensorInput(org.Id, SensorName), Principals.Json, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

        var listeners = server.Services.GetRequiredService<IngestListeners>();
        await listeners.Ready;
        var ingestor = server.Services.GetRequiredService<EventIngestor>();
        var tcp = listeners.Bound.Single(b => b.Protocol == "tcp").EndPoint;
        var udp = listeners.Bound.Single(b => b.Protocol == "udp").EndPoint;
        Assert.NotEqual(0, tcp.Port);
        Assert.NotEqual(0, udp.Port);

        using (var client = new TcpClient())
        {
            await client.ConnectAsync(tcp, TestContext.Current.CancellationToken);
            var stream = client.GetStream();
            var octet = "<13>1 2026-11-25T10:00:00Z gw app - - - counted";
            await stream.WriteAsync(Encoding.UTF8.GetBytes($"{Encoding.UTF8.GetByteCount(octet)} {octet}<13>Nov 25 10:00:00 gw sshd[1]: newline one\n<999>bad priority\r\n<13>last without newline"),
                TestContext.Current.CancellationToken);
        }

        using (var client = new UdpClient())
        {
            var datagram = "CEF:0|V|P|1|100|Blocked|5|src=192.0.2.7 dst=203.0.113.7"u8.ToArray();
            await client.SendAsync(datagram, udp, TestContext.Current.CancellationToken);
        }

        await WaitForAsync(() => ingestor.AcceptedTotal >= 4 && ingestor.QuarantinedTotal >= 1, "4 accepted, 1 quarantined");
        Assert.Equal(4, ingestor.AcceptedTotal);
        Assert.Equal(1, ingestor.QuarantinedTotal);

        // Garbage, then a frame that breaks the stream: the connection is closed, the listener lives on.
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(tcp, TestContext.Current.CancellationToken);
            var garbage = new byte[5000];
            new Random(3).NextBytes(garbage);
            for (var i = 0; i < garbage.Length; i++)
            {
                garbage[i] = garbage[i] is (byte)'\n' or >= (byte)'0' and <= (byte)'9' ? (byte)'x' : garbage[i];
            }

            garbage[0] = 0xFF; // never valid UTF-8
            await client.GetStream().WriteAsync(Encoding.UTF8.GetBytes("<13>ok before garbage\n"), TestContext.Current.CancellationToken);
            await client.GetStream().WriteAsync(garbage.AsMemory(0, 100), TestContext.Current.CancellationToken);
            await client.GetStream().WriteAsync("\n99999999 "u8.ToArray(), TestContext.Current.CancellationToken);
        }

        await WaitForAsync(() => ingestor.QuarantinedTotal >= 3, "the garbage line and the broken frame quarantined");
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(tcp, TestContext.Current.CancellationToken);
            await client.GetStream().WriteAsync("<13>Nov 25 10:00:01 gw app: still listening\n"u8.ToArray(), TestContext.Current.CancellationToken);
        }

        await WaitForAsync(() => ingestor.AcceptedTotal >= 6, "the line after the garbage");

        await using var scope = server.Services.CreateAsyncScope();
        var quarantine = await scope.ServiceProvider.GetRequiredService<MusubiDbContext>().Set<QuarantinedEventEntity>().OrderBy(q => q.Id)
            .ToListAsync(TestContext.Current.CancellationToken);
        Assert.Contains(quarantine, q => q.Reason.Contains("priority", StringComparison.Ordinal) && q.Raw == "<999>bad priority" && q.Source.StartsWith("tcp:", StringComparison.Ordinal));
        Assert.Contains(quarantine, q => q.Reason.Contains("octet-counted frame longer", StringComparison.Ordinal));
        Assert.All(quarantine, q => Assert.Equal(org.Id, q.OrganisationId));
    }
}
