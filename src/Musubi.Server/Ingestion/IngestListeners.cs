using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Musubi.Detection.Ingestion;
using Musubi.Infrastructure.Detection;

namespace Musubi.Server.Ingestion;

/// <summary>A listener as bound (with the port the system picked when configured with 0).</summary>
public sealed record BoundListener(string Protocol, IPEndPoint EndPoint, IngestFormat Format, string Sensor);

/// <summary>
/// The syslog / CEF / JSON-line listeners of <see cref="IngestOptions.Listeners"/>: UDP, TCP and TLS (RFC 6587
/// octet counting or newline framing). Each listener feeds a bounded channel; one pump per listener takes batches from
/// it into <see cref="EventIngestor"/>, waiting while detection is behind. When the channel is full TCP connections
/// stop being read (the sender's window closes) and UDP datagrams are dropped and counted: memory stays bounded.
/// Bad input is quarantined; a broken connection is closed; the listener itself keeps running.
/// </summary>
public sealed class IngestListeners(IngestOptions options, IServiceScopeFactory scopes, EventIngestor ingestor, ILogger<IngestListeners> log) : BackgroundService
{
    private const int BatchSize = 500;
    private readonly List<BoundListener> bound = [];
    private readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long dropped;

    public IReadOnlyList<BoundListener> Bound => bound;

    /// <summary>Completes once every configured listener is bound.</summary>
    public Task Ready => ready.Task;

    /// <summary>UDP datagrams dropped because the listener's buffer was full.</summary>
    public long Dropped => Interlocked.Read(ref dropped);

    private readonly List<ChannelReader<ReadOnlyMemory<byte>>> buffers = [];

