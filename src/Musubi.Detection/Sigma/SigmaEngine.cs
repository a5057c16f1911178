using Musubi.Detection.Events;
using Musubi.Detection.Sigma.Correlation;
using Musubi.Detection.Sigma.Evaluation;
using Musubi.Detection.Sigma.Pipelines;

namespace Musubi.Detection.Sigma;

/// <summary>
/// Rules compiled against a pipeline, ready to match events. Immutable and thread-safe; each thread matches through
/// its own <see cref="SigmaMatcher"/>. Build it with <see cref="Build"/> or <see cref="LoadDirectory"/>: rules that
/// cannot be supported are listed in <see cref="Failures"/> with the reason, and the rest load.
/// </summary>
public sealed class SigmaEngine
{
    private SigmaEngine(SigmaEngineOptions options)
    {
        Options = options;
    }

    public SigmaEngineOptions Options { get; }

    /// <summary>Rule documents seen (loaded or not): rules, filters and correlations.</summary>
    public int DocumentCount { get; private set; }

    public IReadOnlyList<SigmaRule> Rules => CompiledRules.Select(r => r.Rule).ToList();

    public IReadOnlyList<SigmaCorrelationRule> Correlations => CorrelationStates.Select(c => c.Rule).ToList();

    public IReadOnlyList<SigmaFilter> Filters { get; private set; } = [];

    public IReadOnlyList<SigmaLoadFailure> Failures { get; private set; } = [];

    /// <summary>Loaded, but worth knowing: a log source the pipeline does not route, a filter not applied.</summary>
    public IReadOnlyList<string> Warnings { get; private set; } = [];

    /// <summary>Documents loaded: rules, filters and correlations.</summary>
    public int LoadedCount => CompiledRules.Count + Filters.Count + CorrelationStates.Count;

    internal FieldTable Fields { get; } = new();

    internal List<CompiledRule> CompiledRules { get; } = [];

    internal List<CompiledCorrelation> CorrelationStates { get; } = [];

    internal List<RouteGroup> Groups { get; } = [];

    /// <summary>Groups with conditions but no routing-field condition: checked for every event.</summary>
    internal List<RouteGroup> GlobalGroups { get; } = [];

    /// <summary>Unconditional groups for every event that has the routing field.</summary>
    internal List<RouteGroup> RoutedGroups { get; } = [];

    /// <summary>Unconditional groups for every event without the routing field.</summary>
    internal List<RouteGroup> UnroutedGroups { get; } = [];

    /// <summary>Route groups by the routing field's value (the channel), then by the event id.</summary>
    internal Dictionary<string, RouteIndex> GroupsByRoute { get; } = new(StringComparer.OrdinalIgnoreCase);

    internal int EventIdField { get; private set; } = -1;

    internal int RoutingField { get; private set; } = -1;

    internal int[] TimestampFields { get; private set; } = [];

    internal bool HasKeywordRules { get; private set; }

    public static SigmaEngine LoadDirectory(string directory, SigmaEngineOptions? options = null) =>
        Build(SigmaLoader.LoadDirectory(directory), options);

    public static SigmaEngine Build(SigmaDocumentSet documents, SigmaEngineOptions? options = null)
    {
        var engine = new SigmaEngine(options ?? new SigmaEngineOptions());
        engine.Compile(documents);
        return engine;
    }

    public SigmaMatcher CreateMatcher() => new(this);

