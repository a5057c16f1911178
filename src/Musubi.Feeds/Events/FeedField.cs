namespace Musubi.Feeds.Events;

/// <summary>The harmonised fields that have a slot of their own in <see cref="FeedEvent"/>; everything else is an extra.</summary>
public enum FeedField
{
    None = 0,
    TimeSource,
    SourceIp,
    SourceNetwork,
    SourcePort,
    SourceAsn,
    SourceFqdn,
    SourceUrl,
    SourceReverseDns,
    SourceCountry,
    DestinationIp,
    DestinationPort,
    Taxonomy,
    Type,
    Identifier,
    MalwareName,
    FeedName,
    ProtocolTransport,
    ProtocolApplication,
}

public static class FeedFields
{
    private static readonly Dictionary<string, FeedField> ByName = new(StringComparer.Ordinal)
    {
        ["time.source"] = FeedField.TimeSource,
        ["source.ip"] = FeedField.SourceIp,
        ["source.network"] = FeedField.SourceNetwork,
        ["source.port"] = FeedField.SourcePort,
        ["source.asn"] = FeedField.SourceAsn,
        ["source.fqdn"] = FeedField.SourceFqdn,
        ["source.url"] = FeedField.SourceUrl,
        ["source.reverse_dns"] = FeedField.SourceReverseDns,
        ["source.geolocation.cc"] = FeedField.SourceCountry,
        ["destination.ip"] = FeedField.DestinationIp,
        ["destination.port"] = FeedField.DestinationPort,
        ["classification.taxonomy"] = FeedField.Taxonomy,
        ["classification.type"] = FeedField.Type,
        ["classification.identifier"] = FeedField.Identifier,
        ["malware.name"] = FeedField.MalwareName,
        ["feed.name"] = FeedField.FeedName,
        ["protocol.transport"] = FeedField.ProtocolTransport,
        ["protocol.application"] = FeedField.ProtocolApplication,
    };

    private static readonly Dictionary<FeedField, string> Names = ByName.ToDictionary(p => p.Value, p => p.Key);

    public static FeedField Of(string name) => ByName.GetValueOrDefault(name);

    public static string NameOf(FeedField field) => Names[field];

    public static IEnumerable<string> All => ByName.Keys;
}
