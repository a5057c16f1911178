using System.Text.Json;
using System.Text.Json.Serialization;

namespace Musubi.Infrastructure.Constituency.Exchange;

/// <summary>
/// Reads a <see cref="ConstituencyDocument"/>. Values are read as text and checked later, so that every bad record is
/// reported rather than the first; only a document that is not JSON, or has the wrong shape, stops at the first error.
/// Unknown properties are reported (they are usually typos).
/// </summary>
internal static class JsonConstituencyReader
{
    public static async Task ReadAsync(Stream stream, string file, ImportBatch batch, ExchangeLimits limits, CancellationToken ct)
    {
        var options = new JsonSerializerOptions(MusubiJson.Options)
        {
            MaxDepth = limits.MaxJsonDepth, AllowTrailingCommas = true, PropertyNameCaseInsensitive = true,
        };
        options.ReadCommentHandling = JsonCommentHandling.Skip;
        RawDocument? doc;
        try
        {
            doc = await JsonSerializer.DeserializeAsync<RawDocument>(stream, options, ct);
        }
        catch (JsonException e)
        {
            var line = e.LineNumber is { } l ? (int)l + 1 : (int?)null;
            batch.Issues.Add(new SourceLocation(file, line, line is null ? e.Path : null), line is null ? "" : e.Path ?? "", Clean(e.Message, limits));
            batch.FileFailed = true;
            return;
        }

        var root = new SourceLocation(file, JsonPath: "$");
        if (doc is null)
        {
            batch.Issues.Add(root, "", "the document is empty (null)");
            batch.FileFailed = true;
            return;
        }

        ReportExtra(doc.Extra, root, batch);
        if (doc.Format != ConstituencyDocument.FormatName)
        {
            batch.Issues.Add(root, "format", $"must be \"{ConstituencyDocument.FormatName}\" (found {(doc.Format is null ? "nothing" : $"\"{doc.Format}\"")})");
            batch.FileFailed = true;
            return;
        }

        if (doc.Version != ConstituencyDocument.CurrentVersion)
        {
            batch.Issues.Add(root, "version", $"version {doc.Version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(missing)"} is not supported: this Musubi reads version {ConstituencyDocument.CurrentVersion}");
            batch.FileFailed = true;
            return;
        }

        Each(doc.Sectors, root, "sectors", batch, (s, at) => batch.Sectors.Add(new SectorRow(at, s.Id, s.NameEn, s.NameJa)));
        Each(doc.Communities, root, "communities", batch, (c, at) =>
            batch.Communities.Add(new CommunityRow(at, c.Slug, c.Kind, c.NameEn, c.NameJa, c.SectorId, c.Description)));
        Each(doc.Organisations, root, "organisations", batch, (o, at) =>
        {
            var memberships = new List<MembershipRef>();
            for (var i = 0; o.Communities is not null && i < o.Communities.Count; i++)
            {
                memberships.Add(new MembershipRef(o.Communities[i] ?? "", $"communities[{i}]"));
            }

            var org = new OrganisationRow(at, o.Name, o.NameJa, o.ShortName, o.Kind, o.SectorId, o.Country, o.Description, memberships);
            batch.Organisations.Add(org);
            Each(o.Networks, at, "networks", batch, (n, nat) =>
                batch.Networks.Add(new NetworkRow(nat, o.Name, org, n.Kind, n.Value, n.Description)));
            Each(o.Contacts, at, "contacts", batch, (c, cat) =>
                batch.Contacts.Add(new ContactRow(cat, o.Name, org, c.Name, c.Role, c.Email, c.Phone, c.PgpKey)));
        });
    }

    private static void Each<T>(List<T?>? items, SourceLocation parent, string name, ImportBatch batch, Action<T, SourceLocation> add)
        where T : RawObject
    {
        for (var i = 0; items is not null && i < items.Count && !batch.RowLimitExceeded; i++)
        {
            var at = parent.Child($".{name}[{i}]");
            if (!batch.CountRow(at))
            {
                return;
            }

            if (items[i] is not { } item)
            {
                batch.Issues.Add(at, "", "must be an object, not null");
                continue;
            }

            ReportExtra(item.Extra, at, batch);
            add(item, at);
        }
    }

    private static void ReportExtra(Dictionary<string, JsonElement>? extra, SourceLocation at, ImportBatch batch)
    {
        foreach (var name in extra?.Keys ?? Enumerable.Empty<string>())
        {
            batch.Issues.Add(at, name, "unknown property (names are camelCase, see docs/CONSTITUENCY-FORMATS.md)");
        }
    }

    private static string Clean(string message, ExchangeLimits limits)
    {
        if (message.Contains("maximum configured depth", StringComparison.OrdinalIgnoreCase))
        {
            return $"the document nests deeper than {limits.MaxJsonDepth} levels, the limit";
        }

        // System.Text.Json appends "Path: $.x | LineNumber: 3 | BytePositionInLine: 4." which the location already says.
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    internal abstract class RawObject
    {
        [JsonExtensionData]
        public Dictionary<string, JsonElement>? Extra { get; set; }
    }

    internal sealed class RawDocument : RawObject
    {
        public string? Format { get; set; }
        public int? Version { get; set; }
        public List<RawSector?>? Sectors { get; set; }
        public List<RawCommunity?>? Communities { get; set; }
        public List<RawOrganisation?>? Organisations { get; set; }
    }

    internal sealed class RawSector : RawObject
    {
        public string? Id { get; set; }
        public string? NameEn { get; set; }
        public string? NameJa { get; set; }
    }

    internal sealed class RawCommunity : RawObject
    {
        public string? Slug { get; set; }
        public string? Kind { get; set; }
        public string? NameEn { get; set; }
        public string? NameJa { get; set; }
        public string? SectorId { get; set; }
        public string? Description { get; set; }
    }

    internal sealed class RawOrganisation : RawObject
    {
        public string? Name { get; set; }
        public string? NameJa { get; set; }
        public string? ShortName { get; set; }
        public string? Kind { get; set; }
        public string? SectorId { get; set; }
        public string? Country { get; set; }
        public string? Description { get; set; }
        public List<RawContact?>? Contacts { get; set; }
        public List<RawNetwork?>? Networks { get; set; }
        public List<string?>? Communities { get; set; }
    }

    internal sealed class RawNetwork : RawObject
    {
        public string? Kind { get; set; }
        public string? Value { get; set; }
        public string? Description { get; set; }
    }

    internal sealed class RawContact : RawObject
    {
        public string? Name { get; set; }
        public string? Role { get; set; }
        public string? Email { get; set; }
        public string? Phone { get; set; }
        public string? PgpKey { get; set; }
    }
}
