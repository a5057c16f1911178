using System.Text.Json.Nodes;
using Musubi.Stix.Model;
using Musubi.Stix.Reading;
using Musubi.Stix.Validation;

namespace Musubi.Stix.Tests;

/// <summary>One negative case (at least) per rule, each against an otherwise valid object.</summary>
public sealed class ValidationTests
{
    private const string Indicator = """
        {"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
         "created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z",
         "created_by_ref":"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
         "name":"C2","pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z",
         "labels":["malicious-activity"],"confidence":80,
         "object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}
        """;

    private static IReadOnlyList<StixIssue> Validate(string json) => StixValidator.Validate(StixReader.Read(json).Objects);

    private static IReadOnlyList<StixIssue> ValidateModified(string json, Action<JsonObject> change)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        change(node);
        return Validate(node.ToJsonString());
    }

    private static void AssertError(IReadOnlyList<StixIssue> issues, string code, string path)
    {
        Assert.True(issues.Any(i => i.Severity == StixSeverity.Error && i.Code == code && i.Path == path),
            $"expected error {code} at {path}, got:\n{string.Join('\n', issues)}");
    }

    [Fact]
    public void Validation_keeps_a_parsed_stix_pattern_on_its_object_and_nothing_for_another_language_or_a_bad_pattern()
    {
        var good = StixReader.Read(Indicator).Objects;
        Assert.Null(good[0].ParsedPattern);
        StixValidator.Validate(good);
        Assert.Equal(["198.51.100.1"], Musubi.Stix.Patterning.IndicatorValues.Extract(good[0].ParsedPattern!).Select(v => v.Value));

        var snort = JsonNode.Parse(Indicator)!.AsObject();
        snort["pattern_type"] = "snort";
        snort["pattern"] = "alert tcp any any -> any 80 (msg:\"x\";)";
        var other = StixReader.Read(snort.ToJsonString()).Objects;
        StixValidator.Validate(other);
        Assert.Null(other[0].ParsedPattern);

        var broken = JsonNode.Parse(Indicator)!.AsObject();
        broken["pattern"] = "[ipv4-addr:value = ";
        var bad = StixReader.Read(broken.ToJsonString()).Objects;
        AssertError(StixValidator.Validate(bad), "pattern-syntax", "$.pattern");
        Assert.Null(bad[0].ParsedPattern);
    }

    [Fact]
    public void The_base_indicator_is_valid()
    {
        Assert.DoesNotContain(Validate(Indicator), i => i.Severity == StixSeverity.Error);
    }

    [Theory]
    [InlineData("id", "indicator--not-a-uuid", "id-format")]
    [InlineData("id", "indicator--8e2e2d2b-17d4-0cbf-938f-98ee46b3cd3f", "id-format")] // version nibble 0
    [InlineData("id", "indicator--8e2e2d2b-17d4-4cbf-738f-98ee46b3cd3f", "id-format")] // variant 0111
    [InlineData("id", "malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "id-type-mismatch")]
    [InlineData("spec_version", "2.0", "spec-version")]
    [InlineData("created", "2016-04-06T20:03:48Z", "timestamp-precision")]
    [InlineData("created", "2016-04-06T20:03:48.000+00:00", "timestamp-format")]
    [InlineData("created", "2016-02-30T20:03:48.000Z", "timestamp-format")]
    [InlineData("created", "2016-04-06 20:03:48.000Z", "timestamp-format")]
    [InlineData("modified", "2016-04-06T20:03:47.999Z", "modified-before-created")]
    [InlineData("modified", "2016-04-06T20:03:48.Z", "timestamp-format")]
    [InlineData("created_by_ref", "organization--f431f809-377b-45e0-aa1c-6a4751cae5ff", "created-by-ref")]
    [InlineData("valid_until", "2015-01-01T00:00:00Z", "valid-until")]
    [InlineData("valid_from", "yesterday", "timestamp-format")]
    [InlineData("pattern", "[ipv4-addr:value = '198.51.100.1'", "pattern-syntax")]
    [InlineData("type", "Indicator", "type-format")]
    [InlineData("type", "x--y", "type-format")]
    public void A_bad_value_is_an_error_at_its_path(string property, string value, string code)
    {
        var issues = ValidateModified(Indicator, o => o[property] = value);

        AssertError(issues, code, $"$.{property}");
    }

    [Theory]
    [InlineData("id")]
    [InlineData("type")]
    [InlineData("created")]
    [InlineData("modified")]
    [InlineData("pattern")]
    [InlineData("pattern_type")]
    [InlineData("valid_from")]
    public void A_missing_required_property_is_an_error(string property)
    {
        var issues = ValidateModified(Indicator, o => o.Remove(property));

        AssertError(issues, "required", $"$.{property}");
    }

    [Fact]
    public void A_missing_spec_version_on_a_domain_object_is_a_warning_and_on_an_observable_nothing()
    {
        var sdo = ValidateModified(Indicator, o => o.Remove("spec_version"));
        Assert.Contains(sdo, i => i.Severity == StixSeverity.Warning && i.Code == "spec-version-missing");
        Assert.DoesNotContain(sdo, i => i.Severity == StixSeverity.Error);

        var sco = Validate("""{"type":"ipv4-addr","id":"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd","value":"198.51.100.3"}""");
        Assert.Empty(sco);
    }

    [Theory]
    [InlineData("confidence", "101", "confidence-range")]
    [InlineData("confidence", "\"high\"", "confidence-range")]
    [InlineData("revoked", "\"yes\"", "revoked-type")]
    [InlineData("labels", "[]", "string-list")]
    [InlineData("labels", "[1]", "string-list")]
    [InlineData("object_marking_refs", "[\"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff\"]", "object-marking-refs")]
    [InlineData("external_references", "[{\"source_name\":\"x\"}]", "external-reference")]
    [InlineData("external_references", "[{\"source_name\":\"cve\",\"external_id\":\"CVE-16-1\"}]", "external-reference-cve")]
    [InlineData("external_references", "[{\"source_name\":\"capec\",\"external_id\":\"163\"}]", "external-reference-capec")]
    [InlineData("granular_markings", "[{\"selectors\":[\"name\"]}]", "granular-markings")]
    [InlineData("granular_markings", "[{\"marking_ref\":\"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb\",\"lang\":\"en\",\"selectors\":[\"name\"]}]", "granular-markings")]
    [InlineData("extensions", "{\"not_an_extension\":{\"a\":1}}", "extension-name")]
    [InlineData("extensions", "{\"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d\":{\"extension_type\":\"new-thing\"}}", "extension-type")]
    [InlineData("x_acme_thing_ref", "\"nope\"", "reference-format")]
    [InlineData("sample_refs", "[]", "reference-format")]
    [InlineData("Name", "\"x\"", "property-name")]
    [InlineData("xy", "\"x\"", "property-name")]
    public void Common_property_rules(string property, string json, string code)
    {
        var issues = ValidateModified(Indicator, o => o[property] = JsonNode.Parse(json));

        var severity = property.StartsWith("x_", StringComparison.Ordinal) ? StixSeverity.Warning : StixSeverity.Error;
        Assert.True(issues.Any(i => i.Severity == severity && i.Code == code && i.Path.StartsWith($"$.{property}", StringComparison.Ordinal)),
            string.Join('\n', issues));
    }

    [Fact]
    public void A_duplicate_property_is_an_error()
    {
        var issues = Validate(Indicator.Replace("\"name\":\"C2\"", "\"name\":\"C2\",\"name\":\"C3\"", StringComparison.Ordinal));

        AssertError(issues, "duplicate-property", "$.name");
    }

    [Fact]
    public void An_unresolved_reference_is_a_warning_and_a_resolved_one_nothing()
    {
        var rel = """
            {"type":"relationship","spec_version":"2.1","id":"relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad",
             "created":"2016-04-06T20:06:37.000Z","modified":"2016-04-06T20:06:37.000Z","relationship_type":"indicates",
             "source_ref":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","target_ref":"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"}
            """;
        var bundle = $$"""{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[{{Indicator}},{{rel}}]}""";

        var issues = Validate(bundle);

        var unresolved = issues.Where(i => i.Code == "reference-unresolved").ToList();
        // created_by_ref (identity) and target_ref (malware) are absent; source_ref (the indicator) and the TLP marking resolve.
        Assert.Equal(["$.objects[0].created_by_ref", "$.objects[1].target_ref"], unresolved.Select(i => i.Path).Order(StringComparer.Ordinal));
        Assert.All(unresolved, i => Assert.Equal(StixSeverity.Warning, i.Severity));
    }

    public static TheoryData<string, string, string> TypeCases() => new()
    {
        // type-specific required properties and MUSTs: object JSON (without common properties), code, path
        { """{"type":"malware","is_family":true}""", "required", "$.name" },
        { """{"type":"malware","name":"x"}""", "required", "$.is_family" },
        { """{"type":"relationship","relationship_type":"uses","source_ref":"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"}""", "required", "$.target_ref" },
        { """{"type":"relationship","relationship_type":"Uses It","source_ref":"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b","target_ref":"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"}""", "relationship-type", "$.relationship_type" },
        { """{"type":"relationship","relationship_type":"uses","source_ref":"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b","target_ref":"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b","start_time":"2020-01-01T00:00:00Z","stop_time":"2020-01-01T00:00:00Z"}""", "time-order", "$.stop_time" },
        { """{"type":"sighting","sighting_of_ref":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","count":1000000000}""", "range", "$.count" },
        { """{"type":"sighting","sighting_of_ref":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","first_seen":"2020-01-02T00:00:00Z","last_seen":"2020-01-01T00:00:00Z"}""", "time-order", "$.last_seen" },
        { """{"type":"observed-data","first_observed":"2020-01-01T00:00:00Z","last_observed":"2020-01-01T00:00:00Z","number_observed":0,"object_refs":["ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd"]}""", "range", "$.number_observed" },
        { """{"type":"observed-data","first_observed":"2020-01-01T00:00:00Z","last_observed":"2020-01-01T00:00:00Z","number_observed":1}""", "observed-data-content", "$" },
        { """{"type":"opinion","opinion":"maybe","object_refs":["indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]}""", "enum", "$.opinion" },
        { """{"type":"report","name":"r","object_refs":["indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]}""", "required", "$.published" },
        { """{"type":"grouping","context":"suspicious-activity"}""", "required", "$.object_refs" },
        { """{"type":"note","content":"n","object_refs":[]}""", "reference-format", "$.object_refs" },
        { """{"type":"location","name":"nowhere"}""", "required", "$" },
        { """{"type":"location","latitude":48.8}""", "location-coordinates", "$.longitude" },
        { """{"type":"location","latitude":91,"longitude":2}""", "range", "$.latitude" },
        { """{"type":"malware-analysis","product":"av"}""", "required", "$" },
        { """{"type":"identity"}""", "required", "$.name" },
        { """{"type":"vulnerability"}""", "required", "$.name" },
        { """{"type":"campaign","name":"c","first_seen":"2020-01-02T00:00:00Z","last_seen":"2020-01-01T00:00:00Z"}""", "time-order", "$.last_seen" },
        { """{"type":"language-content","object_ref":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}""", "required", "$.contents" },
        { """{"type":"extension-definition","created_by_ref":"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff","name":"e","schema":"s","version":"1","extension_types":["new-widget"]}""", "extension-type", "$.extension_types[0]" },
    };

    [Theory]
    [MemberData(nameof(TypeCases))]
    public void Type_specific_rules(string body, string code, string path)
    {
        var node = JsonNode.Parse(body)!.AsObject();
        var type = (string)node["type"]!;
        node["id"] = $"{type}--6b616fc1-1505-48e3-8b2c-0d19337bff38";
        node["spec_version"] = "2.1";
        node["created"] = "2019-01-01T00:00:00.000Z";
        node["modified"] = "2019-01-01T00:00:00.000Z";

        AssertError(Validate(node.ToJsonString()), code, path);
    }

    public static TheoryData<string, string, string> ObservableCases() => new()
    {
        { """{"type":"file","size":1}""", "required", "$" },
        { """{"type":"artifact","mime_type":"text/plain"}""", "artifact-content", "$" },
        { """{"type":"artifact","url":"https://example.com/a"}""", "required", "$.hashes" },
        { """{"type":"artifact","payload_bin":"AA==","encryption_algorithm":"rot13"}""", "enum", "$.encryption_algorithm" },
        { """{"type":"artifact","payload_bin":"AA==","decryption_key":"k"}""", "artifact-key", "$.decryption_key" },
        { """{"type":"email-message","is_multipart":true,"body":"b"}""", "email-body", "$.body" },
        { """{"type":"email-message","is_multipart":false,"body_multipart":[{"body":"x"}]}""", "email-body", "$.body_multipart" },
        { """{"type":"network-traffic","protocols":["tcp"]}""", "required", "$" },
        { """{"type":"process"}""", "required", "$" },
        { """{"type":"windows-registry-key","key":"hkey_local_machine\\x","values":[{"name":"v","data_type":"REG_TEXT"}]}""", "enum", "$.values[0].data_type" },
        { """{"type":"autonomous-system","name":"as"}""", "required", "$.number" },
        { """{"type":"domain-name","value":"example.com","resolves_to_refs":["example.com"]}""", "reference-format", "$.resolves_to_refs[0]" },
        { """{"type":"ipv4-addr","value":"198.51.100.3","spec_version":"2.0"}""", "spec-version", "$.spec_version" },
    };

    [Theory]
    [MemberData(nameof(ObservableCases))]
    public void Observable_rules(string body, string code, string path)
    {
        var node = JsonNode.Parse(body)!.AsObject();
        node["id"] = $"{(string)node["type"]!}--ff26c055-6336-5bc5-b98d-13d6226742dd";

        AssertError(Validate(node.ToJsonString()), code, path);
    }

    [Fact]
    public void Marking_definitions_need_a_definition_or_an_extension_and_are_not_held_to_milliseconds()
    {
        const string valid = """{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168","created":"2017-06-01T00:00:00Z","definition_type":"statement","definition":{"statement":"c"}}""";
        Assert.DoesNotContain(Validate(valid), i => i.Severity == StixSeverity.Error);

        AssertError(Validate(valid.Replace(",\"definition_type\":\"statement\",\"definition\":{\"statement\":\"c\"}", "", StringComparison.Ordinal)), "required", "$");
        AssertError(Validate(valid.Replace("\"statement\":\"c\"", "\"text\":\"c\"", StringComparison.Ordinal)), "required", "$.definition.statement");
        AssertError(Validate(valid.Replace("\"definition_type\":\"statement\",", "", StringComparison.Ordinal)), "required", "$.definition_type");
        AssertError(Validate(valid.Replace("\"definition_type\":\"statement\",\"definition\":{\"statement\":\"c\"}", "\"definition_type\":\"tlp\",\"definition\":{\"tlp\":\"purple\"}", StringComparison.Ordinal)), "enum", "$.definition.tlp");
    }

    [Fact]
    public void Custom_objects_need_only_type_and_id_but_their_property_names_follow_the_rules()
    {
        Assert.Empty(Validate("""{"type":"x-example-com-thing","id":"x-example-com-thing--4527e5de-8572-446a-a57a-706f15467461","some_custom_stuff":14}"""));

        var issues = Validate("""{"type":"x-example-com-thing","id":"x-example-com-thing--4527e5de-8572-446a-a57a-706f15467461","Bad-Name":14}""");
        AssertError(issues, "property-name", "$.Bad-Name");
    }

    [Fact]
    public void A_bundle_inside_a_bundle_is_an_error_and_a_bad_bundle_id_is_reported()
    {
        var document = StixReader.Read("""{"type":"bundle","id":"bundle--nope","objects":[{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d"}]}""");

        Assert.Contains(document.BundleProblems, p => p.StartsWith("$.id:", StringComparison.Ordinal));
        AssertError(StixValidator.Validate(document.Objects), "nested-bundle", "$.objects[0].type");
    }

    [Theory]
    [InlineData("2016-04-06T20:03:48Z", true, 0)]
    [InlineData("2016-04-06T20:03:48.1Z", true, 1)]
    [InlineData("2016-04-06T20:03:48.123456789Z", true, 9)]
    [InlineData("2016-12-31T23:59:60Z", true, 0)]
    [InlineData("2016-04-06T20:03:48.Z", false, 0)]
    [InlineData("2016-04-06T20:03:48z", false, 0)]
    [InlineData("2016-04-06T24:00:00Z", false, 0)]
    [InlineData("2016-4-06T20:03:48Z", false, 0)]
    public void Timestamps_follow_section_2_16(string text, bool valid, int digits)
    {
        Assert.Equal(valid, StixTimestamp.TryParse(text, out var ts));
        if (valid)
        {
            Assert.Equal(digits, ts.FractionDigits);
        }
    }

    [Fact]
    public void Sort_keys_order_versions_across_precisions()
    {
        Assert.True(StixTimestamp.TryParse("2017-05-31T21:30:19Z", out var a));
        Assert.True(StixTimestamp.TryParse("2017-05-31T21:30:19.5Z", out var b));
        Assert.True(StixTimestamp.TryParse("2017-05-31T21:30:19.123456789Z", out var c));

        Assert.True(string.CompareOrdinal(a.SortKey, c.SortKey) < 0);
        Assert.True(string.CompareOrdinal(c.SortKey, b.SortKey) < 0);
        Assert.Equal("2017-05-31T21:30:19.500000000Z", b.SortKey);
    }
}
