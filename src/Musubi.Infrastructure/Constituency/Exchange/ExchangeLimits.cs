namespace Musubi.Infrastructure.Constituency.Exchange;

/// <summary>Configuration section "Musubi:Exchange": bounds on what one import may ask of the machine.</summary>
public sealed class ExchangeLimits
{
    public const string Section = "Musubi:Exchange";

    /// <summary>Per input file.</summary>
    public long MaxFileBytes { get; set; } = 200L * 1024 * 1024;

    /// <summary>Records of all kinds (organisations, networks, contacts, sectors, communities) over all files of one import.</summary>
    public int MaxRows { get; set; } = 1_000_000;

    /// <summary>Nesting depth of a JSON document; the format itself needs 5.</summary>
    public int MaxJsonDepth { get; set; } = 16;

    /// <summary>Problems kept and reported; past this the count of the rest is given.</summary>
    public int MaxIssues { get; set; } = 100_000;
}
