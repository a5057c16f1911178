using System.Text.Json;
using Musubi.Stix.Patterning;

namespace Musubi.Stix.Tests;

public sealed class PatternEvaluatorTests
{
    private static readonly DateTimeOffset T0 = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static StixObservation Obs(int seconds, params string[] objects) =>
        new(T0.AddSeconds(seconds), objects.Select(o => JsonDocument.Parse(o).RootElement.Clone()));

    private static string Ip(string value, string id = "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd") =>
        $$"""{"type":"ipv4-addr","id":"{{id}}","value":"{{value}}"}""";

    private static bool Matches(string pattern, params StixObservation[] observations) =>
        PatternEvaluator.Matches(StixPattern.Parse(pattern), observations);

    [Theory]
    [InlineData("[ipv4-addr:value = '198.51.100.1']", true)]
    [InlineData("[ipv4-addr:value = '198.51.100.2']", false)]
    [InlineData("[ipv4-addr:value != '198.51.100.2']", true)]
    [InlineData("[ipv4-addr:value NOT = '198.51.100.1']", false)]
    [InlineData("[ipv4-addr:value ISSUBSET '198.51.100.0/24']", true)]
    [InlineData("[ipv4-addr:value ISSUBSET '198.51.101.0/24']", false)]
    [InlineData("[ipv4-addr:value ISSUPERSET '198.51.100.1']", true)]
    [InlineData("[ipv4-addr:value IN ('10.0.0.1', '198.51.100.1')]", true)]
    [InlineData("[ipv4-addr:value LIKE '198.51.%.1']", true)]
    [InlineData("[ipv4-addr:value LIKE '198.51._.1']", false)]
    [InlineData("[ipv4-addr:value MATCHES '100\\\\.1$']", true)]
    [InlineData("[ipv4-addr:value MATCHES '^100']", false)]
    [InlineData("[ipv4-addr:value > '198.51.100.0']", true)]
    [InlineData("[ipv4-addr:value = 5]", false)]
    [InlineData("[ipv4-addr:value != 5]", true)]
    [InlineData("[ipv4-addr:missing != 'x']", false)]
    [InlineData("[ipv4-addr:missing NOT = 'x']", false)]
    [InlineData("[EXISTS ipv4-addr:value]", true)]
    [InlineData("[EXISTS ipv4-addr:resolves_to_refs]", false)]
    [InlineData("[domain-name:value = '198.51.100.1']", false)]
    public void Comparison_operators_follow_section_9_6(string pattern, bool expected)
    {
        Assert.Equal(expected, Matches(pattern, Obs(0, Ip("198.51.100.1"))));
    }

    [Fact]
    public void A_cidr_value_is_a_subset_of_a_wider_block_and_not_of_a_narrower_one()
    {
        var obs = Obs(0, Ip("198.51.100.0/27"));

        Assert.True(Matches("[ipv4-addr:value ISSUBSET '198.51.100.0/24']", obs));
        Assert.False(Matches("[ipv4-addr:value ISSUBSET '198.51.100.0/28']", obs));
        Assert.True(Matches("[ipv4-addr:value ISSUPERSET '198.51.100.16/28']", obs));
        Assert.True(Matches("[ipv6-addr:value ISSUBSET '2001:db8::/32']", Obs(0, """{"type":"ipv6-addr","id":"ipv6-addr--1e61d36c-a16c-53b7-a80f-2a00161c96b1","value":"2001:db8::1"}""")));
    }

    [Fact]
    public void Numbers_compare_exactly_across_integer_and_float()
    {
        var obs = Obs(0, """{"type":"file","id":"file--5a27d487-c542-5f97-a131-a8866b477b46","name":"a","size":1.5}""");

        Assert.False(Matches("[file:size = 1]", obs));
        Assert.True(Matches("[file:size > 1]", obs));
        Assert.True(Matches("[file:size = 1.50]", obs));
        Assert.True(Matches("[file:size < 2]", obs));
    }

    [Fact]
    public void Binary_properties_compare_as_octets_per_9_6_4()
    {
        var obs = Obs(0, """{"type":"artifact","id":"artifact--5a27d487-c542-5f97-a131-a8866b477b46","mime_type":"application/octet-stream","payload_bin":"dGhpcyBpcyBhIHRlc3Q="}""");

        Assert.False(Matches("[artifact:payload_bin = 'dGhpcyBpcyBhIHRlc3Q=']", obs));
        Assert.True(Matches("[artifact:payload_bin = 'this is a test']", obs));
        Assert.True(Matches("[artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']", obs));
        Assert.True(Matches("[artifact:payload_bin = h'7468697320697320612074657374']", obs));
        Assert.True(Matches("[artifact:payload_bin MATCHES '^this']", obs));
        Assert.True(Matches("[artifact:payload_bin != '日本']", obs));
    }

