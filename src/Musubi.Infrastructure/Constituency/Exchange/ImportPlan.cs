using Musubi.Core.Constituency;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Constituency.Exchange;

/// <summary>What a valid import will write. Built by <see cref="ImportPlanner"/>, written by <see cref="ConstituencyImporter"/>.</summary>
internal sealed class ImportPlan
{
    public List<SectorEntity> NewSectors { get; } = [];
    public List<CommunityEntity> NewCommunities { get; } = [];
    /// <summary>Organisations that are created or change, in input order.</summary>
    public List<PlannedOrganisation> Organisations { get; } = [];
    public int OrganisationsUnchanged { get; set; }
    public int NetworksAlreadyPresent { get; set; }
    public int ContactsAlreadyPresent { get; set; }

    public ImportSummary Summary() => new(
        NewSectors.Count,
        NewCommunities.Count(c => !c.BuiltIn),
        Organisations.Count(o => o.IsNew),
        Organisations.Count(o => !o.IsNew),
        OrganisationsUnchanged,
        Organisations.Sum(o => o.NewNetworks.Count),
        NetworksAlreadyPresent,
        Organisations.Sum(o => o.NewContacts.Count),
        ContactsAlreadyPresent,
        Organisations.Sum(o => o.NewMemberships.Count));
}

/// <summary>An organisation's details as stored (and as an import wants them).</summary>
internal sealed record OrganisationDetails(
    string Name, string? NameJa, string? ShortName, OrganisationKind Kind, string? SectorId, string Country, string? Description)
{
    public static OrganisationDetails Of(OrganisationEntity o) => new(o.Name, o.NameJa, o.ShortName, o.Kind, o.SectorId, o.Country, o.Description);
}

/// <summary>
/// One organisation the import touches. <see cref="Existing"/> is null for a new one. <see cref="Details"/> is null when
/// the input only adds networks or contacts to an organisation already in the database.
/// </summary>
internal sealed class PlannedOrganisation(Guid id, string name, OrganisationDetails? existing, SourceLocation definedAt)
{
    public Guid Id { get; } = id;
    public string Name { get; } = name;
    public OrganisationDetails? Existing { get; } = existing;
    public SourceLocation DefinedAt { get; } = definedAt;
    public bool IsNew => Existing is null;
    /// <summary>False when its own record has errors: records that belong to it are still checked, but not planned.</summary>
    public bool Valid { get; set; } = true;
    public OrganisationDetails? Details { get; set; }
    public List<string> CommunitySlugs { get; } = [];
    public List<NetworkEntity> NewNetworks { get; } = [];
    public List<ContactEntity> NewContacts { get; } = [];
    public List<MembershipEntity> NewMemberships { get; } = [];
    public int ExistingContacts { get; set; }

    public bool DetailsChanged => Details is not null && Details != Existing;

    public bool ChangesAnything => IsNew || DetailsChanged || NewNetworks.Count > 0 || NewContacts.Count > 0 || NewMemberships.Count > 0;
}
