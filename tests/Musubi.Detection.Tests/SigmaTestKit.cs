using System.Text;
using Musubi.Detection.Sigma;
using Musubi.Detection.Sigma.Pipelines;

namespace Musubi.Detection.Tests;

/// <summary>Small rules and events for unit tests: no pipeline routing unless asked.</summary>
internal static class SigmaTestKit
{
    public static SigmaEngine Engine(string yaml, SigmaEngineOptions? options = null)
    {
        var documents = SigmaLoader.LoadYaml(yaml, "test.yml");
        var engine = SigmaEngine.Build(documents, options ?? new SigmaEngineOptions { Pipeline = SigmaPipeline.None });
        Assert.True(engine.Failures.Count == 0, string.Join("\n", engine.Failures));
        return engine;
    }

    /// <summary>A rule with the given detection body (indented under <c>detection:</c>) and condition.</summary>
    public static string Rule(string detection, string condition = "selection", string logsource = "product: test") =>
        $"""
        title: Test rule
        id: 00000000-0000-0000-0000-000000000001
        level: high
        logsource:
            {logsource}
        detection:
        {Indent(detection)}
            condition: {condition}
        """;

    public static bool Matches(string detection, string json, string condition = "selection", SigmaEngineOptions? options = null) =>
        Run(Engine(Rule(detection, condition), options), json).Count > 0;

    public static List<SigmaMatch> Run(SigmaEngine engine, params string[] events)
    {
        var matcher = engine.CreateMatcher();
        var matches = new List<SigmaMatch>();
        for (var i = 0; i < events.Length; i++)
        {
            matcher.Match(Encoding.UTF8.GetBytes(events[i]), i, matches);
        }

        matcher.Flush(matches);
        return matches;
    }

    /// <summary>The reason a single-document rule is rejected (load or compile).</summary>
    public static string Rejection(string yaml, SigmaEngineOptions? options = null)
    {
        var documents = SigmaLoader.LoadYaml(yaml, "test.yml");
        var engine = SigmaEngine.Build(documents, options ?? new SigmaEngineOptions { Pipeline = SigmaPipeline.None });
        Assert.Single(engine.Failures);
        Assert.Equal(0, engine.LoadedCount);
        return engine.Failures[0].Reason;
    }

    private static string Indent(string text) =>
        string.Join('\n', text.Split('\n').Select(l => "    " + l));
}
