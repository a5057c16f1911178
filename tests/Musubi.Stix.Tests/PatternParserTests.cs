using CsCheck;
using Musubi.Stix.Model;
using Musubi.Stix.Patterning;

namespace Musubi.Stix.Tests;

public sealed class PatternParserTests
{
    [Theory]
    [InlineData("[file:size = 25536]")]
    [InlineData("[ipv4-addr:value = '203.0.113.1' OR ipv4-addr:value = '203.0.113.2']")]
    [InlineData("([ipv4-addr:value = '198.51.100.5'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.10'])")]
    [InlineData("([ipv4-addr:value = '198.51.100.5' ] AND [ipv4-addr:value = '198.51.100.10']) WITHIN 300 SECONDS")]
    [InlineData("[file:name = 'foo.dll'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'")]
    [InlineData("[ipv4-addr:value = '198.51.100.1/32'] REPEATS 5 TIMES WITHIN 1.5 SECONDS")]
    [InlineData("[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]")]
    [InlineData("[network-traffic:protocols[0] = 'tcp']")]
    [InlineData("[file:hashes.'SHA-256' = 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c']")]
    [InlineData("[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$']")]
    [InlineData("[directory:path LIKE 'C:\\\\Windows\\\\%\\\\foo']")]
    [InlineData("[process:name IN ('proccy', 'proximus', 'badproc')]")]
    [InlineData("[ipv4-addr:value ISSUBSET '198.51.100.0/24']")]
    [InlineData("[ipv6-addr:value ISSUPERSET '2001:db8::/64']")]
    [InlineData("[EXISTS windows-registry-key:values]")]
    [InlineData("[file:name NOT = 'a' AND file:size NOT > -1]")]
    [InlineData("[artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=' OR artifact:payload_bin = h'7468697320697320612074657374']")]
    [InlineData("[x-acme-widget:enabled = true AND x-acme-widget:broken != false]")]
    [InlineData("[file:created < t'2020-01-01T00:00:00.123Z']")]
    [InlineData("[(type-a:property_j = 'W' AND type-a:property_k = 'X') OR (type-b:property_m = 'Y' AND type-b:property_n = 'Z')]")]
    [InlineData("[a-b:c = 'b'] FOLLOWEDBY ([c-d:e = 'd'] REPEATS 5 TIMES)")]
    [InlineData("[file:name = 'it\\'s \\\\ here']")]
    [InlineData("[file:size\n=\t25536]")]
    public void Spec_examples_parse_and_print_to_an_equal_tree(string text)
    {
        var parsed = StixPattern.Parse(text);

        Assert.Equal(parsed.Root, StixPattern.Parse(parsed.ToString()).Root);
    }

    [Fact]
    public void Precedence_is_and_then_or_then_followedby_and_qualifiers_bind_to_the_nearest_expression()
    {
        var p = StixPattern.Parse("[a-a:x = 1] OR [b-b:x = 2] AND [c-c:x = 3] FOLLOWEDBY [d-d:x = 4] REPEATS 2 TIMES");

        var followed = Assert.IsType<ObservationBinary>(p.Root);
        Assert.Equal(ObservationOperator.FollowedBy, followed.Operator);
        var or = Assert.IsType<ObservationBinary>(followed.Left);
        Assert.Equal(ObservationOperator.Or, or.Operator);
        Assert.Equal(ObservationOperator.And, Assert.IsType<ObservationBinary>(or.Right).Operator);
        Assert.IsType<RepeatsQualifier>(Assert.IsType<QualifiedExpression>(followed.Right).Qualifier);

        var c = StixPattern.Parse("[a-a:x = 1 OR a-a:y = 2 AND a-a:z = 3]");
        var comparisonOr = Assert.IsType<ComparisonBinary>(Assert.IsType<ObservationExpression>(c.Root).Comparison);
        Assert.Equal(BooleanOperator.Or, comparisonOr.Operator);
        Assert.Equal(BooleanOperator.And, Assert.IsType<ComparisonBinary>(comparisonOr.Right).Operator);
    }

    [Fact]
    public void Paths_keep_quoted_keys_and_indexes()
    {
        var c = (Comparison)((ObservationExpression)StixPattern.Parse("[file:extensions.'windows-pebinary-ext'.sections[*].name = 'x']").Root).Comparison;

        Assert.Equal("file", c.Path.ObjectType);
        Assert.Equal<PathStep>([new PropertyStep("extensions"), new PropertyStep("windows-pebinary-ext"), new PropertyStep("sections"), new IndexStep(null), new PropertyStep("name")], c.Path.Steps);
    }

