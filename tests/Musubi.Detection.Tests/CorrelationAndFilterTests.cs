using Musubi.Detection.Sigma;
using Musubi.Detection.Sigma.Correlation;
using static Musubi.Detection.Tests.SigmaTestKit;

namespace Musubi.Detection.Tests;

public sealed class CorrelationAndFilterTests
{
    private const string FailedLogin = """
        title: Failed login
        id: 53ba33fd-3a50-4468-a5ef-c583635cfa92
        name: failed_login
        logsource: {product: test}
        detection:
            selection:
                EventID: 4625
            condition: selection
        """;

    private const string SuccessfulLogin = """
        title: Successful login
        name: successful_login
        logsource: {product: test}
        detection:
            selection:
                EventID: 4624
            condition: selection
        """;

    private static string Login(int eventId, string user, int second, string host = "pc1", int bytes = 0) =>
        $$"""{"EventID": {{eventId}}, "User": "{{user}}", "Host": "{{host}}", "Bytes": {{bytes}}, "@timestamp": "2026-01-01T00:{{second / 60:00}}:{{second % 60:00}}Z"}""";

    private static string Correlation(string type, string condition, string timespan = "1m", string groupBy = "User", string rules = "failed_login") =>
        $"""
        title: Correlated
        id: c0000000-0000-0000-0000-000000000001
        level: critical
        correlation:
            type: {type}
            rules: [{rules}]
            group-by: [{groupBy}]
            timespan: {timespan}
            condition: {condition}
        ---
        """ + "\n";

    [Fact]
    public void Event_count_fires_once_the_count_is_reached_within_the_window_per_group()
    {
        var engine = Engine(Correlation("event_count", "{gte: 3}") + FailedLogin);
        var matches = Run(engine, Login(4625, "bob", 0), Login(4625, "eve", 1), Login(4625, "bob", 10), Login(4625, "bob", 20), Login(4625, "bob", 21));
        var hit = Assert.Single(matches);
        Assert.Equal(SigmaMatchKind.Correlation, hit.Kind);
        Assert.Equal(3, hit.EventIndex);
        Assert.Equal(["bob"], hit.GroupValues!);

        // Spread over more than the timespan: the first one slides out.
        Assert.Empty(Run(engine, Login(4625, "bob", 0), Login(4625, "bob", 50), Login(4625, "bob", 70)));
    }

    [Fact]
    public void Referenced_rules_report_their_own_matches_only_with_generate()
    {
        var quiet = Engine(Correlation("event_count", "{gte: 5}") + FailedLogin);
        Assert.Empty(Run(quiet, Login(4625, "bob", 0)));
        var loud = Engine(Correlation("event_count", "{gte: 5}").Replace("timespan: 1m", "timespan: 1m\n    generate: true", StringComparison.Ordinal) + FailedLogin);
        Assert.Single(Run(loud, Login(4625, "bob", 0)));
    }

    [Fact]
    public void Upper_bounds_are_judged_when_the_window_closes()
    {
        var engine = Engine(Correlation("event_count", "{lt: 3}") + FailedLogin);
        var matches = Run(engine, Login(4625, "bob", 0), Login(4625, "bob", 5), Login(4625, "eve", 6), Login(4625, "eve", 7), Login(4625, "eve", 8));
        var hit = Assert.Single(matches);
        Assert.Equal(["bob"], hit.GroupValues!);
    }

    [Fact]
    public void Value_count_counts_distinct_values()
    {
        var engine = Engine(Correlation("value_count", "{field: User, gte: 3}", groupBy: "Host") + FailedLogin);
        Assert.Empty(Run(engine, Login(4625, "a", 0), Login(4625, "a", 1), Login(4625, "b", 2)));
        Assert.Single(Run(engine, Login(4625, "a", 0), Login(4625, "b", 1), Login(4625, "c", 2)));
    }

    [Fact]
    public void Value_sum_and_value_avg_aggregate_a_numeric_field()
    {
        var sum = Engine(Correlation("value_sum", "{field: Bytes, gt: 1000}") + FailedLogin);
        Assert.Single(Run(sum, Login(4625, "bob", 0, bytes: 600), Login(4625, "bob", 1, bytes: 500)));
        Assert.Empty(Run(sum, Login(4625, "bob", 0, bytes: 600), Login(4625, "eve", 1, bytes: 500)));
        var avg = Engine(Correlation("value_avg", "{field: Bytes, gt: 500}") + FailedLogin);
        Assert.Single(Run(avg, Login(4625, "bob", 0, bytes: 900), Login(4625, "bob", 1, bytes: 200)));
        Assert.Empty(Run(avg, Login(4625, "bob", 0, bytes: 900), Login(4625, "bob", 1, bytes: 50)));
    }

    [Fact]
    public void Value_percentile_fires_for_a_value_rare_in_its_group()
    {
        var engine = Engine(Correlation("value_percentile", "{field: User, lte: 10}", groupBy: "Host") + FailedLogin);
        var common = Enumerable.Range(0, 19).Select(i => Login(4625, "svc", i)).ToList();
        Assert.Single(Run(engine, [.. common, Login(4625, "rare", 30)]));
        Assert.Empty(Run(engine, [.. common, Login(4625, "svc", 30)]));
    }