    private void Compile(SigmaDocumentSet documents)
    {
        DocumentCount = documents.DocumentCount;
        var failures = new List<SigmaLoadFailure>(documents.Failures);
        var warnings = new List<string>();
        var regexCache = new Dictionary<(string, System.Text.RegularExpressions.RegexOptions), System.Text.RegularExpressions.Regex>();
        var pipeline = Options.Pipeline;
        RoutingField = Fields.Intern(Options.RoutingField);
        EventIdField = Fields.Intern(Options.EventIdField);
        TimestampFields = Options.TimestampFields.Select(Fields.Intern).ToArray();

        // Filters by the rule they apply to.
        var filtersByRule = new Dictionary<string, List<SigmaFilter>>(StringComparer.Ordinal);
        foreach (var filter in documents.Filters)
        {
            foreach (var reference in filter.Rules)
            {
                if (!filtersByRule.TryGetValue(reference, out var list))
                {
                    filtersByRule[reference] = list = [];
                }

                list.Add(filter);
            }
        }

        Filters = documents.Filters;
        var usedFilters = new HashSet<SigmaFilter>();
        var groupsByKey = new Dictionary<string, RouteGroup>(StringComparer.Ordinal);
        foreach (var rule in documents.Rules)
        {
            try
            {
                var variants = pipeline.Resolve(rule.LogSource);
                var scope = RouteScope.Conditional;
                if (variants.Count == 0 || variants.All(v => v.Conditions.Count == 0))
                {
                    // No event condition can be derived. Events that carry the routing field (Windows event-log
                    // events) belong to routed log sources, so such a rule only sees the other events, unless its
                    // product is one the pipeline routes (e.g. a bare 'product: windows').
                    var routedProduct = rule.LogSource.Product is { } product && pipeline.Mappings.Any(m =>
                        string.Equals(m.Match.Product, product, StringComparison.OrdinalIgnoreCase) && m.Conditions.Count + m.Sources.Count(s => s.StartsWith("WinEventLog:", StringComparison.Ordinal)) > 0);
                    scope = pipeline.Mappings.Count == 0 ? RouteScope.Conditional : routedProduct ? RouteScope.Routed : RouteScope.Unrouted;
                    if (variants.Count == 0 && pipeline.Mappings.Count > 0)
                    {
                        warnings.Add(routedProduct
                            ? $"{rule.Source}: {rule.Key}: logsource {rule.LogSource} is not routed by pipeline '{pipeline.Name}': the rule is evaluated on every event that has a {Options.RoutingField}"
                            : $"{rule.Source}: {rule.Key}: logsource {rule.LogSource} is not routed by pipeline '{pipeline.Name}': the rule is evaluated on every event without a {Options.RoutingField}");
                    }

                    variants = [new RouteVariant([], variants.Count > 0 ? variants[0].FieldMappings : new Dictionary<string, string>())];
                }

                var filters = new List<SigmaFilter>();
                foreach (var reference in new[] { rule.Id, rule.Name })
                {
                    if (reference is not null && filtersByRule.TryGetValue(reference, out var list))
                    {
                        foreach (var filter in list)
                        {
                            if (LogSourceCovers(filter.LogSource, rule.LogSource))
                            {
                                filters.Add(filter);
                                usedFilters.Add(filter);
                            }
                            else
                            {
                                warnings.Add($"{filter.Source}: filter {filter.Key} not applied to rule {rule.Key}: logsource {filter.LogSource} does not cover {rule.LogSource}");
                            }
                        }
                    }
                }

                var compiled = new CompiledRule(rule, CompiledRules.Count);
                var compiledVariants = new List<(CompiledVariant, string, RouteVariant)>();
                foreach (var variant in variants)
                {
                    var context = new CompileContext
                    {
                        ResolveField = name => Fields.Intern(MapField(name, variant.FieldMappings, pipeline.FieldMappings)),
                        Placeholders = Options.Placeholders,
                        RegexTimeout = Options.RegexTimeout,
                        RegexCache = regexCache,
                    };

                    var root = RuleCompiler.Compile(rule.Detection, context);
                    foreach (var filter in filters)
                    {
                        root = new AndNode([root, new NotNode(RuleCompiler.Compile(filter.Detection, context))]);
                    }

                    HasKeywordRules |= ContainsKeyword(root);
                    compiledVariants.Add((new CompiledVariant(compiled, root, variant.FieldMappings), variant.ConditionKey, variant));
                }

                CompiledRules.Add(compiled);
                foreach (var (variant, key, route) in compiledVariants)
                {
                    if (!groupsByKey.TryGetValue(scope + ":" + key, out var group))
                    {
                        group = CreateGroup(route, pipeline, scope);
                        groupsByKey[scope + ":" + key] = group;
                        Groups.Add(group);
                    }

                    group.Variants.Add(variant);
                    compiled.Variants.Add(variant);
                }
            }
            catch (SigmaRuleException e)
            {
                failures.Add(new SigmaLoadFailure(rule.Source, rule.DocumentIndex, rule.Id, rule.Title, e.Message));
            }
        }

        foreach (var filter in documents.Filters.Where(f => !usedFilters.Contains(f)))
        {
            warnings.Add($"{filter.Source}: filter {filter.Key} applies to no loaded rule");
        }

        CompileCorrelations(documents, failures, pipeline);
        BuildRouting();
        foreach (var group in Groups)
        {
            group.Finish(Options);
        }

        Failures = failures;
        Warnings = warnings;
    }

