using Musubi.Detection.Sigma;

namespace Musubi.Detection.Tests;

public sealed class CorpusLoadTests
{
    [Fact]
    public void At_least_99_percent_of_the_SigmaHQ_rules_load_and_each_failure_has_a_reason()
    {
        var engine = SigmaCorpus.Engine;
        var output = TestContext.Current.TestOutputHelper!;
        var total = engine.DocumentCount;
        var loaded = engine.LoadedCount;
        output.WriteLine($"loaded {loaded} of {total} documents ({100.0 * loaded / total:F2} %), {engine.Failures.Count} rejected");
        foreach (var reason in engine.Failures.GroupBy(f => ReasonKind(f.Reason)).OrderByDescending(g => g.Count()))
        {
            output.WriteLine($"  {reason.Count(),4} × {reason.Key}");
        }

        foreach (var failure in engine.Failures)
        {
            output.WriteLine("  " + failure);
        }

        Assert.Equal(total, loaded + engine.Failures.Count);
        Assert.True(loaded >= total * 0.99, $"only {loaded} of {total} load");
        Assert.All(engine.Failures, f => Assert.False(string.IsNullOrWhiteSpace(f.Reason)));
    }

    [Fact]
    public void Rule_ids_are_unique_across_the_corpus()
    {
        var ids = SigmaCorpus.Documents.Rules.Where(r => r.Id is not null).GroupBy(r => r.Id).Where(g => g.Count() > 1).Select(g => g.Key);
        Assert.Empty(ids);
    }

    [Fact]
    public void Every_windows_rule_of_the_corpus_is_routed_by_the_built_in_pipeline()
    {
        var unrouted = SigmaCorpus.Engine.Warnings.Where(w => w.Contains("logsource windows", StringComparison.Ordinal)).ToList();
        TestContext.Current.TestOutputHelper!.WriteLine(string.Join('\n', unrouted));
        Assert.True(unrouted.Count <= 2, string.Join('\n', unrouted));
    }

    /// <summary>The reason without the rule-specific parts (quoted values), for grouping.</summary>
    private static string ReasonKind(string reason)
    {
        var text = System.Text.RegularExpressions.Regex.Replace(reason, "'[^']*'", "'…'");
        return text.Length > 120 ? text[..120] : text;
    }
}
