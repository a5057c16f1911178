namespace Musubi.Feeds.Events;

/// <summary>
/// One normalised feed event, named after IntelMQ's harmonisation (docs/FEED-FORMATS.md lists every field). A
/// struct of about 150 bytes: repeated strings (feed, classification, malware, protocols) are interned ids
/// (<see cref="FeedSymbols"/>), addresses are packed, the raw row is a reference, and free-form extras exist only
/// when asked for. Millions of these sit in plain arrays without a per-event object.
/// </summary>
public struct FeedEvent
{
    /// <summary>time.source as Unix milliseconds, or <see cref="NoTime"/>.</summary>
    public long TimeSource;

    /// <summary>source.ip (a host) or source.network (a prefix).</summary>
    public FeedAddress Source;

    public FeedAddress Destination;

    /// <summary>source.port, or -1.</summary>
    public int SourcePort;

    /// <summary>destination.port, or -1.</summary>
    public int DestinationPort;

    /// <summary>source.asn, or 0.</summary>
    public uint SourceAsn;

    /// <summary>source.geolocation.cc: two upper-case ASCII letters packed (first in the high byte), or 0.</summary>
    public ushort SourceCountry;

    public int Taxonomy;
    public int Type;
    public int Identifier;
    public int MalwareName;
    public int FeedName;
    public int ProtocolTransport;
    public int ProtocolApplication;

    public string? SourceFqdn;
    public string? SourceUrl;

    /// <summary>Enrichment: the owning organisation's handle in the ownership index, or -1 (not enriched, or nobody).</summary>
    public int Owner;

    /// <summary>1-based line of the row in its source.</summary>
    public int Line;

    public RawRef Raw;

    public FeedExtras? Extras;

    public const long NoTime = long.MinValue;

    public static FeedEvent Empty => new() { TimeSource = NoTime, SourcePort = -1, DestinationPort = -1, Owner = -1 };

    public readonly DateTimeOffset? Time => TimeSource == NoTime ? null : DateTimeOffset.FromUnixTimeMilliseconds(TimeSource);

    public readonly string Country => SourceCountry == 0 ? "" : new string([(char)(SourceCountry >> 8), (char)(SourceCountry & 0xFF)]);

    public static ushort PackCountry(char first, char second) =>
        (ushort)((char.ToUpperInvariant(first) << 8) | char.ToUpperInvariant(second));
}
