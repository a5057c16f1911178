using Musubi.Detection.Sigma;
using Musubi.Detection.Sigma.Conditions;
using static Musubi.Detection.Tests.SigmaTestKit;

namespace Musubi.Detection.Tests;

public sealed class ConditionTests
{
    private const string Searches = "a:\n    A: 1\nb:\n    B: 1\nc:\n    C: 1\nsel_x:\n    X: 1\nsel_y:\n    Y: 1\n_hidden:\n    H: 1";

    [Theory]
    [InlineData("a or b and c", """{"A": 1}""", true)]
    [InlineData("a or b and c", """{"B": 1}""", false)]
    [InlineData("(a or b) and c", """{"A": 1}""", false)]
    [InlineData("(a or b) and c", """{"A": 1, "C": 1}""", true)]
    [InlineData("not a and b", """{"B": 1}""", true)]
    [InlineData("not a and b", """{"A": 1, "B": 1}""", false)]
    [InlineData("not (a and b)", """{"A": 1, "B": 1}""", false)]
    [InlineData("not not a", """{"A": 1}""", true)]
    [InlineData("1 of sel_*", """{"Y": 1}""", true)]
    [InlineData("all of sel_*", """{"Y": 1}""", false)]
    [InlineData("all of sel_*", """{"X": 1, "Y": 1}""", true)]
    [InlineData("1 of them", """{"C": 1}""", true)]
    [InlineData("1 of them", """{"H": 1}""", false)]
    [InlineData("all of them", """{"A": 1, "B": 1, "C": 1, "X": 1, "Y": 1}""", true)]
    [InlineData("1 of *_y", """{"Y": 1}""", true)]
    [InlineData("a and not 1 of sel_*", """{"A": 1, "X": 1}""", false)]
    [InlineData("a AND NOT b", """{"A": 1}""", true)]
    [InlineData("_hidden", """{"H": 1}""", true)]
    public void Precedence_is_or_then_and_then_not_then_x_of(string condition, string json, bool expected) =>
        Assert.Equal(expected, Matches(Searches, json, condition));

    [Fact]
    public void A_list_of_conditions_is_or_linked()
    {
        var yaml = Rule(Searches, "\n        - a\n        - b");
        Assert.Single(Run(Engine(yaml), """{"B": 1}"""));
        Assert.Empty(Run(Engine(yaml), """{"C": 1}"""));
    }

    [Theory]
    [InlineData("a and", "expected a search identifier, '1 of', 'all of', 'not' or '(', found the end of the condition (column 6)")]
    [InlineData("a b", "expected 'and', 'or' or the end of the condition, found 'b' (column 3)")]
    [InlineData("(a or b", "expected ')' to close the '(' at column 1, found the end of the condition (column 8)")]
    [InlineData("a or missing", "unknown search identifier 'missing' (column 6)")]
    [InlineData("1 of nothing_*", "pattern 'nothing_*' matches no search identifier (column 6)")]
    [InlineData("2 of sel_*", "only '1 of' and 'all of' are defined, found '2 of' (column 1)")]
    [InlineData("sel_*", "wildcard identifier 'sel_*' needs '1 of' or 'all of' before it (column 1)")]
    [InlineData("a | count() > 5", "aggregation expressions ('| count() ...') are not part of Sigma 2.x: use a correlation rule (column 3)")]
    [InlineData("a & b", "unexpected character '&' (column 3)")]
    [InlineData("()", "empty parentheses (column 2)")]
    public void Parse_errors_name_the_problem_and_the_column(string condition, string message)
    {
        var error = Assert.Throws<SigmaRuleException>(() => ConditionParser.Parse(condition, ["a", "b", "sel_x", "sel_y"]));
        Assert.EndsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rule_with_a_bad_condition_is_rejected_and_the_others_load()
    {
        var yaml = Rule("a:\n    A: 1", "a and") + "\n---\n" + Rule("a:\n    A: 1", "a").Replace("0001", "0002", StringComparison.Ordinal);
        var documents = SigmaLoader.LoadYaml(yaml, "two.yml");
        Assert.Single(documents.Rules);
        var failure = Assert.Single(documents.Failures);
        Assert.Equal("00000000-0000-0000-0000-000000000001", failure.RuleId);
        Assert.Contains("column 6", failure.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Sigma_1_collections_and_aggregations_are_rejected_with_the_reason()
    {
        Assert.Contains("'action' (rule collections of Sigma 1.x)", Rejection("action: global\ntitle: x\nlogsource: {product: x}\ndetection: {a: {A: 1}, condition: a}"), StringComparison.Ordinal);
        Assert.Contains("'timeframe'", Rejection(Rule("a:\n    A: 1\ntimeframe: 5m", "a")), StringComparison.Ordinal);
    }
}
