namespace Musubi.Core.Constituency;

/// <summary>A critical-infrastructure sector. The list is data: an administrator can add sectors.</summary>
public sealed record SectorInfo(string Id, string NameEn, string NameJa);

/// <summary>The strategy's ten critical-infrastructure sectors, seeded into every new database.</summary>
public static class BuiltInSectors
{
    public static readonly IReadOnlyList<SectorInfo> All =
    [
        new("information-communications", "Information and communications", "情報通信"),
        new("finance", "Finance", "金融"),
        new("aviation", "Aviation", "航空"),
        new("railways", "Railways", "鉄道"),
        new("electric-power", "Electric power", "電力"),
        new("gas", "Gas", "ガス"),
        new("government-administrative-services", "Government and administrative services", "政府・行政サービス"),
        new("medical-services", "Medical services", "医療"),
        new("water", "Water", "水道"),
        new("logistics", "Logistics", "物流"),
    ];
}
