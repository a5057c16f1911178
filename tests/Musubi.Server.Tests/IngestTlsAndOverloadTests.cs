using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Detection;
using Musubi.Server.Ingestion;
using Musubi.Testing;

namespace Musubi.Server.Tests;

/// <summary>The TLS syslog listener end to end with a certificate made here, and HTTP ingestion refusing with Retry-After when detection is behind.</summary>
public sealed class IngestTlsAndOverloadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "gave up waiting for " + what);
            await Task.Delay(50, Ct);
        }
    }

    [Fact]
    public async Task The_tls_listener_takes_octet_counted_and_newline_framed_syslog_over_a_self_signed_certificate()
    {
        var folder = Directory.CreateTempSubdirectory("musubi-tls-").FullName;
        try
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            var pfx = Path.Combine(folder, "listener.pfx");
            await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "pfx-pass"), Ct);

            await using var server = await MusubiServer.StartAsync(DatabaseProvider.Sqlite, settings: new Dictionary<string, string>
            {
                ["Musubi:Ingest:Listeners:0:Protocol"] = "tls",
                ["Musubi:Ingest:Listeners:0:Port"] = "0",
                ["Musubi:Ingest:Listeners:0:Format"] = "syslog",
                ["Musubi:Ingest:Listeners:0:Sensor"] = "tls-sensor",
                ["Musubi:Ingest:Listeners:0:CertificatePath"] = pfx,
                ["Musubi:Ingest:Listeners:0:CertificatePassword"] = "pfx-pass",
                ["Musubi:Detection:Enabled"] = "false",
            });
            using var admin = await server.SignInAsync("admin", MusubiServer.AdminPassword);
            var org = await Principals.CreateOrgAsync(admin, "TLS org", "192.0.2.0/24");
            (await admin.PostAsJsonAsync("/api/v1/sensors", new SensorInput(org.Id, "tls-sensor"), Principals.Json, Ct)).EnsureSuccessStatusCode();
            var listeners = server.Services.GetRequiredService<IngestListeners>();
            await listeners.Ready;
            var endPoint = listeners.Bound.Single(b => b.Protocol == "tls").EndPoint;
            var ingestor = server.Services.GetRequiredService<EventIngestor>();

            // The client pins the certificate it was given out of band: nothing else would pass.
            var thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
            string? seenThumbprint = null;
            using (var client = new TcpClient())
            {
                await client.ConnectAsync(endPoint, Ct);
                await using var tls = new SslStream(client.GetStream(), false, (_, cert, _, _) =>
                {
                    seenThumbprint = cert?.GetCertHashString(HashAlgorithmName.SHA256);
                    return seenThumbprint == thumbprint;
                });
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }, Ct);
                var octet = "<13>1 2026-11-25T10:00:00Z gw app - - - over tls";
                await tls.WriteAsync(Encoding.UTF8.GetBytes($"{Encoding.UTF8.GetByteCount(octet)} {octet}<13>Nov 25 10:00:00 gw sshd[1]: Failed password for root\n<999>bad\n"), Ct);
                await tls.FlushAsync(Ct);
            }

            Assert.Equal(thumbprint, seenThumbprint);
            await WaitForAsync(() => ingestor.AcceptedTotal >= 2 && ingestor.QuarantinedTotal >= 1, "2 accepted and 1 quarantined over TLS");
            Assert.Equal((2, 1), (ingestor.AcceptedTotal, ingestor.QuarantinedTotal));

            // A client that does not speak TLS is dropped; the listener keeps serving.
            using (var plain = new TcpClient())
            {
                await plain.ConnectAsync(endPoint, Ct);
                await plain.GetStream().WriteAsync("<13>Nov 25 10:00:00 gw app: plain text\n"u8.ToArray(), Ct);
            }

            using (var client = new TcpClient())
            {
                await client.ConnectAsync(endPoint, Ct);
                await using var tls = new SslStream(client.GetStream(), false, (_, cert, _, _) => cert?.GetCertHashString(HashAlgorithmName.SHA256) == thumbprint);
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }, Ct);
                await tls.WriteAsync("<13>Nov 25 10:00:01 gw app: after the plain client\n"u8.ToArray(), Ct);
                await tls.FlushAsync(Ct);
            }

            await WaitForAsync(() => ingestor.AcceptedTotal >= 3, "the line after the plain-text client");
            Assert.Equal(3, ingestor.AcceptedTotal);
            await using var scope = server.Services.CreateAsyncScope();
            var quarantined = await scope.ServiceProvider.GetRequiredService<MusubiDbContext>().Set<QuarantinedEventEntity>().ToListAsync(Ct);
            Assert.Contains(quarantined, q => q.Raw == "<999>bad" && q.Source.StartsWith("tls:", StringComparison.Ordinal) && q.OrganisationId == org.Id);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Http_ingestion_answers_503_with_retry_after_while_the_backlog_is_over_its_bound_and_accepts_again_once_drained()
    {
        await using var server = await MusubiServer.StartAsync(DatabaseProvider.Sqlite, settings: new Dictionary<string, string>
        {
            ["Musubi:Ingest:MaxBacklog"] = "3",
            ["Musubi:Ingest:RetryAfterSeconds"] = "9",
            // No worker: nothing drains the queue until the test does.
            ["Musubi:Detection:Enabled"] = "false",
        });
        using var admin = await server.SignInAsync("admin", MusubiServer.AdminPassword);
        var org = await Principals.CreateOrgAsync(admin, "Busy org", "192.0.2.0/24");
        var sensor = await MusubiServer.ReadAsync<CreatedSensor>(await admin.PostAsJsonAsync("/api/v1/sensors", new SensorInput(org.Id, "busy"), Principals.Json, Ct));
        using var client = server.Anonymous();

        async Task<HttpResponseMessage> Send(string body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ingest/events") { Content = new StringContent(body, Encoding.UTF8, "application/x-ndjson") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", sensor.Token);
            return await client.SendAsync(request, Ct);
        }

        using (var first = await Send("{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n"))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        }

        using (var refused = await Send("{\"a\":4}\n"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(9), refused.Headers.RetryAfter?.Delta);
        }

        var queue = server.Services.GetRequiredService<Musubi.Core.Queueing.IWorkQueue>();
        Assert.Equal(3, await queue.BacklogAsync(EventIngestor.Topic, Ct));
        foreach (var m in await queue.LeaseAsync(EventIngestor.Topic, 10, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5), Ct))
        {
            await queue.AckAsync(m, Ct);
        }

        using var again = await Send("{\"a\":4}\n");
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
    }

    [Fact]
    public async Task Http_ingestion_answers_503_with_retry_after_while_the_sqlite_store_is_locked_by_another_writer_not_500()
    {
        // A one-second busy timeout, so that a write lock held elsewhere makes the ingest write give up quickly
        // (the default is 30 s; under a real flood the same thing happens after 30 s).
        var path = SqliteFiles.NewPath("busy");
        var connectionString = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = path, DefaultTimeout = 1, Pooling = true }.ToString();
        await using var server = MusubiServer.StartOn(DatabaseProvider.Sqlite, connectionString, new Dictionary<string, string>
        {
            ["Musubi:Ingest:RetryAfterSeconds"] = "7",
            ["Musubi:Detection:Enabled"] = "false",
        });
        using var admin = await server.SignInAsync("admin", MusubiServer.AdminPassword);
        var org = await Principals.CreateOrgAsync(admin, "Locked org", "192.0.2.0/24");
        var sensor = await MusubiServer.ReadAsync<CreatedSensor>(await admin.PostAsJsonAsync("/api/v1/sensors", new SensorInput(org.Id, "locked"), Principals.Json, Ct));
        using var client = server.Anonymous();

        async Task<HttpResponseMessage> Send(string body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ingest/events") { Content = new StringContent(body, Encoding.UTF8, "application/x-ndjson") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", sensor.Token);
            return await client.SendAsync(request, Ct);
        }

        await using (var writer = new Microsoft.Data.Sqlite.SqliteConnection(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            await writer.OpenAsync(Ct);
            await using (var begin = writer.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE";
                await begin.ExecuteNonQueryAsync(Ct);
            }

            using var refused = await Send("{\"src_ip\":\"192.0.2.1\"}\n");
            Assert.True(refused.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)refused.StatusCode} {await refused.Content.ReadAsStringAsync(Ct)}");
            Assert.Equal(TimeSpan.FromSeconds(7), refused.Headers.RetryAfter?.Delta);

            await using var rollback = writer.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync(Ct);
        }

        using var again = await Send("{\"src_ip\":\"192.0.2.1\"}\n");
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
    }

    [Fact]
    public async Task A_tcp_listener_stops_reading_while_its_buffer_is_full_so_the_sender_blocks_and_memory_stays_bounded()
    {
        const int buffer = 50;
        const long maxBacklog = 20;
        await using var server = await MusubiServer.StartAsync(DatabaseProvider.Sqlite, settings: new Dictionary<string, string>
        {
            ["Musubi:Ingest:MaxBacklog"] = maxBacklog.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Musubi:Ingest:RetryAfterSeconds"] = "1",
            ["Musubi:Ingest:ListenerBuffer"] = buffer.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // No worker: nothing drains the queue, so the listener's consumer is stuck behind the backlog bound.
            ["Musubi:Detection:Enabled"] = "false",
            ["Musubi:Ingest:Listeners:0:Protocol"] = "tcp",
            ["Musubi:Ingest:Listeners:0:Port"] = "0",
            ["Musubi:Ingest:Listeners:0:Format"] = "syslog",
            ["Musubi:Ingest:Listeners:0:Sensor"] = "flood",
        });
        using var admin = await server.SignInAsync("admin", MusubiServer.AdminPassword);
        var org = await Principals.CreateOrgAsync(admin, "Flooding org", "192.0.2.0/24");
        (await admin.PostAsJsonAsync("/api/v1/sensors", new SensorInput(org.Id, "flood"), Principals.Json, Ct)).EnsureSuccessStatusCode();
        var listeners = server.Services.GetRequiredService<IngestListeners>();
        await listeners.Ready;
        var queue = server.Services.GetRequiredService<Musubi.Core.Queueing.IWorkQueue>();

        // 64 MiB of syslog lines: far more than the socket buffers of both ends, the reader's 64 KiB and the
        // listener's 50 events can hold, so the sender can only finish if the server keeps reading.
        const long total = 64L * 1024 * 1024;
        long sent = 0;
        using var client = new TcpClient();
        await client.ConnectAsync(listeners.Bound.Single(b => b.Protocol == "tcp").EndPoint, Ct);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var writer = Task.Run(async () =>
        {
            var line = Encoding.ASCII.GetBytes("<13>Nov 25 10:00:00 gw app: " + new string('x', 100) + "\n");
            var chunk = new byte[line.Length * 512];
            for (var i = 0; i < 512; i++)
            {
                line.CopyTo(chunk, i * line.Length);
            }

            var stream = client.GetStream();
            while (Interlocked.Read(ref sent) < total)
            {
                await stream.WriteAsync(chunk, stop.Token);
                Interlocked.Add(ref sent, chunk.Length);
            }
        }, Ct);

        // The queue reaches its bound, then the listener's buffer fills up to its capacity and stays there.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        long backlog;
        while ((backlog = await queue.BacklogAsync(EventIngestor.Topic, Ct)) < maxBacklog || listeners.Buffered != buffer)
        {
            Assert.True(DateTime.UtcNow < deadline, $"gave up waiting for the queue at its bound and the listener buffer full (backlog {backlog}, buffered {listeners.Buffered})");
            await Task.Delay(50, Ct);
        }

        Assert.InRange(backlog, maxBacklog, maxBacklog + 500); // the bound, overshot by at most one listener batch
        // The sender stops making progress: the same count of bytes sent at two polls in a row.
        long stalled = -1;
        await WaitForAsync(() =>
        {
            var now = Interlocked.Read(ref sent);
            var same = now == stalled;
            stalled = now;
            return same;
        }, "the sender blocked");

        // Blocked, not finished: most of the 64 MiB was never read, and nothing beyond the bounds is held.
        Assert.False(writer.IsCompleted);
        Assert.InRange(Interlocked.Read(ref sent), 1, total / 2);
        Assert.Equal(buffer, listeners.Buffered);
        Assert.Equal(backlog, await queue.BacklogAsync(EventIngestor.Topic, Ct));

        // Once detection catches up (here: the queue drained and its bound lifted, as the socket buffers hold
        // megabytes), the listener reads again and the sender moves on.
        server.Services.GetRequiredService<IngestOptions>().MaxBacklog = long.MaxValue;
        foreach (var m in await queue.LeaseAsync(EventIngestor.Topic, 10_000, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5), Ct))
        {
            await queue.AckAsync(m, Ct);
        }

        await WaitForAsync(() => Interlocked.Read(ref sent) > stalled, "the sender writing again after the drain");
        stop.Cancel();
        client.Close();
        await Assert.ThrowsAnyAsync<Exception>(() => writer);
    }

    [Fact]
    public async Task Http_ingestion_answers_429_with_retry_after_to_a_sensor_with_too_many_requests_in_progress_and_others_go_on()
    {
        await using var server = await MusubiServer.StartAsync(DatabaseProvider.Sqlite, settings: new Dictionary<string, string>
        {
            ["Musubi:Ingest:MaxConcurrentRequestsPerSensor"] = "1",
            ["Musubi:Ingest:RetryAfterSeconds"] = "7",
        });
        using var admin = await server.SignInAsync("admin", MusubiServer.AdminPassword);
        var org = await Principals.CreateOrgAsync(admin, "Eager org", "192.0.2.0/24");
        var eager = await MusubiServer.ReadAsync<CreatedSensor>(await admin.PostAsJsonAsync("/api/v1/sensors", new SensorInput(org.Id, "eager"), Principals.Json, Ct));
        var calm = await MusubiServer.ReadAsync<CreatedSensor>(await admin.PostAsJsonAsync("/api/v1/sensors", new SensorInput(org.Id, "calm"), Principals.Json, Ct));
        using var client = server.Anonymous();

        HttpRequestMessage Request(string token, HttpContent content)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/ingest/events") { Content = content };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return request;
        }

        StringContent Lines() => new("{\"a\":1}\n", Encoding.UTF8, "application/x-ndjson");

        // The eager sensor has its one request in progress (taken through the same gate the endpoint uses).
        var gate = server.Services.GetRequiredService<SensorRequestGate>();
        Assert.True(gate.TryEnter(eager.Sensor.Id, 1));
        Assert.Equal(1, gate.InProgress(eager.Sensor.Id));

        using (var refused = await client.SendAsync(Request(eager.Token, Lines()), Ct))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(7), refused.Headers.RetryAfter?.Delta);
            Assert.Contains("in progress", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        // Refused requests leave nothing behind, and another sensor is not held up.
        Assert.Equal(1, gate.InProgress(eager.Sensor.Id));
        using (var other = await client.SendAsync(Request(calm.Token, Lines()), Ct))
        {
            Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);
        }

        Assert.Equal(0, gate.InProgress(calm.Sensor.Id));
        gate.Leave(eager.Sensor.Id);
        Assert.Equal(0, gate.InProgress(eager.Sensor.Id));

        using var after = await client.SendAsync(Request(eager.Token, Lines()), Ct);
        Assert.Equal(HttpStatusCode.Accepted, after.StatusCode);
    }
}