    private RouteGroup CreateGroup(RouteVariant route, SigmaPipeline pipeline, RouteScope scope)
    {
        Node? condition = null;
        string[] routeValues = [];
        string[] eventIds = [];
        if (route.Conditions.Count > 0)
        {
            var context = new CompileContext
            {
                ResolveField = name => Fields.Intern(MapField(name, route.FieldMappings, pipeline.FieldMappings)),
                Placeholders = Options.Placeholders,
                RegexCache = [],
            };
            var nodes = route.Conditions.Select(c => PredicateCompiler.Compile(
                new SigmaFieldPredicate(c.Field, [], c.Values.Select(v => new SigmaValue(SigmaValueKind.String, v)).ToList()),
                context)).ToArray();
            condition = nodes.Length == 1 ? nodes[0] : new AndNode(nodes);
            routeValues = route.Conditions
                .Where(c => string.Equals(c.Field, Options.RoutingField, StringComparison.OrdinalIgnoreCase))
                .Select(c => c.Values.ToArray())
                .FirstOrDefault() ?? [];
            eventIds = route.Conditions
                .Where(c => string.Equals(c.Field, Options.EventIdField, StringComparison.OrdinalIgnoreCase))
                .Select(c => c.Values.ToArray())
                .FirstOrDefault() ?? [];
            if (eventIds.Any(v => v.AsSpan().IndexOfAny('*', '?', '\\') >= 0))
            {
                eventIds = []; // a pattern, not a value to index by
            }
        }

        return new RouteGroup(condition, routeValues, route.ConditionKey, scope) { EventIds = eventIds };
    }

