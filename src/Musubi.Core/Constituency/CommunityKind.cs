namespace Musubi.Core.Constituency;

/// <summary>
/// The strategy's four sharing layers, one community per sector, ad-hoc trust groups and partner groups
/// (foreign CSIRTs and other federation partners).
/// </summary>
public enum CommunityKind
{
    Layer,
    Sector,
    TrustGroup,
    PartnerGroup,
}
