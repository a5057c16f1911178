namespace Musubi.Infrastructure.Constituency.Exchange;

/// <summary>Where a record came from: a CSV file and line, or a JSON file and path ("$.organisations[3]").</summary>
public sealed record SourceLocation(string File, int? Line = null, string? JsonPath = null)
{
    /// <summary>"networks.csv:12: value" or "constituency.json: $.organisations[3].networks[0].value".</summary>
    public string Describe(string? field)
    {
        if (JsonPath is not null)
        {
            var path = string.IsNullOrEmpty(field) ? JsonPath : field.StartsWith('[') ? JsonPath + field : JsonPath + "." + field;
            return $"{File}: {path}";
        }

        var where = Line is { } line ? $"{File}:{line}" : File;
        return string.IsNullOrEmpty(field) ? where : $"{where}: {field}";
    }

    public SourceLocation Child(string segment) => this with { JsonPath = JsonPath + segment };
}

/// <summary>One reason the input cannot be imported.</summary>
public sealed record ImportIssue(SourceLocation Where, string Field, string Reason)
{
    public override string ToString() => $"{Where.Describe(Field)}: {Reason}";
}

/// <summary>A file that was read, for the audit summary.</summary>
public sealed record ImportSource(string Path, string Format, long Bytes, string Sha256);

/// <summary>What an import did (or, on a dry run, would do).</summary>
public sealed record ImportSummary(
    int SectorsCreated,
    int CommunitiesCreated,
    int OrganisationsCreated,
    int OrganisationsUpdated,
    int OrganisationsUnchanged,
    int NetworksAdded,
    int NetworksAlreadyPresent,
    int ContactsAdded,
    int ContactsAlreadyPresent,
    int MembershipsAdded)
{
    public bool ChangesAnything =>
        SectorsCreated + CommunitiesCreated + OrganisationsCreated + OrganisationsUpdated + NetworksAdded + ContactsAdded + MembershipsAdded > 0;
}

/// <summary>
/// The outcome of an import. When <see cref="Issues"/> is not empty nothing was written and <see cref="Summary"/> is
/// null; otherwise the summary says what was written (or would be, on a dry run).
/// </summary>
public sealed record ImportResult(
    IReadOnlyList<ImportIssue> Issues, ImportSummary? Summary, bool DryRun, IReadOnlyList<ImportSource> Sources, int Rows,
    Guid? ImportId = null, int IssuesNotShown = 0)
{
    public bool Succeeded => Issues.Count == 0 && Summary is not null;
}

/// <summary>Progress of a long import or export, for progress bars. <see cref="Total"/> is null when unknown.</summary>
public readonly record struct ExchangeProgress(ExchangeStage Stage, long Done, long? Total, string? Detail = null);

public enum ExchangeStage
{
    Reading,
    Validating,
    Writing,
}