    [Theory]
    [InlineData("", 0, "the pattern is empty")]
    [InlineData("[file:name = 'a'", 16, "found the end of the pattern")]
    [InlineData("[file:name 'a']", 11, "found the string a")]
    [InlineData("[file:name = ]", 13, "found ']'")]
    [InlineData("[file name = 'a']", 6, "found 'name'")]
    [InlineData("[file:name = 'a] ", 13, "the string is not closed")]
    [InlineData("[file:name = 'a\\b']", 15, "a backslash in a string may only escape")]
    [InlineData("[file:name = 'a'] WITHIN 0 SECONDS", 25, "WITHIN needs a positive number")]
    [InlineData("[file:name = 'a'] REPEATS 1.5 TIMES", 26, "REPEATS needs a positive integer")]
    [InlineData("[file:name = 'a'] WITHIN 5 MINUTES", 27, "found 'MINUTES'")]
    [InlineData("[file:name = 'a'] WITHIN 5 SECONDS WITHIN 6 SECONDS", 35, "only one qualifier of each kind")]
    [InlineData("[file:name = 'a'] START t'2016-06-01' STOP t'2016-07-01T00:00:00Z'", 24, "is not a STIX timestamp")]
    [InlineData("[file:payload_bin = h'abc']", 20, "is not an even number of hex digits")]
    [InlineData("[file:payload_bin = b'!!']", 20, "is not base64")]
    [InlineData("[file:name = 'a' AND url:value = 'b']", 1, "AND joins comparisons on different object types")]
    [InlineData("[file:name IN ('a', 1)]", 20, "the values of IN must all be of one type")]
    [InlineData("[file:name LIKE 5]", 16, "found '5'")]
    [InlineData("[ipv4-addr:value ISSUBSET 'not-an-ip']", 17, "ISSUBSET needs an IP address or CIDR block")]
    [InlineData("[file:name MATCHES '(']", 11, "MATCHES needs a valid regular expression")]
    [InlineData("[file:windows-pebinary-ext = 'a']", 6, "must be quoted")]
    [InlineData("[file:name = 'a'] AND", 21, "found the end of the pattern")]
    [InlineData("[file:name = 'a'] [file:name = 'b']", 18, "found '['")]
    [InlineData("[file:size > true]", 13, "a boolean has no order")]
    [InlineData("[file:name = 'a'] and [file:name = 'b']", 18, "found 'and'")]
    [InlineData("[file:name ! 'a']", 11, "'!' on its own")]
    public void Errors_say_where_and_what_was_expected(string text, int position, string message)
    {
        var e = Assert.Throws<PatternSyntaxException>(() => StixPattern.Parse(text));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Equal(position, e.Position);
    }