    private void BuildRouting()
    {
        var byRoute = new Dictionary<string, List<RouteGroup>>(StringComparer.OrdinalIgnoreCase);
        foreach (var group in Groups)
        {
            if (group.Scope == RouteScope.Routed)
            {
                RoutedGroups.Add(group);
                continue;
            }

            if (group.Scope == RouteScope.Unrouted)
            {
                UnroutedGroups.Add(group);
                continue;
            }

            if (group.RouteValues.Length == 0)
            {
                GlobalGroups.Add(group);
                continue;
            }

            foreach (var value in group.RouteValues)
            {
                if (!byRoute.TryGetValue(value, out var list))
                {
                    byRoute[value] = list = [];
                }

                list.Add(group);
            }
        }

        foreach (var (value, list) in byRoute)
        {
            var byEventId = new Dictionary<string, List<RouteGroup>>(StringComparer.OrdinalIgnoreCase);
            foreach (var group in list)
            {
                foreach (var id in group.EventIds)
                {
                    if (!byEventId.TryGetValue(id, out var ids))
                    {
                        byEventId[id] = ids = [];
                    }

                    ids.Add(group);
                }
            }

            GroupsByRoute[value] = new RouteIndex(
                list.Where(g => g.EventIds.Length == 0).ToArray(),
                byEventId.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.OrdinalIgnoreCase));
        }
    }

    private void CompileCorrelations(SigmaDocumentSet documents, List<SigmaLoadFailure> failures, SigmaPipeline pipeline)
    {
        var rulesByRef = new Dictionary<string, CompiledRule>(StringComparer.Ordinal);
        foreach (var rule in CompiledRules)
        {
            if (rule.Rule.Id is { } id)
            {
                rulesByRef[id] = rule;
            }

            if (rule.Rule.Name is { } name)
            {
                rulesByRef[name] = rule;
            }
        }

        var correlationsByRef = new Dictionary<string, SigmaCorrelationRule>(StringComparer.Ordinal);
        foreach (var c in documents.Correlations)
        {
            if (c.Id is { } id)
            {
                correlationsByRef[id] = c;
            }

            if (c.Name is { } name)
            {
                correlationsByRef[name] = c;
            }
        }

        // Only correlations whose references all resolve (to rules or to other valid correlations) are kept.
        var valid = new Dictionary<SigmaCorrelationRule, CompiledCorrelation>();
        var pending = documents.Correlations.ToList();
        var progress = true;
        var reasons = new Dictionary<SigmaCorrelationRule, string>();
        while (progress)
        {
            progress = false;
            foreach (var c in pending.ToList())
            {
                string? reason = null;
                var resolvable = true;
                foreach (var reference in c.Rules)
                {
                    if (rulesByRef.ContainsKey(reference))
                    {
                        continue;
                    }

                    if (correlationsByRef.TryGetValue(reference, out var inner))
                    {
                        if (inner == c)
                        {
                            reason = $"correlation refers to itself ('{reference}')";
                        }
                        else if (!valid.ContainsKey(inner))
                        {
                            resolvable = false;
                        }
                        else if (c.Type is not (CorrelationType.EventCount or CorrelationType.Temporal or CorrelationType.TemporalOrdered))
                        {
                            reason = $"'{reference}' is a correlation: only event_count, temporal and temporal_ordered can correlate correlation results";
                        }

                        continue;
                    }

                    reason = $"refers to '{reference}', which is no loaded rule or correlation";
                }

                if (reason is not null)
                {
                    reasons[c] = reason;
                    pending.Remove(c);
                    progress = true;
                }
                else if (resolvable)
                {
                    valid[c] = new CompiledCorrelation(c, CorrelationStates.Count);
                    CorrelationStates.Add(valid[c]);
                    pending.Remove(c);
                    progress = true;
                }
            }
        }

        foreach (var c in pending)
        {
            reasons[c] = "refers to correlations that do not load (or form a cycle)";
        }

        foreach (var (c, reason) in reasons)
        {
            failures.Add(new SigmaLoadFailure(c.Source, c.DocumentIndex, c.Id, c.Title, "correlation: " + reason));
        }

        foreach (var compiled in CorrelationStates)
        {
            var c = compiled.Rule;
            for (var slot = 0; slot < c.Rules.Count; slot++)
            {
                var reference = c.Rules[slot];
                if (rulesByRef.TryGetValue(reference, out var rule))
                {
                    rule.Report &= c.Generate;
                    foreach (var variant in rule.Variants)
                    {
                        var groupFields = c.GroupBy.Select(g => Fields.Intern(MapField(AliasFor(c, g, rule.Rule), variant.FieldMappings, pipeline.FieldMappings))).ToArray();
                        var valueFields = c.ValueFields.Select(f => Fields.Intern(MapField(AliasFor(c, f, rule.Rule), variant.FieldMappings, pipeline.FieldMappings))).ToArray();
                        variant.Feeds.Add(new Feed(compiled, slot, groupFields, valueFields));
                    }
                }
                else
                {
                    var inner = valid[correlationsByRef[reference]];
                    inner.Report &= c.Generate;
                    var positions = c.GroupBy.Select(g => inner.Rule.GroupBy.ToList().IndexOf(AliasFor(c, g, inner.Rule))).ToArray();
                    inner.Outputs.Add(new CorrelationFeed(compiled, slot, positions));
                }
            }
        }
    }

    private static string AliasFor(SigmaCorrelationRule correlation, string field, SigmaDocument source)
    {
        if (correlation.Aliases.TryGetValue(field, out var perRule))
        {
            if (source.Name is { } name && perRule.TryGetValue(name, out var byName))
            {
                return byName;
            }

            if (source.Id is { } id && perRule.TryGetValue(id, out var byId))
            {
                return byId;
            }
        }

        return field;
    }

    private static string MapField(string name, IReadOnlyDictionary<string, string> variant, IReadOnlyDictionary<string, string> global) =>
        variant.TryGetValue(name, out var mapped) ? mapped : global.TryGetValue(name, out var g) ? g : name;

    private static bool LogSourceCovers(SigmaLogSource filter, SigmaLogSource rule)
    {
        return Same(filter.Category, rule.Category) && Same(filter.Product, rule.Product) && Same(filter.Service, rule.Service);

        static bool Same(string? f, string? r) => f is null || string.Equals(f, r, StringComparison.OrdinalIgnoreCase);
    }

    private static bool ContainsKeyword(Node node) => node switch
    {
        KeywordNode => true,
        AndNode a => a.Operands.Any(ContainsKeyword),
        OrNode o => o.Operands.Any(ContainsKeyword),
        NotNode n => ContainsKeyword(n.Operand),
        _ => false,
    };
}