    [Fact]
    public void Strings_compare_by_code_point_without_normalisation_but_like_normalises()
    {
        var decomposed = "o\u0300"; // o + combining grave
        var obs = Obs(0, $$"""{"type":"file","id":"file--5a27d487-c542-5f97-a131-a8866b477b46","name":"{{decomposed}}"}""");

        Assert.False(Matches("[file:name = '\u00f2']", obs));
        Assert.True(Matches("[file:name LIKE '\u00f2']", obs));
        Assert.True(Matches("[file:name > 'oz']", obs));
        Assert.True(Matches("[file:name < 'z']", obs));
    }

    [Fact]
    public void Paths_follow_lists_dictionaries_and_references_within_the_observation()
    {
        var email = """{"type":"email-message","id":"email-message--0c57a381-2a17-5e61-8754-5ef96efb286c","is_multipart":true,"from_ref":"email-addr--89f52ea8-d6ef-51e9-8fce-6a29236436ed","body_multipart":[{"body":"hi"},{"body_raw_ref":"file--5a27d487-c542-5f97-a131-a8866b477b46"}]}""";
        var from = """{"type":"email-addr","id":"email-addr--89f52ea8-d6ef-51e9-8fce-6a29236436ed","value":"evil@example.com"}""";
        var file = """{"type":"file","id":"file--5a27d487-c542-5f97-a131-a8866b477b46","name":"Final Report 2024.exe","hashes":{"SHA-256":"abc"}}""";
        var obs = Obs(0, email, from, file);

        Assert.True(Matches("[email-message:from_ref.value MATCHES '@example\\\\.com$']", obs));
        Assert.True(Matches("[email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']", obs));
        Assert.True(Matches("[email-message:body_multipart[0].body = 'hi']", obs));
        Assert.False(Matches("[email-message:body_multipart[1].body = 'hi']", obs));
        Assert.False(Matches("[email-message:body_multipart[7].body = 'hi']", obs));
        Assert.True(Matches("[file:hashes.'SHA-256' = 'abc']", obs));
        // The referenced address exists only in another observation: not followed.
        Assert.False(Matches("[email-message:from_ref.value = 'evil@example.com']", Obs(0, email), Obs(0, from)));
    }

    [Fact]
    public void All_comparisons_of_an_observation_expression_start_from_one_object()
    {
        // Spec 9.5's example: two network-traffic objects, each with one of the addresses.
        var observedData = JsonDocument.Parse("""
            {"type":"observed-data","first_observed":"2019-10-20T00:12:01.000000Z","objects":{
              "0":{"type":"network-traffic","src_ref":"1"},"1":{"type":"ipv4-addr","value":"203.0.113.10"},
              "2":{"type":"network-traffic","dst_ref":"3"},"3":{"type":"ipv4-addr","value":"198.51.100.58"}}}
            """).RootElement;
        var obs = StixObservation.FromObservedData(observedData, _ => null);

        Assert.False(Matches("[network-traffic:src_ref.value = '203.0.113.10' AND network-traffic:dst_ref.value = '198.51.100.58']", obs));
        Assert.True(Matches("[network-traffic:src_ref.value = '203.0.113.10' OR network-traffic:dst_ref.value = '198.51.100.58']", obs));
        Assert.Equal(new DateTimeOffset(2019, 10, 20, 0, 12, 1, TimeSpan.Zero), obs.Time);
    }

    [Fact]
    public void Observation_and_needs_two_different_observations()
    {
        var both = Obs(0, Ip("10.0.0.1", "ipv4-addr--00000000-0000-4000-8000-000000000001"), Ip("10.0.0.2", "ipv4-addr--00000000-0000-4000-8000-000000000002"));

        Assert.False(Matches("[ipv4-addr:value = '10.0.0.1'] AND [ipv4-addr:value = '10.0.0.2']", both));
        Assert.True(Matches("[ipv4-addr:value = '10.0.0.1'] AND [ipv4-addr:value = '10.0.0.2']", Obs(5, Ip("10.0.0.2")), Obs(0, Ip("10.0.0.1"))));
        Assert.True(Matches("[ipv4-addr:value = '10.0.0.1'] OR [ipv4-addr:value = '10.0.0.9']", both));
    }

