using Musubi.Detection.Sigma.Pipelines;

namespace Musubi.Detection.Sigma;

public sealed class SigmaEngineOptions
{
    /// <summary>Log-source routing and field mapping; the built-in Windows pipeline by default.</summary>
    public SigmaPipeline Pipeline { get; init; } = SigmaPipeline.Windows;

    /// <summary>Values of <c>%placeholders%</c> for the <c>expand</c> modifier; a rule using an absent one is rejected.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Placeholders { get; init; } =
        new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>Per regular-expression match; a match that runs longer counts as no match.</summary>
    public TimeSpan RegexTimeout { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Fields tried, in order, for an event's time (correlation windows).</summary>
    public IReadOnlyList<string> TimestampFields { get; init; } =
        ["TimeCreated_SystemTime", "@timestamp", "timestamp", "EventTime", "UtcTime", "time"];

    /// <summary>The field whose value indexes the routes (Windows: the event log channel).</summary>
    public string RoutingField { get; init; } = "Channel";

    /// <summary>The field that indexes the routes of one routing value further (Windows: the event id).</summary>
    public string EventIdField { get; init; } = "EventID";

    /// <summary>Skip rules whose required literals are absent from the event (same results, fewer evaluations).</summary>
    public bool UsePrefilter { get; init; } = true;

    /// <summary>Prefilter rules by literals shorter than a gram and by non-ASCII text too (off only to measure the difference).</summary>
    internal bool PrefilterShortLiterals { get; init; } = true;

    /// <summary>Check each gram hit against the literals it stands for (off only to measure the difference).</summary>
    internal bool PrefilterVerifyLiterals { get; init; } = true;
}

public enum SigmaMatchKind
{
    Rule,
    Correlation,
}

/// <summary>A rule (or correlation) that matched; <see cref="EventIndex"/> is the caller's position of the event.</summary>
public sealed record SigmaMatch(SigmaDocument Rule, SigmaMatchKind Kind, long EventIndex, IReadOnlyList<string?>? GroupValues = null);
