using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Queueing;
using Musubi.Detection.Ingestion;
using Musubi.Infrastructure.Constituency;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Ledger;

namespace Musubi.Infrastructure.Detection;

/// <summary>A bad line: its 0-based number in the batch and why it was refused.</summary>
public sealed record IngestLineError(int Line, string Reason);

public sealed record IngestResult(int Accepted, int Quarantined, IReadOnlyList<IngestLineError> Errors);

/// <summary>
/// Takes lines from a sensor (HTTP, a listener, a file), parses them, normalises each to its OCSF class, enriches
/// the addresses from the constituency, appends each accepted event's SHA-256 to the ledger (category
/// <c>raw-event</c>, the sensor's organisation; one durable commit per batch) and puts the events on the work queue;
/// returns only once both are durable.
/// Bad lines are quarantined (sensor, reason, raw line truncated, time) and counted, never thrown.
/// </summary>
public sealed class EventIngestor(IWorkQueue queue, OwnershipDirectory ownership, IServiceScopeFactory scopes, TimeProvider time, IngestOptions options,
    AsnTable? asns = null)
{
    /// <summary>The queue topic between ingestion and detection.</summary>
    public const string Topic = "events.ingested";

    private const int MaxReportedErrors = 20;
    private long accepted;
    private long quarantined;

    public long AcceptedTotal => Interlocked.Read(ref accepted);

    public long QuarantinedTotal => Interlocked.Read(ref quarantined);

    /// <summary>Throws <see cref="IngestOverloadedException"/> when the detection backlog is over its limit.</summary>
    public async Task ThrowIfOverloadedAsync(CancellationToken ct)
    {
        var backlog = await queue.BacklogAsync(Topic, ct);
        if (backlog >= options.MaxBacklog)
        {
            throw new IngestOverloadedException(TimeSpan.FromSeconds(options.RetryAfterSeconds), backlog);
        }
    }

    public async Task<IngestResult> IngestAsync(SensorIdentity sensor, IngestFormat format, string source, IReadOnlyList<ReadOnlyMemory<byte>> lines, CancellationToken ct)
    {
        var snapshot = await ownership.GetAsync(ct);
        var received = time.GetUtcNow();
        var messages = new List<OutgoingMessage>(lines.Count);
        var bad = new List<QuarantinedEventEntity>();
        var errors = new List<IngestLineError>();
        var buffer = new ArrayBufferWriter<byte>(4096);
        var hashes = new List<LedgerRecord>(lines.Count);
        var sha256 = new byte[32];
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i].Span;
            if (IngestParser.TryParse(format, line, out var parsed, out var error))
            {
                SHA256.HashData(RawBytes(line), sha256);
                hashes.Add(LedgerService.HashRecord(LedgerCategories.RawEvent, sensor.OrganisationId, sha256));
                buffer.ResetWrittenCount();
                using (var writer = new Utf8JsonWriter(buffer))
                {
                    WriteEnvelope(writer, sensor, source, received, parsed!, ip => Enrich(snapshot, sensor, ip, asns));
                }

                messages.Add(new OutgoingMessage(buffer.WrittenMemory.ToArray()));
            }
            else
            {
                bad.Add(Quarantine(sensor, source, error!, line, received));
                if (errors.Count < MaxReportedErrors)
                {
                    errors.Add(new IngestLineError(i, error!));
                }
            }
        }

        if (messages.Count > 0)
        {
            // The hashes are committed to the ledger first, then the events are put on the queue, and only then is the
            // sensor answered: a crash in between can leave a hash whose event was never accepted (the sensor, not
            // answered, sends it again), never an accepted event without its hash.
            await AppendHashesAsync(hashes, ct);
            await queue.EnqueueAsync(Topic, messages, ct);
        }

        if (bad.Count > 0)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MusubiDbContext>();
            db.Set<QuarantinedEventEntity>().AddRange(bad);
            await db.SaveChangesAsync(ct);
        }

        Interlocked.Add(ref accepted, messages.Count);
        Interlocked.Add(ref quarantined, bad.Count);
        return new IngestResult(messages.Count, bad.Count, errors);
    }

    /// <summary>
    /// The bytes of a received event whose SHA-256 goes into the ledger: the line as received, without its line
    /// terminator (the LF is never part of a line here; a CR before it is dropped, as the parser drops it). For valid
    /// UTF-8 these are exactly the UTF-8 bytes of the event's <c>raw_data</c>.
    /// </summary>
    public static ReadOnlySpan<byte> RawBytes(ReadOnlySpan<byte> line) => line.Length > 0 && line[^1] == '\r' ? line[..^1] : line;

    private async Task AppendHashesAsync(List<LedgerRecord> hashes, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var ledger = scope.ServiceProvider.GetRequiredService<ILedger>();
        for (var start = 0; start < hashes.Count; start += LedgerService.MaxBatch)
        {
            await ledger.AppendAsync(hashes.GetRange(start, Math.Min(LedgerService.MaxBatch, hashes.Count - start)), ct);
        }
    }

    /// <summary>Quarantines something that is not a line at all (a frame too long, a broken connection's remainder).</summary>
    public async Task QuarantineAsync(SensorIdentity? sensor, string source, string reason, ReadOnlyMemory<byte> raw, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusubiDbContext>();
        db.Set<QuarantinedEventEntity>().Add(Quarantine(sensor, source, reason, raw.Span, time.GetUtcNow()));
        await db.SaveChangesAsync(ct);
        Interlocked.Increment(ref quarantined);
    }

    private static QuarantinedEventEntity Quarantine(SensorIdentity? sensor, string source, string reason, ReadOnlySpan<byte> line, DateTimeOffset at)
    {
        if (line.Length > 0 && line[^1] == '\r')
        {
            line = line[..^1];
        }

        var keep = line[..Math.Min(line.Length, QuarantineLimits.RawChars)];
        var text = Encoding.UTF8.GetString(keep);
        if (text.Length > QuarantineLimits.RawChars)
        {
            text = text[..QuarantineLimits.RawChars];
        }

        // Control characters other than tab are kept visible but harmless.
        text = string.Create(text.Length, text, (span, s) =>
        {
            for (var i = 0; i < s.Length; i++)
            {
                span[i] = s[i] is < ' ' and not '\t' or '\u007f' ? '\uFFFD' : s[i];
            }
        });
        return new QuarantinedEventEntity
        {
            SensorId = sensor?.Id,
            OrganisationId = sensor?.OrganisationId,
            Source = source.Length > 64 ? source[..64] : source,
            Reason = reason.Length > QuarantineLimits.ReasonChars ? reason[..QuarantineLimits.ReasonChars] : reason,
            Raw = text,
            RawBytes = line.Length,
            At = at,
        };
    }

    /// <summary>
    /// The queue message: who sent it and when, and the OCSF event (whose <c>raw_data</c> is the line as received).
    /// </summary>
    public static void WriteEnvelope(Utf8JsonWriter w, SensorIdentity sensor, string source, DateTimeOffset received, ParsedEvent parsed,
        Func<string, EndpointEnrichment?> enrich)
    {
        w.WriteStartObject();
        w.WriteString("id", Guid.NewGuid());
        w.WriteString("received", received);
        w.WriteString("sensor_id", sensor.Id);
        w.WriteString("sensor", sensor.Name);
        w.WriteString("organisation_id", sensor.OrganisationId);
        w.WriteString("format", IngestFormats.Name(parsed.Format));
        w.WriteString("source", source);
        w.WritePropertyName("ocsf");
        OcsfNormalizer.Write(w, parsed, sensor.Name, received, enrich);
        w.WriteEndObject();
    }

    /// <summary>
    /// Owner and zone of an address: "internal" when the sensor's own organisation owns it or it is private
    /// (RFC 1918, RFC 4193, loopback, link-local), "constituency" when another constituent owns it, else "external".
    /// The origin AS comes from <see cref="IngestOptions.AsnTablePath"/> (<see cref="AsnTable"/>) when one is configured.
    /// </summary>
    internal static EndpointEnrichment? Enrich(OwnershipDirectory.Snapshot snapshot, SensorIdentity sensor, string ip, AsnTable? asns = null)
    {
        if (!IPAddress.TryParse(ip, out var address))
        {
            return null;
        }

        var system = asns?.Lookup(address);

        var owner = snapshot.Prefixes.Lookup(address);
        if (owner >= 0)
        {
            var info = snapshot.Owners[owner];
            return new EndpointEnrichment(info.Id, info.Name, info.SectorId, info.Id == sensor.OrganisationId ? "internal" : "constituency", system?.Number, system?.Name);
        }

        return new EndpointEnrichment(null, null, null, IsPrivate(address) ? "internal" : "external", system?.Number, system?.Name);
    }

    private static bool IsPrivate(IPAddress address)
    {
        if (IPAddress.IsLoopback(address))
        {
            return true;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] == 10 || (b[0] == 172 && (b[1] & 0xF0) == 16) || (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254);
        }

        return address.IsIPv6LinkLocal || address.IsIPv6UniqueLocal;
    }
}
