namespace Musubi.Detection.Indicators;

/// <summary>
/// One plain-comparison indicator as the intelligence store feeds it to the matcher: what to compare
/// (<paramref name="Kind"/>, <paramref name="Value"/>), which indicator object it comes from, how far to trust it
/// (STIX confidence 0–100, null when unknown) and until when it is active (null: no end).
/// </summary>
public sealed record IndicatorRecord(IndicatorKind Kind, string Value, string IndicatorId, int? Confidence = null, DateTimeOffset? ValidUntil = null);

/// <summary>An indicator the matcher refused to compile, and why (input position in the list it was given).</summary>
public sealed record IndicatorRejection(int Index, string IndicatorId, string Value, string Reason);
