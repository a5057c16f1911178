using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Identity;
using Musubi.Detection.Events;
using Musubi.Detection.Indicators;
using Musubi.Detection.Ingestion;
using Musubi.Detection.Sigma;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Detection;

/// <summary>One alert to raise: what matched, on which host, with which evidence.</summary>
internal sealed record AlertCandidate(string Kind, string SourceId, string Title, string Level, int LevelBase, int? Confidence, string Host, object Evidence);

/// <summary>
/// Runs the Sigma rules and the live indicator set over events from the queue and raises or groups alerts. Not thread
/// safe (it holds a Sigma matcher): one per worker.
/// </summary>
/// <remarks>
/// With <paramref name="store"/> (the server), indicators come from the STIX store and an organisation's events are
/// matched only against indicators the access policy lets that organisation see; indicator alerts are reported back
/// to the store as sightings. Without it (tests, tools) the hand-fed <paramref name="indicators"/> apply to everyone.
/// </remarks>
public sealed class DetectionProcessor(SigmaEngine? engine, IndicatorMatcher indicators, IServiceScopeFactory scopes, TimeProvider time, DetectionOptions options,
    StoreIndicators? store = null, SightingReporter? sightings = null, StoreRules? storedRules = null, CrossEventState? crossEvents = null)
{
    private readonly Musubi.Stix.Patterning.ObservationWindow<CrossEventEvidence> patternWindow = (crossEvents ?? new CrossEventState(options)).Window;
    private IndicatorCatalog? windowCatalog;
    private Dictionary<Guid, Musubi.Core.Sharing.Principal>? crossEventPrincipals;
    private readonly Dictionary<Guid, (SigmaEngine Engine, SigmaMatcher Matcher)> setMatchers = [];
    private RuleCatalog? ruleCatalog;
    private readonly SigmaMatcher? sigma = engine?.CreateMatcher();
    private readonly List<SigmaMatch> sigmaMatches = [];
    private readonly List<IndicatorHit> hits = [];
    private long index;

    public long AlertsRaised { get; private set; }

    /// <summary>Processes queue payloads (envelopes written by <see cref="EventIngestor"/>) and writes their alerts.</summary>
    public async Task ProcessAsync(IReadOnlyList<ReadOnlyMemory<byte>> envelopes, CancellationToken ct)
    {
        var perOrganisation = new List<(Guid Organisation, Guid? Sensor, DateTimeOffset At, AlertCandidate Alert)>();
        // One catalog for the whole batch: its snapshot, patterns and markings belong together.
        var catalog = store?.Current;
        ruleCatalog = storedRules?.Current;
        if (catalog is not null && !ReferenceEquals(catalog, windowCatalog))
        {
            // A rebuilt set: forget the window state of indicators (or pattern versions) no longer in it.
            var live = catalog.CrossEvent.Select(c => (c.IndicatorId, c.Pattern.Pattern.Text)).ToHashSet();
            patternWindow.Retain((id, text) => live.Contains((id, text)));
            windowCatalog = catalog;
        }

        crossEventPrincipals = catalog is { CrossEvent.Count: > 0 } ? await PrincipalsAsync(envelopes, ct) : null;
        foreach (var envelope in envelopes)
        {
            Collect(envelope, perOrganisation, catalog);
        }

        if (perOrganisation.Count == 0)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusubiDbContext>();
        if (catalog is not null)
        {
            await ApplyAccessPolicyAsync(db, catalog, perOrganisation, ct);
            if (perOrganisation.Count == 0)
            {
                return;
            }
        }

        var audit = scope.ServiceProvider.GetRequiredService<AuditTrail>();
        var orgIds = perOrganisation.Select(p => p.Organisation).Distinct().ToList();
        var kinds = await db.Organisations.AsNoTracking().Where(o => orgIds.Contains(o.Id)).Select(o => new { o.Id, o.Kind }).ToDictionaryAsync(o => o.Id, o => o.Kind, ct);
        var now = time.GetUtcNow();
        var window = now - options.GroupingWindow;
        var pending = new Dictionary<string, AlertEntity>(StringComparer.Ordinal);
        foreach (var (organisation, sensor, at, alert) in perOrganisation)
        {
            var key = $"{organisation:N}|{alert.Kind}|{alert.SourceId}|{alert.Host}";
            if (key.Length > 600)
            {
                key = key[..600];
            }

            if (!pending.TryGetValue(key, out var existing))
            {
                existing = await db.Set<AlertEntity>().Where(a => a.GroupKey == key && a.LastSeen >= window)
                    .OrderByDescending(a => a.LastSeen).FirstOrDefaultAsync(ct);
            }

            if (existing is not null)
            {
                existing.Count++;
                existing.LastSeen = now;
                pending[key] = existing;
                continue;
            }

            var severity = AlertSeverity.Compute(alert.LevelBase, AlertSeverity.Criticality(kinds.TryGetValue(organisation, out var k) ? k : null),
                alert.Kind == "indicator" ? AlertSeverity.ConfidenceFactor(alert.Confidence) : 1.0);
            var entity = new AlertEntity
            {
                Id = Guid.NewGuid(),
                OrganisationId = organisation,
                SensorId = sensor,
                Kind = alert.Kind,
                SourceId = Truncate(alert.SourceId, 200),
                Title = Truncate(alert.Title, 500),
                Level = alert.Level,
                Severity = severity,
                Host = Truncate(alert.Host, 260),
                GroupKey = key,
                FirstSeen = now,
                LastSeen = now,
                Count = 1,
                Evidence = JsonSerializer.Serialize(alert.Evidence, MusubiJson.Options),
                Status = "new",
            };
            db.Set<AlertEntity>().Add(entity);
            audit.Record(Actor.System, "alert.create", "alert", entity.Id.ToString(), organisation, null,
                new { entity.Kind, entity.SourceId, entity.Title, entity.Severity, entity.Host, EventTime = at });
            pending[key] = entity;
            AlertsRaised++;
        }

        await db.SaveChangesAsync(ct);

        if (catalog is not null && sightings is not null && options.ReportSightings)
        {
            var batches = perOrganisation.Where(p => p.Alert.Kind == "indicator")
                .GroupBy(p => (p.Organisation, p.Alert.SourceId))
                .Select(g => new SightingBatch(g.Key.Organisation, g.Key.SourceId, g.Count(), g.Min(x => x.At), g.Max(x => x.At)))
                .ToList();
            await sightings.ReportAsync(batches, catalog, ct);
        }
    }

    /// <summary>
    /// Drops indicator matches the event's organisation may not see (<see cref="IndicatorCatalog.MayApply"/>): the
    /// organisation as a principal with its community memberships now, no user (so TLP:RED applies only to the
    /// publishing organisation's own events).
    /// </summary>
    private static async Task ApplyAccessPolicyAsync(MusubiDbContext db, IndicatorCatalog catalog,
        List<(Guid Organisation, Guid? Sensor, DateTimeOffset At, AlertCandidate Alert)> candidates, CancellationToken ct)
    {
        if (!candidates.Any(c => c.Alert.Kind == "indicator"))
        {
            return;
        }

        var orgIds = candidates.Select(c => c.Organisation).Distinct().ToList();
        var memberships = await db.Memberships.AsNoTracking().Where(m => orgIds.Contains(m.OrganisationId))
            .Select(m => new { m.OrganisationId, m.CommunityId }).ToListAsync(ct);
        var principals = orgIds.ToDictionary(o => o, o => new Musubi.Core.Sharing.Principal(null, o,
            memberships.Where(m => m.OrganisationId == o).Select(m => m.CommunityId).ToHashSet()));
        candidates.RemoveAll(c => c.Alert.Kind == "indicator" && !catalog.MayApply(c.Alert.SourceId, principals[c.Organisation]));
    }

    /// <summary>
    /// The organisations of a batch as principals (their community memberships now, no user), so that the window of
    /// cross-event patterns only ever holds events of organisations that may see the indicator.
    /// </summary>
    private async Task<Dictionary<Guid, Musubi.Core.Sharing.Principal>> PrincipalsAsync(IReadOnlyList<ReadOnlyMemory<byte>> envelopes, CancellationToken ct)
    {
        var orgIds = new HashSet<Guid>();
        foreach (var envelope in envelopes)
        {
            using var document = JsonDocument.Parse(envelope);
            orgIds.Add(document.RootElement.GetProperty("organisation_id").GetGuid());
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusubiDbContext>();
        var ids = orgIds.ToList();
        var memberships = await db.Memberships.AsNoTracking().Where(m => ids.Contains(m.OrganisationId))
            .Select(m => new { m.OrganisationId, m.CommunityId }).ToListAsync(ct);
        return ids.ToDictionary(o => o, o => new Musubi.Core.Sharing.Principal(null, o,
            memberships.Where(m => m.OrganisationId == o).Select(m => m.CommunityId).ToHashSet()));
    }

    private void Collect(ReadOnlyMemory<byte> envelope, List<(Guid, Guid?, DateTimeOffset, AlertCandidate)> output, IndicatorCatalog? catalog)
    {
        using var document = JsonDocument.Parse(envelope);
        var root = document.RootElement;
        var organisation = root.GetProperty("organisation_id").GetGuid();
        Guid? sensor = root.TryGetProperty("sensor_id", out var s) ? s.GetGuid() : null;
        var sensorName = root.TryGetProperty("sensor", out var sn) ? sn.GetString() ?? "" : "";
        var eventId = root.TryGetProperty("id", out var eid) && eid.ValueKind == JsonValueKind.String ? eid.GetString()! : $"#{index}";
        _ = IngestFormats.TryParse(root.GetProperty("format").GetString(), out var format);
        // Cloned: the evidence outlives the document.
        var ocsf = root.GetProperty("ocsf").Clone();
        var raw = ocsf.GetProperty("raw_data").GetString() ?? "";
        var at = ocsf.TryGetProperty("time", out var t) && t.TryGetInt64(out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : time.GetUtcNow();
        var host = Host(ocsf, sensorName);
        var rawBytes = Encoding.UTF8.GetBytes(raw);

        // The bytes indicators and JSON rules look at: the line itself for JSON, its fields as a JSON object otherwise.
        byte[] json;
        ParsedEvent? parsed = null;
        if (format == IngestFormat.JsonLines)
        {
            json = rawBytes;
        }
        else
        {
            if (!IngestParser.TryParse(format, rawBytes, out parsed, out _))
            {
                return;
            }

            json = FieldsAsJson(parsed!.Fields);
        }

        var matchers = new List<SigmaMatcher>(1);
        if (sigma is not null)
        {
            matchers.Add(sigma);
        }

        if (ruleCatalog is not null)
        {
            foreach (var set in ruleCatalog.For(organisation))
            {
                if (!setMatchers.TryGetValue(set.Id, out var cached) || !ReferenceEquals(cached.Engine, set.Engine))
                {
                    setMatchers[set.Id] = cached = (set.Engine, set.Engine.CreateMatcher());
                }

                matchers.Add(cached.Matcher);
            }
        }

        foreach (var ruleMatcher in matchers)
        {
            sigmaMatches.Clear();
            if (parsed is null)
            {
                ruleMatcher.Match(json, index, sigmaMatches);
            }
            else
            {
                var lineEvent = new LineEvent();
                foreach (var (name, value) in parsed.Fields)
                {
                    lineEvent.Add(name, value);
                }

                ruleMatcher.Match(lineEvent, index, sigmaMatches);
            }

            foreach (var match in sigmaMatches)
            {
                var rule = match.Rule;
                output.Add((organisation, sensor, at, new AlertCandidate("sigma", rule.Key, rule.Title, rule.Level.ToString().ToLowerInvariant(),
                    AlertSeverity.LevelBase(rule.Level), null, host,
                    new { rule = new { id = rule.Key, rule.Title, level = rule.Level.ToString().ToLowerInvariant(), rule.Tags }, matchedFields = RuleFields(rule, json), @event = ocsf })));
            }
        }

        var snapshot = catalog?.Snapshot ?? indicators.Current;
        if (catalog is { Patterns.Count: > 0 } || catalog is { CrossEvent.Count: > 0 })
        {
            CollectPatterns(catalog, ocsf, at, organisation, sensor, sensorName, eventId, host, output);
        }

        if (snapshot.Count > 0)
        {
            hits.Clear();
            snapshot.Scan(json, hits, time.GetUtcNow().UtcTicks);
            foreach (var group in hits.GroupBy(h => h.Indicator))
            {
                var first = snapshot.Describe(json, group.First());
                var fields = group.Select(h => snapshot.Describe(json, h)).Select(m => new { field = m.Field, value = m.ObservedValue }).ToList();
                output.Add((organisation, sensor, at, new AlertCandidate("indicator", first.IndicatorId,
                    $"Indicator {IndicatorKinds.Name(first.Kind)} {first.IndicatorValue}", "indicator", AlertSeverity.IndicatorBase, first.Confidence, host,
                    new
                    {
                        indicator = new { id = first.IndicatorId, kind = IndicatorKinds.Name(first.Kind), value = first.IndicatorValue, confidence = first.Confidence, validUntil = first.ValidUntil },
                        matchedFields = fields,
                        @event = ocsf,
                    })));
            }
        }

        index++;
    }

    /// <summary>Indicators beyond plain comparisons: the STIX pattern evaluator over the event as one observation.</summary>
    private void CollectPatterns(IndicatorCatalog catalog, JsonElement ocsf, DateTimeOffset at, Guid organisation, Guid? sensor, string sensorName, string eventId, string host,
        List<(Guid, Guid?, DateTimeOffset, AlertCandidate)> output)
    {
        var now = time.GetUtcNow();
        var observation = StixIndicatorTranslation.Observation(ocsf, at, out var origins);
        if (observation.Objects.Count == 0)
        {
            return;
        }

        foreach (var p in catalog.Patterns)
        {
            if (p.ValidUntil is { } until && until <= now)
            {
                continue;
            }

            bool matched;
            try
            {
                matched = Musubi.Stix.Patterning.PatternEvaluator.Matches(p.Pattern, [observation]);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException)
            {
                matched = false;
            }

            if (matched)
            {
                output.Add((organisation, sensor, at, new AlertCandidate("indicator", p.IndicatorId, $"Indicator pattern {Truncate(p.Pattern.Text, 200)}", "indicator",
                    AlertSeverity.IndicatorBase, p.Confidence, host,
                    new
                    {
                        indicator = new { id = p.IndicatorId, kind = "stix-pattern", value = p.Pattern.Text, confidence = p.Confidence, validUntil = p.ValidUntil },
                        matchedFields = PatternFields(p.Pattern, observation, origins),
                        @event = ocsf,
                    })));
            }
        }

        var scope = organisation.ToString("N");
        foreach (var c in catalog.CrossEvent)
        {
            if (c.ValidUntil is { } until && until <= now)
            {
                continue;
            }

            if (crossEventPrincipals is not null && (!crossEventPrincipals.TryGetValue(organisation, out var principal) || !catalog.MayApply(c.IndicatorId, principal)))
            {
                continue;
            }

            var satisfied = c.Pattern.Satisfied(observation);
            if (satisfied == 0)
            {
                continue;
            }

            var leaves = c.Pattern.Leaves.Where((_, i) => (satisfied & (1UL << i)) != 0).ToList();
            var evidence = new CrossEventEvidence(eventId, sensor, sensorName, host, PatternFields(leaves, observation, origins), ocsf);
            if (patternWindow.Observe(c.IndicatorId, c.Pattern, scope, new Musubi.Stix.Patterning.WindowEvent<CrossEventEvidence>(eventId, at, satisfied, evidence)) is not { } match)
            {
                continue;
            }

            var last = match.Events[^1];
            output.Add((organisation, last.Payload.SensorId, last.Time, new AlertCandidate("indicator", c.IndicatorId,
                $"Indicator pattern {Truncate(c.Pattern.Pattern.Text, 200)}", "indicator", AlertSeverity.IndicatorBase, c.Confidence, last.Payload.Host,
                new
                {
                    indicator = new { id = c.IndicatorId, kind = "stix-pattern", value = c.Pattern.Pattern.Text, confidence = c.Confidence, validUntil = c.ValidUntil, acrossEvents = true },
                    matchedFields = match.Events.SelectMany(e => e.Payload.MatchedFields.Select(f => new { eventId = e.EventId, f.Field, f.Value, f.Comparison, f.Path })).ToList(),
                    events = match.Events.Select(e => new
                    {
                        eventId = e.EventId,
                        time = e.Time,
                        sensor = e.Payload.Sensor,
                        host = e.Payload.Host,
                        observationExpression = e.Expression.ToString(),
                        matchedFields = e.Payload.MatchedFields,
                        @event = e.Payload.Event,
                    }).ToList(),
                    @event = last.Payload.Event,
                })));
        }
    }

    /// <summary>
    /// Which event fields satisfied which comparisons of a pattern that matched: every comparison of the pattern that
    /// holds on the event's observation, and for each object of its type it holds on alone, the OCSF field and value
    /// the object's property came from (<c>*_ref</c> steps followed to the referenced object).
    /// </summary>
    internal static List<PatternFieldMatch> PatternFields(Musubi.Stix.Patterning.StixPattern pattern, Musubi.Stix.Patterning.StixObservation observation,
        IReadOnlyDictionary<string, Dictionary<string, ObservedField>> origins) => PatternFields([pattern.Root], observation, origins);

    /// <summary>As above, for the comparisons of some observation expressions (those an event satisfied).</summary>
    internal static List<PatternFieldMatch> PatternFields(IEnumerable<Musubi.Stix.Patterning.PatternExpression> expressions, Musubi.Stix.Patterning.StixObservation observation,
        IReadOnlyDictionary<string, Dictionary<string, ObservedField>> origins)
    {
        var result = new List<PatternFieldMatch>();
        var comparisons = new List<Musubi.Stix.Patterning.Comparison>();
        foreach (var expression in expressions)
        {
            Leaves(expression, comparisons);
        }

        var byId = observation.Objects.Where(o => o.TryGetProperty("id", out _)).ToDictionary(o => o.GetProperty("id").GetString()!, StringComparer.Ordinal);
        foreach (var comparison in comparisons.DistinctBy(c => c.ToString()))
        {
            if (!Musubi.Stix.Patterning.PatternEvaluator.MatchesObservation(comparison, observation))
            {
                continue;
            }

            var type = comparison.Path.ObjectType;
            var others = observation.Objects.Where(o => !IsType(o, type)).ToList();
            foreach (var candidate in observation.Objects.Where(o => IsType(o, type)))
            {
                var alone = new Musubi.Stix.Patterning.StixObservation(observation.Time, [candidate, .. others]);
                if (!Musubi.Stix.Patterning.PatternEvaluator.MatchesObservation(comparison, alone))
                {
                    continue;
                }

                var origin = Origin(candidate, comparison.Path.Steps, byId, origins);
                result.Add(new PatternFieldMatch(origin?.Field ?? comparison.Path.ToString(), origin?.Value ?? "", comparison.ToString(), comparison.Path.ToString()));
            }
        }

        return result;

        static bool IsType(System.Text.Json.JsonElement o, string type) =>
            o.TryGetProperty("type", out var t) && t.ValueKind == System.Text.Json.JsonValueKind.String && t.GetString() == type;
    }

    private static ObservedField? Origin(System.Text.Json.JsonElement root, IReadOnlyList<Musubi.Stix.Patterning.PathStep> steps,
        Dictionary<string, System.Text.Json.JsonElement> byId, IReadOnlyDictionary<string, Dictionary<string, ObservedField>> origins)
    {
        var current = root;
        for (var i = 0; i < steps.Count; i++)
        {
            if (steps[i] is not Musubi.Stix.Patterning.PropertyStep { Name: var name } || !current.TryGetProperty("id", out var idElement)
                || !origins.TryGetValue(idElement.GetString() ?? "", out var map))
            {
                return null;
            }

            if (name.EndsWith("_ref", StringComparison.Ordinal) && i + 1 < steps.Count && current.TryGetProperty(name, out var target)
                && target.GetString() is { } targetId && byId.TryGetValue(targetId, out var referenced))
            {
                current = referenced;
                continue;
            }

            return map.GetValueOrDefault(name);
        }

        return null;
    }

    private static void Leaves(Musubi.Stix.Patterning.PatternExpression e, List<Musubi.Stix.Patterning.Comparison> into)
    {
        switch (e)
        {
            case Musubi.Stix.Patterning.ObservationExpression o:
                Leaves(o.Comparison, into);
                break;
            case Musubi.Stix.Patterning.ObservationBinary b:
                Leaves(b.Left, into);
                Leaves(b.Right, into);
                break;
            case Musubi.Stix.Patterning.QualifiedExpression q:
                Leaves(q.Inner, into);
                break;
        }
    }

    private static void Leaves(Musubi.Stix.Patterning.ComparisonExpression e, List<Musubi.Stix.Patterning.Comparison> into)
    {
        switch (e)
        {
            case Musubi.Stix.Patterning.ComparisonBinary b:
                Leaves(b.Left, into);
                Leaves(b.Right, into);
                break;
            case Musubi.Stix.Patterning.Comparison c:
                into.Add(c);
                break;
        }
    }

    /// <summary>The fields a rule tests that the event has, with the event's values.</summary>
    private static Dictionary<string, string> RuleFields(SigmaDocument document, byte[] json)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (document is not SigmaRule rule)
        {
            return result;
        }

        var wanted = rule.Detection.Searches.Values.SelectMany(s => s.Alternatives).SelectMany(a => a).Select(p => p.Field)
            .Where(f => f is not null).Select(f => f!).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (!IngestParser.TryParse(IngestFormat.JsonLines, json, out var parsed, out _))
        {
            return result;
        }

        foreach (var (name, value) in parsed!.Fields)
        {
            if (wanted.Contains(name) && !result.ContainsKey(name) && result.Count < 50)
            {
                result[name] = value.Length > 1000 ? value[..1000] : value;
            }
        }

        return result;
    }

    private static string Host(JsonElement ocsf, string sensor)
    {
        if (ocsf.TryGetProperty("src_endpoint", out var src))
        {
            if (src.TryGetProperty("hostname", out var h) && h.GetString() is { Length: > 0 } name)
            {
                return name;
            }

            if (src.TryGetProperty("ip", out var ip) && ip.GetString() is { Length: > 0 } address)
            {
                return address;
            }
        }

        return sensor;
    }

    private static byte[] FieldsAsJson(IReadOnlyList<KeyValuePair<string, string>> fields)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (name, value) in fields)
            {
                if (seen.Add(name))
                {
                    writer.WriteString(name, value);
                }
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static string Truncate(string text, int max) => text.Length > max ? text[..max] : text;
}

/// <summary>An event field that satisfied one comparison of a STIX pattern: the field, its value, the comparison and its STIX path.</summary>
public sealed record PatternFieldMatch(string Field, string Value, string Comparison, string Path);