internal sealed class CompiledRule(SigmaRule rule, int index)
{
    public SigmaRule Rule { get; } = rule;

    public int Index { get; } = index;

    /// <summary>False when the rule only feeds correlations (their <c>generate</c> is not set).</summary>
    public bool Report { get; set; } = true;

    public List<CompiledVariant> Variants { get; } = [];
}

internal sealed record Feed(CompiledCorrelation Correlation, int Slot, int[] GroupFields, int[] ValueFields);

internal sealed record CorrelationFeed(CompiledCorrelation Correlation, int Slot, int[] GroupPositions);

internal sealed class CompiledVariant(CompiledRule rule, Node root, IReadOnlyDictionary<string, string> fieldMappings)
{
    public CompiledRule Rule { get; } = rule;

    public Node Root { get; } = root;

    public IReadOnlyDictionary<string, string> FieldMappings { get; } = fieldMappings;

    public List<Feed> Feeds { get; } = [];
}

internal sealed class CompiledCorrelation(SigmaCorrelationRule rule, int index)
{
    public SigmaCorrelationRule Rule { get; } = rule;

    public int Index { get; } = index;

    public bool Report { get; set; } = true;

    public List<CorrelationFeed> Outputs { get; } = [];
}

internal enum RouteScope
{
    /// <summary>Events meeting the group's conditions (all events when it has none).</summary>
    Conditional,

    /// <summary>Every event that has the routing field.</summary>
    Routed,

    /// <summary>Every event without the routing field.</summary>
    Unrouted,
}

/// <summary>Rule variants that share a route (the same event conditions), with the prefilter over their literals.</summary>
/// <summary>The groups of one routing value: those for any event id, and those for each event id.</summary>
internal sealed class RouteIndex(RouteGroup[] anyEventId, Dictionary<string, RouteGroup[]> byEventId)
{
    public RouteGroup[] AnyEventId { get; } = anyEventId;

    public Dictionary<string, RouteGroup[]>.AlternateLookup<ReadOnlySpan<char>> ByEventId { get; } = byEventId.GetAlternateLookup<ReadOnlySpan<char>>();
}

internal sealed class RouteGroup(Node? condition, string[] routeValues, string key, RouteScope scope)
{
    /// <summary>The event ids the group's conditions allow (empty: any), for the second level of the route index.</summary>
    public string[] EventIds { get; init; } = [];

    public RouteScope Scope { get; } = scope;

    public Node? Condition { get; } = condition;

    public string[] RouteValues { get; } = routeValues;

    public string Key { get; } = key;

    public List<CompiledVariant> Variants { get; } = [];

    public Prefilter? Prefilter { get; private set; }

    public void Finish(SigmaEngineOptions options)
    {
        if (options.UsePrefilter)
        {
            Prefilter = Prefilter.Build(Variants, options.PrefilterShortLiterals, options.PrefilterVerifyLiterals);
        }
    }
}