    /// <summary>Events held in the listeners' buffers now (each at most <see cref="IngestOptions.ListenerBuffer"/>).</summary>
    public int Buffered
    {
        get
        {
            lock (buffers)
            {
                return buffers.Sum(b => b.Count);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var tasks = new List<Task>();
        try
        {
            foreach (var config in options.Listeners)
            {
                if (!IngestFormats.TryParse(config.Format, out var format))
                {
                    log.LogError("ingest listener: unknown format {Format}; listener skipped", config.Format);
                    continue;
                }

                var address = IPAddress.Parse(config.Address);
                var channel = Channel.CreateBounded<ReadOnlyMemory<byte>>(new BoundedChannelOptions(options.ListenerBuffer)
                {
                    FullMode = BoundedChannelFullMode.Wait,
                    SingleReader = true,
                });
                lock (buffers)
                {
                    buffers.Add(channel.Reader);
                }

                var protocol = config.Protocol.ToLowerInvariant();
                IPEndPoint endPoint;
                Task loop;
                if (protocol == "udp")
                {
                    var udp = new UdpClient(new IPEndPoint(address, config.Port));
                    endPoint = (IPEndPoint)udp.Client.LocalEndPoint!;
                    loop = UdpLoopAsync(udp, channel.Writer, stoppingToken);
                }
                else if (protocol is "tcp" or "tls")
                {
                    var certificate = protocol == "tls" ? LoadCertificate(config) : null;
                    var tcp = new TcpListener(address, config.Port);
                    tcp.Start();
                    endPoint = (IPEndPoint)tcp.LocalEndpoint;
                    loop = TcpLoopAsync(tcp, certificate, channel.Writer, config.Sensor, endPoint, stoppingToken);
                }
                else
                {
                    log.LogError("ingest listener: unknown protocol {Protocol}; listener skipped", config.Protocol);
                    continue;
                }

                var listener = new BoundListener(protocol, endPoint, format, config.Sensor);
                bound.Add(listener);
                tasks.Add(loop);
                tasks.Add(PumpAsync(listener, channel.Reader, stoppingToken));
                log.LogInformation("ingest listener {Protocol} on {EndPoint} ({Format}) for sensor {Sensor}", protocol, endPoint, config.Format, config.Sensor);
            }
        }
        finally
        {
            ready.TrySetResult();
        }

        await Task.WhenAll(tasks);
    }

    private static X509Certificate2 LoadCertificate(ListenerOptions config)
    {
        if (string.IsNullOrEmpty(config.CertificatePath))
        {
            throw new InvalidOperationException("a TLS ingest listener needs CertificatePath");
        }

        return config.CertificateKeyPath is { Length: > 0 } key
            ? X509Certificate2.CreateFromPemFile(config.CertificatePath, key)
            : X509CertificateLoader.LoadPkcs12FromFile(config.CertificatePath, config.CertificatePassword);
    }

    private async Task UdpLoopAsync(UdpClient udp, ChannelWriter<ReadOnlyMemory<byte>> writer, CancellationToken ct)
    {
        using var _ = udp;
        while (!ct.IsCancellationRequested)
        {
            UdpReceiveResult datagram;
            try
            {
                datagram = await udp.ReceiveAsync(ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException e)
            {
                log.LogWarning("ingest listener (udp): {Error}", e.Message);
                continue;
            }

            // One message per datagram (RFC 5426); JSON lines may pack several.
            foreach (var line in IngestApi.SplitLines(datagram.Buffer))
            {
                if (!writer.TryWrite(line))
                {
                    Interlocked.Increment(ref dropped);
                }
            }
        }
    }

    private async Task TcpLoopAsync(TcpListener tcp, X509Certificate2? certificate, ChannelWriter<ReadOnlyMemory<byte>> writer, string sensor, IPEndPoint endPoint, CancellationToken ct)
    {
        var connections = new List<Task>();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var client = await tcp.AcceptTcpClientAsync(ct);
                connections.RemoveAll(t => t.IsCompleted);
                connections.Add(ConnectionAsync(client, certificate, writer, $"{(certificate is null ? "tcp" : "tls")}:{endPoint.Port}", sensor, ct));
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            tcp.Stop();
        }

        await Task.WhenAll(connections);
    }

    private async Task ConnectionAsync(TcpClient client, X509Certificate2? certificate, ChannelWriter<ReadOnlyMemory<byte>> writer, string source, string sensor, CancellationToken ct)
    {
        using var _ = client;
        try
        {
            Stream stream = client.GetStream();
            if (certificate is not null)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, ct);
                stream = tls;
            }

            await using var __ = stream;
            var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024));
            while (true)
            {
                var read = await reader.ReadAsync(ct);
                var buffer = read.Buffer;
                while (true)
                {
                    var result = StreamFraming.TryRead(ref buffer, IngestParser.MaxLineBytes, out var frame, out var error);
                    if (result == FrameResult.Frame)
                    {
                        // Waits while the channel is full: the socket is not read, TCP pushes back on the sender.
                        await writer.WriteAsync(frame.ToArray(), ct);
                        continue;
                    }

                    if (result == FrameResult.Broken)
                    {
                        var sample = buffer.Slice(0, Math.Min(buffer.Length, 4096)).ToArray();
                        await QuarantineAsync(sensor, source, error!, sample, ct);
                        await reader.CompleteAsync();
                        return;
                    }

                    break;
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (read.IsCompleted)
                {
                    if (!buffer.IsEmpty)
                    {
                        // The last line without its LF still counts.
                        await writer.WriteAsync(buffer.ToArray(), ct);
                    }

                    await reader.CompleteAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is IOException or SocketException or System.Security.Authentication.AuthenticationException or InvalidOperationException)
        {
            log.LogInformation("ingest connection {Source} closed: {Error}", source, e.Message);
        }
    }

    private async Task QuarantineAsync(string sensorName, string source, string reason, ReadOnlyMemory<byte> raw, CancellationToken ct)
    {
        try
        {
            await ingestor.QuarantineAsync(await ResolveAsync(sensorName, ct), source, reason, raw, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning("ingest quarantine failed: {Error}", e.Message);
        }
    }

    private async Task PumpAsync(BoundListener listener, ChannelReader<ReadOnlyMemory<byte>> reader, CancellationToken ct)
    {
        var source = $"{listener.Protocol}:{listener.EndPoint.Port}";
        var batch = new List<ReadOnlyMemory<byte>>(BatchSize);
        try
        {
            while (await reader.WaitToReadAsync(ct))
            {
                while (batch.Count < BatchSize && reader.TryRead(out var line))
                {
                    batch.Add(line);
                }

                var sensor = await ResolveAsync(listener.Sensor, ct);
                while (true)
                {
                    try
                    {
                        await ingestor.ThrowIfOverloadedAsync(ct);
                        if (sensor is null)
                        {
                            foreach (var line in batch)
                            {
                                await ingestor.QuarantineAsync(null, source, $"listener sensor '{listener.Sensor}' is not registered or revoked", line, ct);
                            }
                        }
                        else
                        {
                            await ingestor.IngestAsync(sensor, listener.Format, source, batch, ct);
                        }

                        break;
                    }
                    catch (IngestOverloadedException e)
                    {
                        await Task.Delay(e.RetryAfter, ct);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        log.LogWarning("ingest listener {Source}: {Error}; retrying", source, e.Message);
                        await Task.Delay(TimeSpan.FromSeconds(1), ct);
                    }
                }

                batch.Clear();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<SensorIdentity?> ResolveAsync(string name, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<SensorService>().FindByNameAsync(name, ct);
    }
}
