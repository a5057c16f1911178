using Musubi.Core.Constituency;
using Musubi.Core.Networks;
using Musubi.Core.Validation;

namespace Musubi.Infrastructure.Constituency;

/// <summary>
/// Field-level checks of organisation input, shared by the API and the importer. Normalises values (canonical CIDR,
/// "AS64500", punycode domains) so that equal blocks compare equal.
/// </summary>
public static class OrganisationValidator
{
    public const int MaxContacts = 100;
    public const int MaxNetworksPerRequest = 100_000;

    public static void ValidateDetails(OrganisationInput input, FieldErrors errors, IReadOnlySet<string> knownSectors, string prefix = "")
    {
        errors.Check(prefix + "name", FieldRules.RequiredText(input.Name));
        errors.Check(prefix + "nameJa", FieldRules.OptionalText(input.NameJa, FieldRules.MaxNameLength));
        errors.Check(prefix + "shortName", FieldRules.OptionalText(input.ShortName, 64));
        errors.Check(prefix + "country", FieldRules.Country(input.Country));
        errors.Check(prefix + "description", FieldRules.OptionalText(input.Description));
        if (input.Kind is null)
        {
            errors.Add(prefix + "kind", "is required");
        }

        if (input.SectorId is { Length: > 0 } sector)
        {
            if (!knownSectors.Contains(sector))
            {
                errors.Add(prefix + "sectorId", $"unknown sector '{sector}' (known: {string.Join(", ", knownSectors.Order(StringComparer.Ordinal))})");
            }
        }
        else if (input.Kind == OrganisationKind.CriticalInfrastructureOperator)
        {
            errors.Add(prefix + "sectorId", "is required for a critical-infrastructure operator");
        }
    }

    public static void ValidateContact(ContactInput input, FieldErrors errors, string prefix)
    {
        errors.Check(prefix + "name", FieldRules.RequiredText(input.Name));
        errors.Check(prefix + "email", FieldRules.Email(input.Email));
        errors.Check(prefix + "phone", FieldRules.Phone(input.Phone));
        errors.Check(prefix + "pgpKey", FieldRules.PgpKey(input.PgpKey));
        if (input.Role is null)
        {
            errors.Add(prefix + "role", "is required");
        }
    }

    /// <summary>Returns the canonical value, or null after adding the reason to <paramref name="errors"/>.</summary>
    public static string? NormaliseNetwork(NetworkKind? kind, string? value, FieldErrors errors, string prefix)
    {
        if (kind is null)
        {
            errors.Add(prefix + "kind", "is required (cidr, asn or domain)");
            return null;
        }

        string? canonical = null;
        string error;
        var ok = kind switch
        {
            NetworkKind.Cidr => NetworkParsing.TryParseCidr(value, out var p, out error) && Set(p.ToString(), out canonical),
            NetworkKind.Asn => NetworkParsing.TryParseAsn(value, out var asn, out error) && Set("AS" + asn.ToString(System.Globalization.CultureInfo.InvariantCulture), out canonical),
            NetworkKind.Domain => NetworkParsing.TryNormaliseDomain(value, out var d, out error) && Set(d, out canonical),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        if (!ok)
        {
            errors.Add(prefix + "value", error);
            return null;
        }

        return canonical;
    }

    private static bool Set(string value, out string? target)
    {
        target = value;
        return true;
    }
}
