using Musubi.Core.Sharing;
using Musubi.Infrastructure.Federation;
using Musubi.Server.Ui;

namespace Musubi.Server.Components.Pages.Federation;

/// <summary>The partner form's posted fields (text, as the browser sends them) and their conversion to a service input.</summary>
public sealed class PartnerForm
{
    public string? Name { get; set; }
    public string? Kind { get; set; } = nameof(PartnerKind.Taxii);
    public string? Url { get; set; }
    public string? CollectionId { get; set; }
    public string? Auth { get; set; } = nameof(PartnerAuth.None);
    public string? UserName { get; set; }
    public string? Secret { get; set; }
    public string? Direction { get; set; } = nameof(PartnerDirection.Pull);
    public string? IntervalMinutes { get; set; } = "60";
    public string? Ceiling { get; set; } = nameof(Tlp.Green);
    public string? DefaultTlp { get; set; } = nameof(Tlp.Amber);
    public string? OrganisationId { get; set; }
    public string[]? Communities { get; set; }
    public string? Enabled { get; set; } = "true";

    public static PartnerForm From(PartnerDto p) => new()
    {
        Name = p.Name, Kind = p.Kind.ToString(), Url = p.Url, CollectionId = p.CollectionId, Auth = p.Auth.ToString(), UserName = p.UserName,
        Direction = p.Direction.ToString(), IntervalMinutes = p.IntervalMinutes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Ceiling = p.Ceiling.ToString(), DefaultTlp = p.DefaultTlp.ToString(), OrganisationId = p.OrganisationId?.ToString(),
        Communities = p.Communities.Select(c => c.ToString()).ToArray(), Enabled = p.Enabled ? "true" : null,
    };

    /// <summary>The input; an empty secret field keeps the stored secret (it is write-only), unless <paramref name="removeSecret"/>.</summary>
    public PartnerInput ToInput(bool removeSecret = false)
    {
        var interval = int.TryParse(IntervalMinutes, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var i) ? i : 0;
        var org = Guid.TryParse(OrganisationId, out var o) ? o : (Guid?)null;
        return new PartnerInput(
            Name ?? "", org, OrganisationForm.ParseEnum<PartnerKind>(Kind) ?? (PartnerKind)0, Url ?? "", CollectionId ?? "",
            OrganisationForm.ParseEnum<PartnerAuth>(Auth) ?? (PartnerAuth)(-1), UserName ?? "",
            removeSecret ? "" : string.IsNullOrEmpty(Secret) ? null : Secret,
            OrganisationForm.ParseEnum<PartnerDirection>(Direction) ?? (PartnerDirection)0, interval,
            OrganisationForm.ParseEnum<Tlp>(Ceiling) ?? (Tlp)(-1), OrganisationForm.ParseEnum<Tlp>(DefaultTlp) ?? (Tlp)(-1),
            (Communities ?? []).Select(c => Guid.TryParse(c, out var g) ? g : Guid.Empty).ToList(),
            Enabled == "true", ClearOrganisation: org is null);
    }
}
