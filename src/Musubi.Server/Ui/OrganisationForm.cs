using Musubi.Core.Constituency;
using Musubi.Infrastructure.Constituency;

namespace Musubi.Server.Ui;

/// <summary>
/// The details form of an organisation (new and edit), bound from a plain HTML form. Every field is text so a tampered
/// value reaches the service and comes back as a field error instead of failing the binding.
/// </summary>
public sealed class OrganisationForm
{
    public string? Name { get; set; }
    public string? NameJa { get; set; }
    public string? ShortName { get; set; }
    public string? Kind { get; set; }
    public string? SectorId { get; set; }
    public string? Country { get; set; } = "JP";
    public string? Description { get; set; }
    public string? NetworkKind { get; set; } = nameof(Musubi.Core.Constituency.NetworkKind.Cidr);
    public string? NetworkValue { get; set; }

    /// <summary>The fields the form shows, by the service's field names.</summary>
    public static readonly string[] Fields = ["name", "nameJa", "shortName", "kind", "sectorId", "country", "description"];

    public static OrganisationForm From(OrganisationDetail o) => new()
    {
        Name = o.Name,
        NameJa = o.NameJa,
        ShortName = o.ShortName,
        Kind = o.Kind.ToString(),
        SectorId = o.SectorId,
        Country = o.Country,
        Description = o.Description,
    };

    /// <summary>The service input; the first network block only when one was typed.</summary>
    public OrganisationInput ToInput(bool withNetwork)
    {
        IReadOnlyList<NetworkInput>? networks = withNetwork && !string.IsNullOrWhiteSpace(NetworkValue)
            ? [new NetworkInput(ParseEnum<NetworkKind>(NetworkKind), NetworkValue, null)]
            : null;
        return new OrganisationInput(Name, NameJa, ShortName, ParseEnum<OrganisationKind>(Kind),
            string.IsNullOrWhiteSpace(SectorId) ? null : SectorId, Country?.Trim().ToUpperInvariant(), Description, Networks: networks);
    }

    /// <summary>An enum from its C# name; null for empty, unknown or numeric text.</summary>
    public static T? ParseEnum<T>(string? text)
        where T : struct, Enum =>
        !string.IsNullOrWhiteSpace(text) && !char.IsAsciiDigit(text[0]) && Enum.TryParse<T>(text, ignoreCase: true, out var value) && Enum.IsDefined(value)
            ? value
            : null;
}
