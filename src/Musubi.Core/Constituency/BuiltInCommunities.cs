namespace Musubi.Core.Constituency;

/// <summary>A community that every installation starts with.</summary>
public sealed record CommunityInfo(string Slug, CommunityKind Kind, string NameEn, string NameJa, string? SectorId = null);

/// <summary>
/// The four sharing layers of the strategy (technical, law enforcement, policy, diplomatic) and one community per
/// built-in sector. Sector communities are named "sector-{sectorId}".
/// </summary>
public static class BuiltInCommunities
{
    public static readonly IReadOnlyList<CommunityInfo> Layers =
    [
        new("layer-technical", CommunityKind.Layer, "Technical layer", "技術レイヤー"),
        new("layer-law-enforcement", CommunityKind.Layer, "Law-enforcement layer", "法執行レイヤー"),
        new("layer-policy", CommunityKind.Layer, "Policy layer", "政策レイヤー"),
        new("layer-diplomatic", CommunityKind.Layer, "Diplomatic layer", "外交レイヤー"),
    ];

    public static string SectorSlug(string sectorId) => "sector-" + sectorId;

    public static CommunityInfo ForSector(SectorInfo sector) =>
        new(SectorSlug(sector.Id), CommunityKind.Sector, sector.NameEn + " sector", sector.NameJa + "分野", sector.Id);

    public static IEnumerable<CommunityInfo> All() =>
        Layers.Concat(BuiltInSectors.All.Select(ForSector));
}
