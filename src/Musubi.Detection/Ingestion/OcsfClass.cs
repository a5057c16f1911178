namespace Musubi.Detection.Ingestion;

/// <summary>
/// The OCSF 1.8.0 event classes events are normalised to (class_uid = category uid × 1000 + class uid;
/// type_uid = class_uid × 100 + activity_id).
/// </summary>
public enum OcsfClass
{
    /// <summary>Base Event: nothing more specific was recognised.</summary>
    Base = 0,
    ProcessActivity = 1007,
    Authentication = 3002,
    NetworkActivity = 4001,
    HttpActivity = 4002,
    DnsActivity = 4003,
}

public static class OcsfClasses
{
    public const string SchemaVersion = "1.8.0";

    public static string Name(OcsfClass c) => c switch
    {
        OcsfClass.ProcessActivity => "Process Activity",
        OcsfClass.Authentication => "Authentication",
        OcsfClass.NetworkActivity => "Network Activity",
        OcsfClass.HttpActivity => "HTTP Activity",
        OcsfClass.DnsActivity => "DNS Activity",
        _ => "Base Event",
    };

    public static (int Uid, string Name) Category(OcsfClass c) => c switch
    {
        OcsfClass.ProcessActivity => (1, "System Activity"),
        OcsfClass.Authentication => (3, "Identity & Access Management"),
        OcsfClass.NetworkActivity or OcsfClass.HttpActivity or OcsfClass.DnsActivity => (4, "Network Activity"),
        _ => (0, "Uncategorized"),
    };
}

/// <summary>What the constituency knows about an address: owner, sector, zone, ASN.</summary>
public sealed record EndpointEnrichment(Guid? OrganisationId, string? Organisation, string? Sector, string Zone, uint? Asn, string? AsName = null);
