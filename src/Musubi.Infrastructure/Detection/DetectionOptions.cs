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

    /// <summary>Bounds of the window that STIX patterns across several events are evaluated over (<c>Musubi:Detection:PatternWindow</c>).</summary>
    public PatternWindowOptions PatternWindow { get; set; } = new();
}

/// <summary>
/// The state kept for STIX patterns that need several events (<see cref="Musubi.Stix.Patterning.ObservationWindow{TEvent}"/>):
/// per indicator and organisation, events are combined only within the pattern's WITHIN or <see cref="MaxWindow"/>.
/// </summary>
public sealed class PatternWindowOptions
{
    /// <summary>Events further apart than this (by their own timestamps) are never combined; a longer WITHIN is refused.</summary>
    public TimeSpan MaxWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Events kept per indicator and organisation (the oldest dropped beyond it).</summary>
    public int MaxEventsPerIndicator { get; set; } = 256;

    /// <summary>Events kept in all (the stalest indicator-and-organisation states dropped beyond it).</summary>
    public int MaxEvents { get; set; } = 100_000;

    /// <summary>Candidate combinations one event may try before the search is cut short.</summary>
    public int MaxSearchSteps { get; set; } = 100_000;

    public Musubi.Stix.Patterning.WindowLimits ToLimits() => new()
    {
        MaxWindow = MaxWindow,
        MaxObservationsPerKey = MaxEventsPerIndicator,
        MaxObservations = MaxEvents,
        MaxSteps = MaxSearchSteps,
    };
}