    [Fact]
    public void Limits_refuse_over_long_and_over_deep_patterns()
    {
        var deep = new string('(', 200) + "[file:name = 'a']" + new string(')', 200);
        Assert.Contains("nesting deeper", Assert.Throws<PatternSyntaxException>(() => StixPattern.Parse(deep)).Message, StringComparison.Ordinal);

        var longText = "[file:name = '" + new string('a', 100) + "']";
        Assert.Contains("longer than the limit", Assert.Throws<PatternSyntaxException>(() => StixPattern.Parse(longText, new PatternLimits(MaxLength: 50))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Indicator_values_are_the_positive_string_equalities()
    {
        var p = StixPattern.Parse("[ipv4-addr:value = '198.51.100.1' OR ipv4-addr:value NOT = '10.0.0.1'] AND [file:hashes.'SHA-256' IN ('aa', 'bb')] AND [url:value LIKE '%x%']");

        var values = IndicatorValues.Extract(p);

        Assert.Equal(
            ["file:hashes.'SHA-256'=aa", "file:hashes.'SHA-256'=bb", "ipv4-addr:value=198.51.100.1"],
            values.Select(v => $"{v.Path}={v.Value}").Order(StringComparer.Ordinal));
    }

    // ---- property: parse → print → parse gives the same tree ----

    private static Gen<T> Choose<T>(params T[] items) => Gen.Int[0, items.Length - 1].Select(i => items[i]);

    private static readonly Gen<string> Name = Choose("value", "name", "size", "hashes", "x_custom", "body_multipart", "src_ref");
    private static readonly Gen<string> Type = Choose("file", "ipv4-addr", "x-acme-widget", "network-traffic");

    private static readonly Gen<PathStep> Step = Gen.Frequency(
        (4, Name.Select(n => (PathStep)new PropertyStep(n))),
        (1, Choose("SHA-256", "a.b", "it's", "ünï").Select(n => (PathStep)new PropertyStep(n))),
        (1, Gen.Int[-1, 5].Select(i => (PathStep)new IndexStep(i < 0 ? null : i))));

    private static readonly Gen<ObjectPath> PathOf = Gen.Select(Name, Step.List[0, 3], (first, rest) => (first, rest))
        .Select(t => new ObjectPath("T", [new PropertyStep(t.first), .. t.rest]));

    private static readonly Gen<PatternConstant> Scalar = Gen.OneOf(
        Gen.String[Gen.Char.AlphaNumeric, 0, 8].Select(s => (PatternConstant)new StringConstant(s)),
        Choose("it's", "back\\slash", "日本", "").Select(s => (PatternConstant)new StringConstant(s)),
        Gen.Long.Select(l => (PatternConstant)new IntegerConstant(l)),
        Gen.Int[-100000, 100000].Select(i => { var text = (i / 100m).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture); return (PatternConstant)new FloatConstant(decimal.Parse(text, System.Globalization.CultureInfo.InvariantCulture), text); }),
        Gen.Bool.Select(b => (PatternConstant)new BooleanConstant(b)),
        Gen.Byte.Array[0, 6].Select(b => (PatternConstant)new HexConstant(b, Convert.ToHexString(b).ToLowerInvariant())),
        Gen.Byte.Array[0, 6].Select(b => (PatternConstant)new BinaryConstant(b, Convert.ToBase64String(b))),
        Gen.Int[0, 1_000_000].Select(s => { StixTimestamp.TryParse(StixTimestamp.Format(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(s)), out var ts); return (PatternConstant)new TimestampConstant(ts); }));

    private static Gen<ComparisonExpression> ComparisonOf(string type, int depth)
    {
        var leaf = Gen.Select(PathOf, Gen.Int[0, 8], Gen.Bool, Scalar, (path, op, negated, value) =>
        {
            path = path with { ObjectType = type };
            return (ComparisonExpression)(op switch
            {
                0 => new Comparison(path, ComparisonOperator.Exists, false, null),
                1 => new Comparison(path, ComparisonOperator.In, negated, new SetConstant([value, value])),
                2 => new Comparison(path, ComparisonOperator.Like, negated, new StringConstant("%a_")),
                3 => new Comparison(path, ComparisonOperator.Matches, negated, new StringConstant("^a.*b$")),
                4 => new Comparison(path, ComparisonOperator.IsSubset, negated, new StringConstant("198.51.100.0/24")),
                5 when value is not BooleanConstant => new Comparison(path, ComparisonOperator.LessOrEqual, negated, value),
                6 => new Comparison(path, ComparisonOperator.NotEqual, negated, value),
                _ => new Comparison(path, ComparisonOperator.Equal, negated, value),
            });
        });
        if (depth == 0)
        {
            return leaf;
        }

        return Gen.Frequency(
            (2, leaf),
            (1, Gen.Select(Gen.Bool, ComparisonOf(type, depth - 1), ComparisonOf(type, depth - 1),
                (and, l, r) => (ComparisonExpression)new ComparisonBinary(and ? BooleanOperator.And : BooleanOperator.Or, l, r))));
    }

    private static readonly Gen<Qualifier> QualifierGen = Gen.OneOf(
        Gen.Int[1, 99].Select(n => (Qualifier)new RepeatsQualifier(n)),
        Gen.Int[1, 9999].Select(n => (Qualifier)new WithinQualifier(n, n.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        Gen.Const(() =>
        {
            StixTimestamp.TryParse("2016-06-01T00:00:00Z", out var a);
            StixTimestamp.TryParse("2016-07-01T00:00:00.5Z", out var b);
            return (Qualifier)new StartStopQualifier(a, b);
        }));

    private static Gen<PatternExpression> Pattern(int depth)
    {
        var observation = Type.SelectMany(t => ComparisonOf(t, 2)).Select(c => (PatternExpression)new ObservationExpression(c));
        if (depth == 0)
        {
            return observation;
        }

        return Gen.Frequency(
            (2, observation),
            (1, Gen.Select(Gen.Int[0, 2], Pattern(depth - 1), Pattern(depth - 1),
                (op, l, r) => (PatternExpression)new ObservationBinary((ObservationOperator)op, l, r))),
            (1, Gen.Select(Pattern(depth - 1), QualifierGen, (inner, q) =>
                inner is QualifiedExpression existing && existing.Qualifier.GetType() == q.GetType()
                    ? inner
                    : (PatternExpression)new QualifiedExpression(inner, q))));
    }

    [Fact]
    public void Property_parse_print_parse_is_the_identity()
    {
        Pattern(3).Sample(tree =>
        {
            var printed = tree.ToString();
            var parsed = StixPattern.Parse(printed);
            Assert.Equal(printed, parsed.ToString());
            Assert.Equal(tree, parsed.Root);
        }, iter: 2000);
    }
}
