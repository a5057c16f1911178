namespace Musubi.Detection.Indicators;

/// <summary>
/// One indicator found in one event: the compiled indicator's number in its snapshot, and where the matching value
/// and the name of the property holding it lie in the event's bytes (raw JSON string contents, escapes included;
/// <see cref="NameLength"/> is -1 for a value outside any object).
/// </summary>
public readonly record struct IndicatorHit(int Indicator, int ValueOffset, int ValueLength, int NameOffset, int NameLength);

/// <summary>An indicator match spelled out for an alert's evidence.</summary>
public sealed record IndicatorMatch(
    string IndicatorId,
    IndicatorKind Kind,
    string IndicatorValue,
    int? Confidence,
    DateTimeOffset? ValidUntil,
    string Field,
    string ObservedValue);
