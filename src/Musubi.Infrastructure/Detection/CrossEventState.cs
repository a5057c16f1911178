using System.Text.Json;
using Musubi.Stix.Patterning;

namespace Musubi.Infrastructure.Detection;

/// <summary>One event kept for a cross-event indicator: what its alert's evidence will show of it.</summary>
public sealed record CrossEventEvidence(string EventId, Guid? SensorId, string Sensor, string Host, IReadOnlyList<PatternFieldMatch> MatchedFields, JsonElement Event);

/// <summary>
/// The window of events that STIX patterns across several events are evaluated over, for the detection worker of this
/// process: keyed by (indicator, pattern, organisation) — an organisation's events from all its sensors and hosts
/// combine, since one pattern may join what a firewall and a DNS resolver saw. In memory only: a restart, or a second
/// worker process, starts with an empty window. Bounds: <see cref="DetectionOptions.PatternWindow"/>.
/// </summary>
public sealed class CrossEventState(DetectionOptions options)
{
    public ObservationWindow<CrossEventEvidence> Window { get; } = new(options.PatternWindow.ToLimits());
}
