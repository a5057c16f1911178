using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Cli.Hosting;
using Musubi.Detection.Events;
using Musubi.Detection.Ingestion;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Detection;

namespace Musubi.Cli.Commands;

/// <summary>
/// `musubi ingest FILE --sensor NAME [--format jsonl|evtx-json|syslog|cef] [--server URL --token T]`: a file of events
/// into the detection pipeline as if the sensor had sent them. Without <c>--server</c> it writes to the database's
/// work queue directly (the same <see cref="EventIngestor"/> as the server; the sensor is looked up by name); with
/// <c>--server</c> it POSTs batches to <c>/api/ingest/events</c> with the sensor's token, waiting as told by
/// <c>Retry-After</c> when the server is overloaded. Malformed events are quarantined with their reason and listed by
/// line (or, for evtx-json, by event) number. Exit 0 all accepted, 1 some malformed or the run failed, 2 malformed
/// command line.
/// </summary>
internal static class IngestCommand
{
    /// <summary>Events per queue write or HTTP request (well under the server's 100,000 lines and 16 MiB).</summary>
    public const int BatchLines = 5_000;

    private const int BatchBytes = 8 * 1024 * 1024;

    /// <summary>Malformed events listed one by one; the rest are counted.</summary>
    private const int MaxListed = 100;

    /// <summary>The largest evtx-json file (it is read whole: objects may span lines).</summary>
    private const long MaxEvtxJsonBytes = 1L << 30;

    public static Command Build(CliEnvironment env, GlobalOptions global)
    {
        var file = new Argument<string>("FILE") { Description = "The event file" };
        var sensor = new Option<string>("--sensor") { Description = "The registered sensor the events come from", HelpName = "NAME", Required = true };
        var format = new Option<string>("--format")
        {
            Description = "jsonl (default: one JSON object per line), evtx-json (evtx_dump JSON: an array, lines or concatenated objects), syslog or cef",
            DefaultValueFactory = _ => "jsonl",
        }.AcceptOnlyFromAmong("jsonl", "evtx-json", "syslog", "cef");
        var server = new Option<string?>("--server") { Description = "Send to this Musubi server over HTTP instead of writing to the database", HelpName = "URL" };
        var token = new Option<string?>("--token") { Description = "The sensor's token (mss_…), with --server (default: MUSUBI_SENSOR_TOKEN)", HelpName = "T" };
        var command = new Command("ingest", "Ingest a file of events as a sensor: parsed, normalised, enriched and queued for detection")
        {
            file, sensor, format, server, token,
        };
        command.SetAction((parse, ct) => CliRun.RunAsync(env, "ingest", async () =>
        {
            var path = parse.GetValue(file)!;
            var name = parse.GetValue(sensor)!;
            var formatName = parse.GetValue(format)!;
            var url = parse.GetValue(server);
            var secret = parse.GetValue(token) ?? env.Variables.GetValueOrDefault("MUSUBI_SENSOR_TOKEN");
            if (url is not null && string.IsNullOrWhiteSpace(secret))
            {
                throw new UsageException("--server needs --token (or MUSUBI_SENSOR_TOKEN): the sensor's mss_ token");
            }

            if (url is null && secret is not null && parse.GetValue(token) is not null)
            {
                throw new UsageException("--token is only used with --server");
            }

            Uri? baseUri = null;
            if (url is not null && (!Uri.TryCreate(url, UriKind.Absolute, out baseUri) || baseUri.Scheme is not ("http" or "https")))
            {
                throw new UsageException($"--server '{url}' is not an http(s) URL");
            }

            if (!File.Exists(path))
            {
                throw new CliFailureException($"{path}: no such file");
            }

            var wire = formatName switch { "syslog" => IngestFormat.Syslog, "cef" => IngestFormat.Cef, _ => IngestFormat.JsonLines };
            ISink sink;
            CliSession? session = null;
            if (baseUri is not null)
            {
                sink = new HttpSink(baseUri, secret!, wire, env);
            }
            else
            {
                session = await CliSession.OpenAsync(env, global, parse, ct);
                env.Output.WriteLine($"Database: {session.Database}");
                var identity = await session.RunAsync(async sp =>
                {
                    var row = await sp.GetRequiredService<MusubiDbContext>().Set<SensorEntity>().AsNoTracking()
                        .FirstOrDefaultAsync(s => s.Name == name && s.RevokedAt == null, ct);
                    return row is null ? null : new SensorIdentity(row.Id, row.Name, row.OrganisationId);
                }) ?? throw new CliFailureException($"--sensor '{name}': no active sensor has this name");
                sink = new DatabaseSink(session.Services.GetRequiredService<EventIngestor>(), identity, wire, env);
            }

            try
            {
                return await RunAsync(env, path, name, formatName, wire, sink, ct);
            }
            finally
            {
                if (session is not null)
                {
                    await session.DisposeAsync();
                }

                (sink as IDisposable)?.Dispose();
            }
        }));
        return command;
    }

