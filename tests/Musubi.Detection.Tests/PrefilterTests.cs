using System.Text.RegularExpressions;
using Musubi.Detection.Events;
using Musubi.Detection.Sigma;
using Musubi.Detection.Sigma.Evaluation;

namespace Musubi.Detection.Tests;

public sealed class PrefilterTests
{
    [Fact]
    public void The_prefiltered_engine_matches_exactly_what_evaluating_every_rule_matches()
    {
        var root = SigmaCorpus.Root;
        var documents = SigmaCorpus.Documents;
        var filtered = SigmaCorpus.Engine.CreateMatcher();
        var unfiltered = SigmaEngine.Build(documents, new SigmaEngineOptions { UsePrefilter = false }).CreateMatcher();
        var a = new List<SigmaMatch>();
        var b = new List<SigmaMatch>();
        long index = 0;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "regression_data"), "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var data = File.ReadAllBytes(file);
            foreach (var item in JsonEventReader.Read(data, JsonEventReader.Detect(data)))
            {
                filtered.Match(item.Json.Span, index, a);
                unfiltered.Match(item.Json.Span, index, b);
                index++;
            }
        }

        Assert.True(index > 100);
        Assert.Equal(b.Select(m => (m.EventIndex, m.Rule.Key)), a.Select(m => (m.EventIndex, m.Rule.Key)));
        Assert.True(filtered.Evaluations * 10 < unfiltered.Evaluations, $"{filtered.Evaluations} evaluations with the prefilter, {unfiltered.Evaluations} without");
        TestContext.Current.TestOutputHelper!.WriteLine($"{index} events, {a.Count} matches; rule evaluations {filtered.Evaluations} with the prefilter, {unfiltered.Evaluations} without");
    }

    [Theory]
    [InlineData("CommandLine|contains: '~1\\'", "C:\\PROGRA~1\\x.exe", "C:\\Program Files\\x.exe")]
    [InlineData("CommandLine|contains:\n        - '^^'\n        - ',;,'", "cmd /c e^^cho", "cmd /c echo ^")]
    [InlineData("CommandLine|endswith: 'ab'", "x.AB", "x.ab.c")]
    [InlineData("CommandLine|contains|cased: 'Ab'", "xAbx", "xabx")]
    [InlineData("CommandLine|contains:\n        - '\u0430'\n        - '\u0435'", "p\u0410yload", "payload \u00e9")]
    [InlineData("CommandLine|contains: '\U0001F986'", "run \U0001F986 now", "run \U0001F987 now")]
    [InlineData("CommandLine|contains|cased: '\u00c9t'", "\u00c9t\u00e9", "\u00e9t\u00e9")]
    public void A_rule_of_short_or_non_ascii_literals_is_prefiltered_and_matches_as_without_the_prefilter(string selection, string matching, string other)
    {
        var yaml = SigmaTestKit.Rule("selection:\n    " + selection);
        var engine = SigmaTestKit.Engine(yaml);
        Assert.All(engine.Groups, g => Assert.Equal(0, g.Prefilter!.UnanchoredCount));
        var unfiltered = SigmaTestKit.Engine(yaml, new SigmaEngineOptions { Pipeline = Musubi.Detection.Sigma.Pipelines.SigmaPipeline.None, UsePrefilter = false });
        var events = new[] { matching, other, "", "\u212a\u212a \u0130 \u00df x" }
            .Select(v => System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["CommandLine"] = v }))
            .ToArray();
        Assert.Equal([0L], SigmaTestKit.Run(engine, events).Select(m => m.EventIndex));
        Assert.Equal([0L], SigmaTestKit.Run(unfiltered, events).Select(m => m.EventIndex));
    }

    [Theory]
    [InlineData("kk")]
    [InlineData("i\u0307")]
    [InlineData("ss")]
    [InlineData("\u00e9t")]
    [InlineData("\u03c3")]
    public void Values_whose_case_mapping_is_special_match_alike_with_and_without_the_prefilter(string literal)
    {
        var yaml = SigmaTestKit.Rule("selection:\n    CommandLine|contains: '" + literal + "'");
        var options = new SigmaEngineOptions { Pipeline = Musubi.Detection.Sigma.Pipelines.SigmaPipeline.None };
        var engine = SigmaTestKit.Engine(yaml, options);
        var unfiltered = SigmaTestKit.Engine(yaml, new SigmaEngineOptions { Pipeline = Musubi.Detection.Sigma.Pipelines.SigmaPipeline.None, UsePrefilter = false });
        var events = new[] { "\u212a\u212a", "KK", "\u0130", "I\u0307", "\u00df", "SS", "\u00c9T", "\u03a3", "\u03c2", "plain" }
            .Select(v => System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["CommandLine"] = v }))
            .ToArray();
        Assert.Equal(SigmaTestKit.Run(unfiltered, events).Select(m => m.EventIndex), SigmaTestKit.Run(engine, events).Select(m => m.EventIndex));
    }

    /// <summary>Values of CommandLine (null: the JSON null; absent: the event has no CommandLine).</summary>
    private static readonly string?[] CheckedValues =
    [
        "abcdefgh", "xxABCDEFGHxx", "abcdxxxxefgh", "abcdefg", "bcdefgh", "xabcdefgxh", "efghabcd", "\u00e9\u00e9abcdefgh\u00e9",
        "AbcDefgh", "xAbcDefghx", "p\u0430yload", "P\u0410YLOAD", "payload", "\u017fystem32", "SYSTEM32", "", null,
        "C:\\Windows\\x.exe", "C:\\a\\..\\Windows\\x", "run.exe\\..\\x", "powershell -EncodedCommand abc", "ABCDEFGH HIJKLMN", "powershell -encodedcommand x",
    ];

    private static string[] CheckedEvents(string field = "CommandLine") =>
    [
        .. CheckedValues.Select(v => System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string?> { [field] = v, ["Image"] = v })),
        """{"Other":"abcdefgh"}""",
        """{"CommandLine":["x","abcdefgh"]}""",
    ];

    [Theory]
    [InlineData("selection:\n    CommandLine|contains: 'abcdefgh'", "selection")]
    [InlineData("selection:\n    CommandLine|startswith: 'abcdefgh'", "selection")]
    [InlineData("selection:\n    CommandLine|endswith: 'abcdefgh'", "selection")]
    [InlineData("selection:\n    CommandLine: 'abcdefgh'", "selection")]
    [InlineData("selection:\n    CommandLine: '*bcd?fgh'", "selection")]
    [InlineData("selection:\n    CommandLine|contains|cased: 'AbcDefgh'", "selection")]
    [InlineData("selection:\n    CommandLine|contains: 'p\u0430yload'", "selection")]
    [InlineData("selection:\n    CommandLine|contains: 'system32'", "selection")]
    [InlineData("selection:\n    CommandLine|re|i: 'system32'", "selection")]
    [InlineData("selection:\n    CommandLine|re: '(?i)\\\\\\.\\.\\\\windows'", "selection")]
    [InlineData("selection:\n    CommandLine|contains|all:\n        - 'abcdefgh'\n        - 'hijklmn'", "selection")]
    [InlineData("selection:\n    CommandLine|re: 'a[b]cdefgh'", "selection")]
    [InlineData("selection:\n    CommandLine|re|i: 'powershell.*-encodedcommand'", "selection")]
    [InlineData("selection:\n    CommandLine|re: 'powershell.*-encodedcommand'", "selection")]
    [InlineData("selection:\n    CommandLine|contains: 'abcdefgh'\nfilter:\n    CommandLine: ''", "selection and not filter")]
    [InlineData("selection_1:\n    Image|contains: '\\Windows\\'\n    CommandLine|contains:\n        - '\\..\\Windows\\'\n        - '\\..\\..\\'\nselection_2:\n    CommandLine|contains: '.exe\\..\\'", "1 of selection_*")]
    [InlineData("a:\n    CommandLine|contains: 'abcdefgh'\nb:\n    Image|contains: 'xabcdefg'\nc:\n    CommandLine|contains: 'efghabcd'\nd:\n    Image|endswith: 'efgh'", "(a and b) or (c and d) or (a and d)")]
    public void Literals_are_checked_in_full_and_the_prefilter_keeps_every_match(string detection, string condition)
    {
        var yaml = SigmaTestKit.Rule(detection, condition);
        var engine = SigmaTestKit.Engine(yaml);
        Assert.All(engine.Groups, g => Assert.Equal(0, g.Prefilter!.UnanchoredCount));
        var unfiltered = SigmaTestKit.Engine(yaml, new SigmaEngineOptions { Pipeline = Musubi.Detection.Sigma.Pipelines.SigmaPipeline.None, UsePrefilter = false });
        var events = CheckedEvents();
        var expected = SigmaTestKit.Run(unfiltered, events).Select(m => m.EventIndex).ToList();
        Assert.NotEmpty(expected);
        Assert.True(expected.Count < events.Length);
        Assert.Equal(expected, SigmaTestKit.Run(engine, events).Select(m => m.EventIndex));
    }

    [Fact]
    public void A_literal_is_a_candidate_only_where_it_occurs_in_full_not_where_only_its_gram_does()
    {
        var yaml = SigmaTestKit.Rule("selection:\n    CommandLine|contains: 'abcdefgh'");
        var options = new SigmaEngineOptions { Pipeline = Musubi.Detection.Sigma.Pipelines.SigmaPipeline.None };
        var matcher = SigmaTestKit.Engine(yaml, options).CreateMatcher();
        var gramOnly = SigmaTestKit.Engine(yaml, new SigmaEngineOptions { Pipeline = Musubi.Detection.Sigma.Pipelines.SigmaPipeline.None, PrefilterVerifyLiterals = false }).CreateMatcher();
        var matches = new List<SigmaMatch>();

        // Every 4-character gram of the literal, but never the literal: no evaluation at all.
        foreach (var value in new[] { "abcdxxxxefgh", "abcdefg bcdefgh", "efghabcd", "ABCDEFG_", "xbcdefgh" })
        {
            var json = System.Text.Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["CommandLine"] = value }));
            matcher.Match(json, 0, matches);
            gramOnly.Match(json, 0, matches);
        }

        Assert.Empty(matches);
        Assert.Equal(0, matcher.Evaluations);
        Assert.True(gramOnly.Evaluations >= 3, $"{gramOnly.Evaluations}");

        // The literal at the start, the end, after non-ASCII text, in upper case: a candidate and a match each time.
        foreach (var value in new[] { "abcdefgh", "x abcdefgh", "\u00e9\U0001F986abcdefghx", "ABCDEFGH" })
        {
            matcher.Match(System.Text.Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["CommandLine"] = value })), 1, matches);
        }

        Assert.Equal(4, matcher.Evaluations);
        Assert.Equal(4, matches.Count);
    }

    [Fact]
    public void Glob_matching_agrees_with_a_regular_expression_on_random_cases()
    {
        var random = new Random(4);
        const string alphabet = "ab\\.";
        for (var n = 0; n < 20_000; n++)
        {
            var pattern = new string(Enumerable.Range(0, random.Next(1, 8)).Select(_ => "ab\\.*?"[random.Next(6)]).ToArray());
            var value = new string(Enumerable.Range(0, random.Next(0, 10)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
            var sigma = SigmaString.Parse(pattern.Replace("\\", "\\\\", StringComparison.Ordinal));
            var needle = sigma.ToNeedle(cased: true);
            var regex = "^" + string.Concat(sigma.Chars.Select((c, i) => sigma.Kinds[i] switch { 1 => ".*", 2 => ".", _ => Regex.Escape(c.ToString()) })) + "$";
            var expected = Regex.IsMatch(value, regex, RegexOptions.Singleline);
            Assert.True(expected == needle.Matches(value), $"pattern '{pattern}' value '{value}': expected {expected}");
        }
    }
}

public sealed class RegexLiteralTests
{
    [Theory]
    [InlineData("abc", "abc")]
    [InlineData("(?i)Invoke-Expression\\s+x", "invoke-expression")]
    [InlineData("ab?cdef", "cdef")]
    [InlineData("abc+def", "abc")]
    [InlineData("\\\\Temp\\\\[a-z]{8}\\.tmp$", "\\temp\\")]
    [InlineData("https?://(?:[0-9]{1,3}\\.){3}x", "http")]
    [InlineData("a|bcdef", null)]
    [InlineData("(abc|def)", null)]
    [InlineData("\\x41BCD", null)]
    [InlineData(".{150}", null)]
    [InlineData("x{0,3}yz", "yz")]
    public void A_required_literal_is_found_only_where_every_match_contains_it(string pattern, string? expected)
    {
        Assert.Equal(expected, RegexLiterals.Required(pattern));
    }
}
