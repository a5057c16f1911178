using System.Buffers;
using System.Text.Json;
using Musubi.Feeds.Parsing;

namespace Musubi.Feeds.Events;

/// <summary>
/// Writes an event as one JSON object with IntelMQ's flat, dotted field names (docs/FEED-FORMATS.md), absent fields
/// left out: time.source, feed.name, classification.*, malware.name, source.*, destination.*, protocol.*, extras,
/// feed.line, and raw (base64 of the row, as IntelMQ keeps it).
/// </summary>
public static class FeedEventJson
{
    public static void Write(Utf8JsonWriter w, in FeedEvent e, ReadOnlySpan<byte> raw)
    {
        w.WriteStartObject();
        if (e.TimeSource != FeedEvent.NoTime)
        {
            w.WriteString("time.source", FeedTime.Format(e.TimeSource));
        }

        Symbol(w, "feed.name", e.FeedName);
        Symbol(w, "classification.taxonomy", e.Taxonomy);
        Symbol(w, "classification.type", e.Type);
        Symbol(w, "classification.identifier", e.Identifier);
        Symbol(w, "malware.name", e.MalwareName);
        if (!e.Source.IsEmpty)
        {
            w.WriteString(e.Source.IsHost ? "source.ip" : "source.network", e.Source.ToString());
        }

        if (e.SourcePort >= 0)
        {
            w.WriteNumber("source.port", e.SourcePort);
        }

        if (e.SourceAsn != 0)
        {
            w.WriteNumber("source.asn", e.SourceAsn);
        }

        Text(w, "source.fqdn", e.SourceFqdn);
        Text(w, "source.url", e.SourceUrl);
        if (e.SourceCountry != 0)
        {
            w.WriteString("source.geolocation.cc", e.Country);
        }

        if (!e.Destination.IsEmpty)
        {
            w.WriteString("destination.ip", e.Destination.ToString());
        }

        if (e.DestinationPort >= 0)
        {
            w.WriteNumber("destination.port", e.DestinationPort);
        }

        Symbol(w, "protocol.transport", e.ProtocolTransport);
        Symbol(w, "protocol.application", e.ProtocolApplication);
        if (e.Owner >= 0)
        {
            w.WriteNumber("source.owner", e.Owner);
        }

        if (e.Extras is not null)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach ((string name, string value) in e.Extras.Fields)
            {
                if (seen.Add(name))
                {
                    w.WriteString(name, value);
                }
            }
        }

        w.WriteNumber("feed.line", e.Line);
        if (!raw.IsEmpty)
        {
            w.WriteBase64String("raw", raw);
        }

        w.WriteEndObject();
    }

    public static string ToJson(in FeedEvent e, ReadOnlySpan<byte> raw = default)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            Write(w, e, raw);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Symbol(Utf8JsonWriter w, string name, int id)
    {
        if (id > 0)
        {
            w.WriteString(name, FeedSymbols.Get(id));
        }
    }

    private static void Text(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }
}