    private static async Task<int> RunAsync(CliEnvironment env, string path, string sensorName, string formatName, IngestFormat wire, ISink sink, CancellationToken ct)
    {
        var unit = formatName == "evtx-json" ? "event" : "line";
        var malformed = 0;
        long accepted = 0, quarantined = 0, seen = 0;
        var batch = new List<ReadOnlyMemory<byte>>(BatchLines);
        var batchBytes = 0;
        var lastReport = 0L;
        var reportEvery = env.Console.Profile.Capabilities.Interactive ? 10_000 : 100_000;

        void Malformed(long number, string reason)
        {
            malformed++;
            if (malformed <= MaxListed)
            {
                env.Error.WriteLine($"{path}: {unit} {number}: {reason}");
            }
        }

        async Task FlushAsync()
        {
            if (batch.Count == 0)
            {
                return;
            }

            var result = await sink.SendAsync(batch, ct);
            accepted += result.Accepted;
            quarantined += result.Quarantined;
            batch.Clear();
            batchBytes = 0;
            if (seen - lastReport >= reportEvery)
            {
                lastReport = seen;
                env.Error.WriteLine($"ingest: {seen.ToString("N0", CultureInfo.InvariantCulture)} {unit}s read, {accepted.ToString("N0", CultureInfo.InvariantCulture)} accepted");
            }
        }

        async Task AddAsync(long number, ReadOnlyMemory<byte> item)
        {
            seen++;
            // Parsed here too, only to name the bad ones by their place in the file; the ingestor quarantines them.
            if (!IngestParser.TryParse(wire, item.Span, out _, out var error))
            {
                Malformed(number, error!);
            }

            batch.Add(item);
            batchBytes += item.Length;
            if (batch.Count >= BatchLines || batchBytes >= BatchBytes)
            {
                await FlushAsync();
            }
        }

        if (formatName == "evtx-json")
        {
            var length = new FileInfo(path).Length;
            if (length > MaxEvtxJsonBytes)
            {
                throw new CliFailureException($"{path}: {length:N0} bytes is more than the {MaxEvtxJsonBytes:N0} an evtx-json file may have (use jsonl for larger files)");
            }

            var data = await File.ReadAllBytesAsync(path, ct);
            foreach (var item in JsonEventReader.Read(data, JsonEventReader.Detect(data)))
            {
                if (item.Error is not null)
                {
                    seen++;
                    Malformed(item.Index + 1, item.Error);
                    // Still quarantined, with the reason, like any malformed input.
                    await sink.QuarantineAsync(item.Error, item.Json, ct);
                    quarantined++;
                    continue;
                }

                // One compact line per object: the wire form of JSON lines.
                using var doc = JsonDocument.Parse(item.Json);
                await AddAsync(item.Index + 1, JsonSerializer.SerializeToUtf8Bytes(doc.RootElement));
            }
        }
        else
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            long number = 0;
            await foreach (var line in Lines(stream, ct))
            {
                number++;
                if (line.Length == 0)
                {
                    continue;
                }

                await AddAsync(number, line);
            }
        }

        await FlushAsync();
        if (malformed > MaxListed)
        {
            env.Error.WriteLine($"{path}: … and {(malformed - MaxListed).ToString("N0", CultureInfo.InvariantCulture)} more malformed {unit}s");
        }

