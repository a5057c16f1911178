namespace Musubi.Infrastructure.Detection;

/// <summary>The detection worker (<c>Musubi:Detection</c>).</summary>
public sealed class DetectionOptions
{
    public const string Section = "Musubi:Detection";

    /// <summary>Folder of Sigma rules (YAML, searched recursively) loaded at start; none: indicators only.</summary>
    public string? RulesDirectory { get; set; }

    /// <summary>Repeated matches of one rule or indicator on one host within this window join one alert.</summary>
    public TimeSpan GroupingWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Events taken from the queue at a time.</summary>
    public int BatchSize { get; set; } = 200;

    /// <summary>How often the indicator set is checked against the STIX store (and rebuilt when it changed).</summary>
    public TimeSpan IndicatorRefreshInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>TLP of the sightings an organisation's indicator matches publish (unless it chose otherwise below).</summary>
    public Musubi.Core.Sharing.Tlp SightingTlp { get; set; } = Musubi.Core.Sharing.Tlp.Amber;

    /// <summary>An organisation's own choice of sighting TLP (organisation id → TLP).</summary>
    public Dictionary<Guid, Musubi.Core.Sharing.Tlp> SightingTlpByOrganisation { get; set; } = [];

    /// <summary>Report indicator matches back to the intelligence store as sightings.</summary>
    public bool ReportSightings { get; set; } = true;

    /// <summary>Run the worker in this process (off for CLI-only hosts).</summary>
    public bool Enabled { get; set; } = true;
}