    [Fact]
    public void Temporal_needs_every_rule_in_the_window_in_any_order()
    {
        var engine = Engine(Correlation("temporal", "null", rules: "failed_login, successful_login") + FailedLogin + "\n---\n" + SuccessfulLogin);
        Assert.Single(Run(engine, Login(4624, "bob", 0), Login(4625, "bob", 10)));
        Assert.Empty(Run(engine, Login(4624, "bob", 0), Login(4625, "eve", 10)));
        Assert.Empty(Run(engine, Login(4624, "bob", 0), Login(4625, "bob", 70)));
    }

    [Fact]
    public void Temporal_ordered_also_needs_the_listed_order()
    {
        var engine = Engine(Correlation("temporal_ordered", "null", rules: "failed_login, successful_login") + FailedLogin + "\n---\n" + SuccessfulLogin);
        Assert.Single(Run(engine, Login(4625, "bob", 0), Login(4624, "bob", 10)));
        Assert.Empty(Run(engine, Login(4624, "bob", 0), Login(4625, "bob", 10)));
    }

    [Fact]
    public void Correlations_chain_and_aliases_join_different_fields()
    {
        // The specification's example: many failed logins, then a success, by the same user.
        var yaml = """
            title: Brute force then success
            id: b180ead8-d58f-40b2-ae54-c8940995b9b6
            level: high
            correlation:
                type: temporal_ordered
                rules: [multiple_failed_login, successful_login]
                group-by: [User]
                timespan: 10m
            ---
            title: Multiple failed logons
            name: multiple_failed_login
            correlation:
                type: event_count
                rules: [failed_login]
                group-by: [User]
                timespan: 10m
                condition: {gte: 3}
            ---
            """ + "\n" + FailedLogin + "\n---\n" + SuccessfulLogin;
        var engine = Engine(yaml);
        var matches = Run(engine, Login(4625, "bob", 0), Login(4625, "bob", 1), Login(4625, "bob", 2), Login(4624, "bob", 3));
        var hit = Assert.Single(matches);
        Assert.Equal("Brute force then success", hit.Rule.Title);
        Assert.Equal(3, hit.EventIndex);

        var aliased = Correlation("temporal", "null", groupBy: "account", rules: "failed_login, successful_login")
            .Replace("timespan: 1m", "timespan: 1m\n    aliases:\n        account:\n            failed_login: User\n            successful_login: Target", StringComparison.Ordinal)
            + FailedLogin + "\n---\n" + SuccessfulLogin;
        var joined = Engine(aliased);
        Assert.Single(Run(joined, Login(4625, "bob", 0), """{"EventID": 4624, "Target": "bob", "@timestamp": "2026-01-01T00:00:05Z"}"""));
        Assert.Empty(Run(joined, Login(4625, "bob", 0), """{"EventID": 4624, "Target": "eve", "@timestamp": "2026-01-01T00:00:05Z"}"""));
    }

    [Fact]
    public void A_filter_removes_matches_from_the_rules_it_names()
    {
        var filter = """
            title: Service accounts
            logsource: {product: test}
            filter:
                rules: [failed_login]
                selection:
                    User|startswith: 'svc_'
                condition: selection
            ---
            """ + "\n";
        var engine = Engine(filter + FailedLogin);
        Assert.Single(Run(engine, Login(4625, "bob", 0)));
        Assert.Empty(Run(engine, Login(4625, "svc_backup", 0)));
        Assert.Single(engine.Filters);
    }

    [Theory]
    [InlineData("event_count", "{gte: 1}", "timespan: 1x", "timespan '1x' must be a positive number followed by s, m, h or d")]
    [InlineData("value_count", "{gte: 1}", "", "type 'value_count' needs 'field' in its condition")]
    [InlineData("event_count", "{between: 1}", "", "unknown condition operator 'between'")]
    [InlineData("event_count", "{gte: 1}", "rules: [nothing]", "refers to 'nothing', which is no loaded rule or correlation")]
    public void Invalid_correlations_are_rejected_with_the_reason(string type, string condition, string change, string reason)
    {
        var yaml = Correlation(type, condition);
        if (change.StartsWith("timespan", StringComparison.Ordinal))
        {
            yaml = yaml.Replace("timespan: 1m", change, StringComparison.Ordinal);
        }
        else if (change.StartsWith("rules", StringComparison.Ordinal))
        {
            yaml = yaml.Replace("rules: [failed_login]", change, StringComparison.Ordinal);
        }

        var engine = SigmaEngine.Build(SigmaLoader.LoadYaml(yaml + FailedLogin, "c.yml"), new SigmaEngineOptions { Pipeline = Sigma.Pipelines.SigmaPipeline.None });
        var failure = Assert.Single(engine.Failures);
        Assert.Contains(reason, failure.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_specification_sample_schemas_load()
    {
        var folder = Path.Combine(SigmaCorpus.Root, "sigma-specification", "tests", "schema");
        var documents = SigmaLoader.LoadDirectory(folder);
        Assert.Empty(documents.Failures);
        Assert.Equal(8, documents.Correlations.Count);
        Assert.Equal(2, documents.Filters.Count);
        Assert.Equal(2, documents.Rules.Count);
        Assert.Contains(documents.Correlations, c => c.Type == CorrelationType.ValuePercentile && c.ValueFields.SequenceEqual(["Image"]));
    }
}