    [Fact]
    public void Followedby_needs_the_right_side_at_or_after_the_left()
    {
        const string p = "[ipv4-addr:value = '10.0.0.1'] FOLLOWEDBY [ipv4-addr:value = '10.0.0.2']";

        Assert.False(Matches(p, Obs(10, Ip("10.0.0.1")), Obs(5, Ip("10.0.0.2"))));
        Assert.True(Matches(p, Obs(10, Ip("10.0.0.1")), Obs(10, Ip("10.0.0.2"))));
        Assert.True(Matches(p, Obs(10, Ip("10.0.0.1")), Obs(5, Ip("10.0.0.2")), Obs(20, Ip("10.0.0.2"))));
    }

    [Fact]
    public void Within_bounds_the_span_of_all_matched_observations_exclusively()
    {
        const string p = "([ipv4-addr:value = '10.0.0.1'] AND [ipv4-addr:value = '10.0.0.2']) WITHIN 60 SECONDS";

        Assert.True(Matches(p, Obs(0, Ip("10.0.0.1")), Obs(59, Ip("10.0.0.2"))));
        Assert.False(Matches(p, Obs(0, Ip("10.0.0.1")), Obs(60, Ip("10.0.0.2"))));
        Assert.True(Matches("([ipv4-addr:value = '10.0.0.1'] AND [ipv4-addr:value = '10.0.0.2']) WITHIN 0.5 SECONDS",
            new StixObservation(T0, [JsonDocument.Parse(Ip("10.0.0.1")).RootElement]), new StixObservation(T0.AddMilliseconds(400), [JsonDocument.Parse(Ip("10.0.0.2")).RootElement])));
    }

    [Fact]
    public void Repeats_counts_distinct_observations()
    {
        const string p = "[ipv4-addr:value = '10.0.0.1'] REPEATS 3 TIMES";

        Assert.False(Matches(p, Obs(0, Ip("10.0.0.1")), Obs(1, Ip("10.0.0.1"))));
        Assert.True(Matches(p, Obs(0, Ip("10.0.0.1")), Obs(1, Ip("10.0.0.1")), Obs(2, Ip("10.0.0.1"))));
        var match = PatternEvaluator.Match(StixPattern.Parse(p), [Obs(0, Ip("10.0.0.1")), Obs(1, Ip("10.0.0.9")), Obs(2, Ip("10.0.0.1")), Obs(3, Ip("10.0.0.1"))]);
        Assert.Equal([0, 2, 3], match!.Observations);
    }

    [Fact]
    public void Qualifiers_bind_to_the_nearest_expression_unless_parenthesised()
    {
        var a = Obs(0, """{"type":"file","id":"file--5a27d487-c542-5f97-a131-a8866b477b46","name":"a"}""");
        StixObservation C(int s) => Obs(s, """{"type":"file","id":"file--5a27d487-c542-5f97-a131-a8866b477b46","name":"c"}""");

        // b plus 2 c's after it
        Assert.True(Matches("[file:name = 'a'] FOLLOWEDBY [file:name = 'c'] REPEATS 2 TIMES", a, C(1), C(2)));
        // 2 pairs of (a followed by c): needs two a's
        Assert.False(Matches("([file:name = 'a'] FOLLOWEDBY [file:name = 'c']) REPEATS 2 TIMES", a, C(1), C(2)));
    }

    [Fact]
    public void Start_stop_keeps_observations_in_the_half_open_interval()
    {
        const string p = "[ipv4-addr:value = '10.0.0.1'] START t'2024-01-01T00:00:10Z' STOP t'2024-01-01T00:00:20Z'";

        Assert.True(Matches(p, Obs(10, Ip("10.0.0.1"))));
        Assert.False(Matches(p, Obs(20, Ip("10.0.0.1"))));
        Assert.False(Matches(p, Obs(9, Ip("10.0.0.1"))));
    }

    [Fact]
    public void Timestamps_compare_as_instants()
    {
        var obs = Obs(0, """{"type":"process","id":"process--5a27d487-c542-5f97-a131-a8866b477b46","created":"2020-01-01T00:00:00.5Z"}""");

        Assert.True(Matches("[process:created > t'2020-01-01T00:00:00Z']", obs));
        Assert.True(Matches("[process:created = t'2020-01-01T00:00:00.500Z']", obs));
    }

    [Fact]
    public void Partial_matches_are_bounded()
    {
        var many = Enumerable.Range(0, 40).Select(i => Obs(i, Ip("10.0.0.1"))).ToArray();

        // 40 choose 20 combinations would never finish; the bound stops at the limit and still answers.
        Assert.True(PatternEvaluator.Matches(StixPattern.Parse("[ipv4-addr:value = '10.0.0.1'] REPEATS 20 TIMES"), many, new EvaluationLimits(100)));
    }
}
