using System.Text;
using Musubi.Detection.Indicators;

namespace Musubi.Detection.Tests.Indicators;

internal static class IndicatorTestKit
{
    public static readonly DateTimeOffset Now = new(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);

    public static IndicatorSnapshot Build(params (IndicatorKind Kind, string Value)[] indicators) =>
        IndicatorSnapshot.Build(indicators.Select((x, i) => new IndicatorRecord(x.Kind, x.Value, $"indicator--{i}", 80)), Now);

    /// <summary>The canonical values of the indicators an event matches, sorted.</summary>
    public static string[] Matches(IndicatorSnapshot snapshot, string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var hits = new List<IndicatorHit>();
        Assert.True(snapshot.Scan(bytes, hits, Now.UtcTicks));
        return [.. hits.Select(h => snapshot.IndicatorValue(h.Indicator)).Order(StringComparer.Ordinal)];
    }

    /// <summary>What one field value matches.</summary>
    public static string[] ValueMatches(IndicatorSnapshot snapshot, string value) =>
        Matches(snapshot, "{\"v\":" + System.Text.Json.JsonSerializer.Serialize(value) + "}");
}
