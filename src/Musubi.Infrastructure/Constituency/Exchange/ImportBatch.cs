namespace Musubi.Infrastructure.Constituency.Exchange;

/// <summary>
/// Everything read from the input files, as text and with where each record came from, before any check. The readers
/// fill it; <see cref="ImportPlanner"/> checks it against the rules and the database.
/// </summary>
internal sealed class ImportBatch(ExchangeLimits limits)
{
    public List<SectorRow> Sectors { get; } = [];
    public List<CommunityRow> Communities { get; } = [];
    public List<OrganisationRow> Organisations { get; } = [];
    public List<NetworkRow> Networks { get; } = [];
    public List<ContactRow> Contacts { get; } = [];
    public List<ImportSource> Sources { get; } = [];
    public IssueList Issues { get; } = new(limits.MaxIssues);
    public int Rows { get; private set; }

    /// <summary>Counts one record; false (after reporting it once) when the import has grown past the limit.</summary>
    public bool CountRow(SourceLocation where)
    {
        Rows++;
        if (Rows <= limits.MaxRows)
        {
            return true;
        }

        if (Rows == limits.MaxRows + 1)
        {
            Issues.Add(where, "", $"the import has more than {limits.MaxRows:N0} records, the limit: split it into several imports");
        }

        return false;
    }

    public bool RowLimitExceeded => Rows > limits.MaxRows;

    /// <summary>A whole file could not be read (missing, too large, not UTF-8, bad header, not JSON): its rows are unknown.</summary>
    public bool FileFailed { get; set; }
}

internal sealed class IssueList(int max)
{
    private readonly List<ImportIssue> _items = [];

    public int Count => _items.Count + NotShown;
    public int NotShown { get; private set; }
    public IReadOnlyList<ImportIssue> Items => _items;

    public void Add(SourceLocation where, string field, string reason)
    {
        if (_items.Count < max)
        {
            _items.Add(new ImportIssue(where, field, reason));
        }
        else
        {
            NotShown++;
        }
    }
}

internal sealed record SectorRow(SourceLocation At, string? Id, string? NameEn, string? NameJa);

internal sealed record CommunityRow(
    SourceLocation At, string? Slug, string? Kind, string? NameEn, string? NameJa, string? SectorId, string? Description);

/// <summary>A community slug listed for an organisation; <see cref="Field"/> is "communities" or "communities[2]".</summary>
internal sealed record MembershipRef(string Slug, string Field);

internal sealed record OrganisationRow(
    SourceLocation At, string? Name, string? NameJa, string? ShortName, string? Kind, string? SectorId, string? Country,
    string? Description, IReadOnlyList<MembershipRef> Communities);

/// <summary>
/// A network block. In CSV it names its organisation; in JSON it is nested in one (<see cref="Parent"/>), which it
/// follows even when the parent's name is itself invalid (that error is reported once, on the parent).
/// </summary>
internal sealed record NetworkRow(
    SourceLocation At, string? Organisation, OrganisationRow? Parent, string? Kind, string? Value, string? Description);

internal sealed record ContactRow(
    SourceLocation At, string? Organisation, OrganisationRow? Parent, string? Name, string? Role, string? Email, string? Phone,
    string? PgpKey);
