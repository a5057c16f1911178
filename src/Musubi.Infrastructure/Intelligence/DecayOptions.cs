using System.Text.Json;
using Musubi.Core.Intelligence;
using Musubi.Stix.Model;
using Musubi.Stix.Patterning;

namespace Musubi.Infrastructure.Intelligence;

/// <summary>
/// Indicator decay (<c>Musubi:Intelligence:Decay</c>, docs/STIX.md "Sightings and decay"): one model per indicator type
/// (the object type of its pattern's first comparison: <c>ipv4-addr</c>, <c>file</c>, ...), a default, and the score
/// under which an indicator leaves the detection set.
/// </summary>
public sealed class DecayOptions
{
    public const string Section = "Musubi:Intelligence:Decay";

    public bool Enabled { get; set; } = true;

    /// <summary>Scores are on STIX's confidence scale, 0–100.</summary>
    public double Threshold { get; set; } = 20;

    public DecayModel Default { get; set; } = new(TimeSpan.FromDays(180), 1);

    /// <summary>Addresses change hands within weeks; file hashes stay bad for good. Replaced per key by configuration.</summary>
    public Dictionary<string, DecayModel> Models { get; set; } = new(StringComparer.Ordinal)
    {
        ["ipv4-addr"] = new(TimeSpan.FromDays(30), 2),
        ["ipv6-addr"] = new(TimeSpan.FromDays(30), 2),
        ["network-traffic"] = new(TimeSpan.FromDays(30), 2),
        ["domain-name"] = new(TimeSpan.FromDays(90), 1),
        ["url"] = new(TimeSpan.FromDays(60), 1),
        ["email-addr"] = new(TimeSpan.FromDays(180), 1),
        ["file"] = new(TimeSpan.FromDays(730), 0.5),
    };

    /// <summary>The model for an indicator's pattern: by the object type it is about.</summary>
    public DecayModel ModelFor(StixPattern pattern)
    {
        var type = TypeOf(pattern);
        return type is not null && Models.TryGetValue(type, out var m) ? m : Default;
    }

    public static string? TypeOf(StixPattern pattern)
    {
        foreach (var v in IndicatorValues.Extract(pattern))
        {
            return v.ObjectType;
        }

        return null;
    }

    /// <summary>The decayed score of an indicator last published or sighted at <paramref name="since"/>.</summary>
    public double Score(int? confidence, StixPattern pattern, DateTimeOffset since, DateTimeOffset now) =>
        IndicatorDecay.Score(confidence ?? IndicatorDecay.DefaultBase, now - since, ModelFor(pattern));

    /// <summary>When the indicator's score falls under <see cref="Threshold"/>, or null when decay is off.</summary>
    public DateTimeOffset? ExpiresAt(int? confidence, StixPattern pattern, DateTimeOffset since)
    {
        if (!Enabled)
        {
            return null;
        }

        var span = IndicatorDecay.TimeToThreshold(confidence ?? IndicatorDecay.DefaultBase, Threshold, ModelFor(pattern));
        return since + span;
    }

    /// <summary>
    /// An indicator's current score: from its <c>confidence</c> (else <see cref="IndicatorDecay.DefaultBase"/>), decayed
    /// since the later of when this platform received the version and the last sighting. Null when not a parsable STIX indicator.
    /// </summary>
    public IndicatorScore? ScoreOf(string raw, DateTimeOffset dateAdded, DateTimeOffset? lastSighted, DateTimeOffset now)
    {
        using var doc = JsonDocument.Parse(raw);
        var o = doc.RootElement;
        if (!o.TryGetProperty("pattern", out var p) || p.ValueKind != JsonValueKind.String
            || (o.TryGetProperty("pattern_type", out var pt) && pt.GetString() != "stix")
            || !StixPattern.TryParse(p.GetString()!, out var pattern, out _))
        {
            return null;
        }

        int? confidence = o.TryGetProperty("confidence", out var c) && c.TryGetInt32(out var ci) ? ci : null;
        DateTimeOffset? validUntil = o.TryGetProperty("valid_until", out var v) && v.ValueKind == JsonValueKind.String && StixTimestamp.TryParse(v.GetString(), out var ts) ? ts.Value : null;
        var since = lastSighted is { } s && s > dateAdded ? s : dateAdded;
        var model = ModelFor(pattern!);
        var score = Enabled ? Score(confidence, pattern!, since, now) : confidence ?? IndicatorDecay.DefaultBase;
        return new IndicatorScore(Math.Round(score, 1), confidence ?? IndicatorDecay.DefaultBase, TypeOf(pattern!) ?? "default", model, since,
            ExpiresAt(confidence, pattern!, since), validUntil);
    }
}

/// <summary>An indicator's decayed score and when it leaves the detection set (score under the threshold, or valid_until).</summary>
public sealed record IndicatorScore(double Score, double Base, string ModelKey, DecayModel Model, DateTimeOffset Since, DateTimeOffset? DecaysAt, DateTimeOffset? ValidUntil)
{
    public bool Active(DateTimeOffset now) => (DecaysAt is not { } d || d > now) && (ValidUntil is not { } u || u > now);
}
