namespace Musubi.Core.Constituency;

/// <summary>What an organisation is. Serialised in kebab-case ("ministry-agency", "isp", ...).</summary>
public enum OrganisationKind
{
    MinistryAgency,
    IndependentAdministrativeBody,
    CriticalInfrastructureOperator,
    Enterprise,
    ResearchInstitute,
    Sme,
    Isp,
    ProductVendor,
    Csirt,
    Police,
    Defence,
    InternationalPartner,
    NationalCentre,
}
