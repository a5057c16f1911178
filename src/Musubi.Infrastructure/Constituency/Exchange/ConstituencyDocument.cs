namespace Musubi.Infrastructure.Constituency.Exchange;

/// <summary>
/// The JSON exchange document: sectors and communities that are not built in, and organisations in the shape the API
/// takes them (<see cref="OrganisationInput"/>: details, contacts, networks and community slugs). See
/// docs/CONSTITUENCY-FORMATS.md.
/// </summary>
public sealed record ConstituencyDocument(
    string Format,
    int Version,
    IReadOnlyList<SectorInput> Sectors,
    IReadOnlyList<CommunityInput> Communities,
    IReadOnlyList<OrganisationInput> Organisations)
{
    public const string FormatName = "musubi-constituency";
    public const int CurrentVersion = 1;

    public static ConstituencyDocument Create(
        IReadOnlyList<SectorInput> sectors, IReadOnlyList<CommunityInput> communities, IReadOnlyList<OrganisationInput> organisations) =>
        new(FormatName, CurrentVersion, sectors, communities, organisations);
}
