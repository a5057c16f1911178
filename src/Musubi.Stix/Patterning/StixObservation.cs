using System.Text.Json;
using Musubi.Stix.Model;

namespace Musubi.Stix.Patterning;

/// <summary>
/// One observation for the evaluator: a time and the SCOs observed then, keyed by id (or, for observed-data's
/// deprecated <c>objects</c> dictionary, by local key) so that <c>*_ref</c> paths can be followed within it.
/// </summary>
public sealed class StixObservation
{
    private readonly Dictionary<string, JsonElement> _byKey;

    public StixObservation(DateTimeOffset time, IEnumerable<JsonElement> objects)
        : this(time, objects.Select((o, i) => (Key: o.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString()! : $"#{i}", Object: o)))
    {
    }

    private StixObservation(DateTimeOffset time, IEnumerable<(string Key, JsonElement Object)> objects)
    {
        Time = time;
        _byKey = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var list = new List<JsonElement>();
        foreach (var (key, o) in objects)
        {
            if (o.ValueKind == JsonValueKind.Object)
            {
                _byKey[key] = o;
                list.Add(o);
            }
        }

        Objects = list;
    }

    /// <summary>When it was observed (observed-data's <c>first_observed</c>).</summary>
    public DateTimeOffset Time { get; }

    public IReadOnlyList<JsonElement> Objects { get; }

    internal JsonElement? Resolve(string key) => _byKey.TryGetValue(key, out var o) ? o : null;

    /// <summary>
    /// An observed-data SDO as an observation: its <c>object_refs</c> looked up with <paramref name="resolve"/> (only
    /// listed objects can be followed, spec 9.7.4), or its deprecated <c>objects</c> dictionary.
    /// </summary>
    public static StixObservation FromObservedData(JsonElement observedData, Func<string, JsonElement?> resolve)
    {
        var time = observedData.TryGetProperty("first_observed", out var f) && StixTimestamp.TryParse(f.GetString(), out var ts)
            ? ts.Value
            : DateTimeOffset.MinValue;
        var objects = new List<(string, JsonElement)>();
        if (observedData.TryGetProperty("object_refs", out var refs) && refs.ValueKind == JsonValueKind.Array)
        {
            foreach (var r in refs.EnumerateArray())
            {
                if (r.ValueKind == JsonValueKind.String && resolve(r.GetString()!) is { } o)
                {
                    objects.Add((r.GetString()!, o));
                }
            }
        }
        else if (observedData.TryGetProperty("objects", out var dict) && dict.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in dict.EnumerateObject())
            {
                objects.Add((p.Name, p.Value));
            }
        }

        return new StixObservation(time, objects);
    }
}
