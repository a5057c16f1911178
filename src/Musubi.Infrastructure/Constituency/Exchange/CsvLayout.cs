namespace Musubi.Infrastructure.Constituency.Exchange;

/// <summary>The CSV files of the exchange format and their columns, shared by the reader and the writer.</summary>
internal static class CsvLayout
{
    public static readonly CsvFileKind Sectors = new("sectors", ["id", "nameEn", "nameJa"], ["id", "nameEn", "nameJa"]);

    public static readonly CsvFileKind Communities = new("communities",
        ["slug", "kind", "nameEn", "nameJa", "sectorId", "description"], ["slug", "kind", "nameEn"]);

    public static readonly CsvFileKind Organisations = new("organisations",
        ["name", "nameJa", "shortName", "kind", "sectorId", "country", "description", "communities"], ["name", "kind", "country"]);

    public static readonly CsvFileKind Networks = new("networks", ["organisation", "kind", "value", "description"], ["organisation", "kind", "value"]);

    public static readonly CsvFileKind Contacts = new("contacts",
        ["organisation", "name", "role", "email", "phone", "pgpKey"], ["organisation", "name", "role", "email"]);

    /// <summary>In the order they are written and best read (definitions before the records that refer to them).</summary>
    public static readonly IReadOnlyList<CsvFileKind> All = [Sectors, Communities, Organisations, Networks, Contacts];

    /// <summary>Slugs in the "communities" column are separated by ';' (spaces and ',' are accepted too).</summary>
    public const char ListSeparator = ';';

    /// <summary>
    /// Which file a name stands for: "networks.csv", "isp-a-networks.csv" and "NETWORKS.CSV" are all networks
    /// ("organizations" is accepted for organisations).
    /// </summary>
    public static CsvFileKind? Recognise(string path)
    {
        var stem = Path.GetFileNameWithoutExtension(path).ToLowerInvariant().Replace("organizations", "organisations", StringComparison.Ordinal);
        return All.FirstOrDefault(k => stem == k.Name || stem.EndsWith("-" + k.Name, StringComparison.Ordinal)
            || stem.EndsWith("_" + k.Name, StringComparison.Ordinal) || stem.EndsWith("." + k.Name, StringComparison.Ordinal));
    }

    /// <summary>
    /// Spreadsheets run a cell that starts with = + - @ as a formula. The writer puts a ' before such a value (what
    /// a spreadsheet user would type to mean text) and the reader takes it off again, so values survive a round trip.
    /// </summary>
    public static bool NeedsFormulaGuard(string value) =>
        value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r';

    public static string Guard(string value) => NeedsFormulaGuard(value) ? "'" + value : value;

    public static string Unguard(string value) =>
        value.Length > 1 && value[0] == '\'' && NeedsFormulaGuard(value[1..]) ? value[1..] : value;
}

internal sealed record CsvFileKind(string Name, IReadOnlyList<string> Columns, IReadOnlyList<string> Required)
{
    public string FileName => Name + ".csv";
}
