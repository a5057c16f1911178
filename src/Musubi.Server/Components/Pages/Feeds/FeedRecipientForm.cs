using System.Globalization;
using Musubi.Infrastructure.Feeds;

namespace Musubi.Server.Components.Pages.Feeds;

/// <summary>The recipient form's posted fields and their conversion to the service input.</summary>
public sealed class FeedRecipientForm
{
    public static readonly string[] Fields = ["name", "organisationId", "email", "language", "intervalSeconds"];

    public string? Name { get; set; }
    public string? OrganisationId { get; set; }
    public string? Email { get; set; }
    public string? Language { get; set; } = "ja";
    public string? IntervalSeconds { get; set; } = "86400";
    public string? Enabled { get; set; } = "true";

    public static FeedRecipientForm From(FeedRecipientDto r) => new()
    {
        Name = r.Name, OrganisationId = r.OrganisationId?.ToString(), Email = r.Email, Language = r.Language,
        IntervalSeconds = r.IntervalSeconds.ToString(CultureInfo.InvariantCulture), Enabled = r.Enabled ? "true" : null,
    };

    public FeedRecipientInput ToInput() => new(Name, Guid.TryParse(OrganisationId, out var o) ? o : null, Email, Language,
        int.TryParse(IntervalSeconds, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : 0, Enabled == "true");
}

/// <summary>The routing rule form (rules are added and removed, as over the API).</summary>
public sealed class FeedRuleForm
{
    public static readonly string[] Fields = ["position", "organisationId", "asn", "taxonomy", "type", "feed", "recipientId", "comment"];

    public string? Position { get; set; } = "0";
    public string? OrganisationId { get; set; }
    public string? Asn { get; set; }
    public string? Taxonomy { get; set; }
    public string? Type { get; set; }
    public string? Feed { get; set; }

    /// <summary>A recipient's id, or "inhibit" for an inhibition.</summary>
    public string? Target { get; set; }
    public string? Comment { get; set; }

    public FeedRuleInput ToInput(Action<string, string> error)
    {
        var position = 0;
        if (!string.IsNullOrWhiteSpace(Position) && !int.TryParse(Position, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out position))
        {
            error("position", "a whole number");
        }

        long? asn = null;
        if (!string.IsNullOrWhiteSpace(Asn))
        {
            var text = Asn.Trim();
            text = text.StartsWith("AS", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
            if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var a))
            {
                asn = a;
            }
            else
            {
                error("asn", "1 to 4294967295");
            }
        }

        var inhibit = Target == "inhibit";
        return new FeedRuleInput(position, Guid.TryParse(OrganisationId, out var o) ? o : null, asn, Taxonomy, Type, Feed,
            !inhibit && Guid.TryParse(Target, out var r) ? r : null, inhibit, Comment);
    }
}