        env.Output.WriteLine($"Ingested {path} as sensor {sensorName}: {accepted.ToString("N0", CultureInfo.InvariantCulture)} accepted, " +
            $"{quarantined.ToString("N0", CultureInfo.InvariantCulture)} quarantined (malformed) of {seen.ToString("N0", CultureInfo.InvariantCulture)} {unit}s");
        return quarantined > 0 || malformed > 0 ? ExitCodes.Failed : ExitCodes.Ok;
    }

    /// <summary>Lines of a stream without their line ending (\n or \r\n); a line over 1 MiB is cut there (and then refused by the parser's 64 KiB limit).</summary>
    private static async IAsyncEnumerable<ReadOnlyMemory<byte>> Lines(Stream stream, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        const int MaxKept = 1 << 20;
        var buffer = new byte[1 << 16];
        var line = new MemoryStream();
        var overflow = false;
        int read;
        while ((read = await stream.ReadAsync(buffer, ct)) > 0)
        {
            var start = 0;
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] != (byte)'\n')
                {
                    continue;
                }

                if (!overflow)
                {
                    line.Write(buffer, start, Math.Min(i - start, MaxKept - (int)line.Length));
                }

                yield return Trim(line.ToArray());
                line.SetLength(0);
                overflow = false;
                start = i + 1;
            }

            if (start < read && !overflow)
            {
                var keep = Math.Min(read - start, MaxKept - (int)line.Length);
                line.Write(buffer, start, keep);
                overflow = line.Length >= MaxKept;
            }
        }

        if (line.Length > 0)
        {
            yield return Trim(line.ToArray());
        }
    }

    private static ReadOnlyMemory<byte> Trim(byte[] line) => line.Length > 0 && line[^1] == '\r' ? line.AsMemory(0, line.Length - 1) : line;

    private interface ISink
    {
        Task<(int Accepted, int Quarantined)> SendAsync(IReadOnlyList<ReadOnlyMemory<byte>> lines, CancellationToken ct);

        Task QuarantineAsync(string reason, ReadOnlyMemory<byte> raw, CancellationToken ct);
    }

    /// <summary>Straight onto the database's work queue, waiting while detection is behind.</summary>
    private sealed class DatabaseSink(EventIngestor ingestor, SensorIdentity sensor, IngestFormat format, CliEnvironment env) : ISink
    {
        private const int MaxWaits = 120;

        public async Task<(int, int)> SendAsync(IReadOnlyList<ReadOnlyMemory<byte>> lines, CancellationToken ct)
        {
            for (var wait = 0; ; wait++)
            {
                try
                {
                    await ingestor.ThrowIfOverloadedAsync(ct);
                    break;
                }
                catch (IngestOverloadedException e) when (wait < MaxWaits)
                {
                    if (wait == 0)
                    {
                        env.Error.WriteLine($"ingest: {e.Message}; waiting");
                    }

                    await Task.Delay(e.RetryAfter, ct);
                }
            }

            var result = await ingestor.IngestAsync(sensor, format, "file", lines, ct);
            return (result.Accepted, result.Quarantined);
        }

        public Task QuarantineAsync(string reason, ReadOnlyMemory<byte> raw, CancellationToken ct) =>
            ingestor.QuarantineAsync(sensor, "file", reason, raw, ct);
    }

    /// <summary>POST batches to the server's ingestion endpoint; 429/503 wait for Retry-After and try the batch again.</summary>
    private sealed class HttpSink : ISink, IDisposable
    {
        private const int MaxRetries = 60;
        private readonly HttpClient http;
        private readonly IngestFormat format;
        private readonly CliEnvironment env;

        public HttpSink(Uri server, string token, IngestFormat format, CliEnvironment env)
        {
            http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromMinutes(5) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            this.format = format;
            this.env = env;
        }

        public async Task<(int, int)> SendAsync(IReadOnlyList<ReadOnlyMemory<byte>> lines, CancellationToken ct)
        {
            var body = new MemoryStream();
            foreach (var line in lines)
            {
                body.Write(line.Span);
                body.WriteByte((byte)'\n');
            }

            var query = "/api/ingest/events?format=" + IngestFormats.Name(format);
            for (var attempt = 0; ; attempt++)
            {
                using var content = new ByteArrayContent(body.GetBuffer(), 0, (int)body.Length);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
                using var response = await http.PostAsync(query, content, ct);
                if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable && attempt < MaxRetries)
                {
                    var delay = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(5);
                    delay = delay < TimeSpan.Zero ? TimeSpan.Zero : delay > TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : delay;
                    if (attempt == 0)
                    {
                        env.Error.WriteLine($"ingest: the server is busy ({(int)response.StatusCode}); retrying after {delay.TotalSeconds:F0} s");
                    }

                    await Task.Delay(delay, ct);
                    continue;
                }

                var text = await response.Content.ReadAsStringAsync(ct);
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    throw new CliFailureException(response.StatusCode == HttpStatusCode.Unauthorized
                        ? "the server refused the sensor token (401)"
                        : $"the server answered {(int)response.StatusCode}: {(text.Length > 500 ? text[..500] : text)}");
                }

                using var doc = JsonDocument.Parse(text);
                return (doc.RootElement.GetProperty("accepted").GetInt32(), doc.RootElement.GetProperty("quarantined").GetInt32());
            }
        }

        /// <summary>Over HTTP an unreadable evtx-json object is sent as its text, which the server quarantines.</summary>
        public Task QuarantineAsync(string reason, ReadOnlyMemory<byte> raw, CancellationToken ct)
        {
            var flat = raw.Length == 0 ? Encoding.UTF8.GetBytes("(empty)") : raw.ToArray();
            for (var i = 0; i < flat.Length; i++)
            {
                if (flat[i] is (byte)'\n' or (byte)'\r')
                {
                    flat[i] = (byte)' ';
                }
            }

            return SendAsync([flat], ct);
        }

        public void Dispose() => http.Dispose();
    }
}
