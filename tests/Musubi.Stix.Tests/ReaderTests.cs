using System.Text;
using Musubi.Stix.Reading;

namespace Musubi.Stix.Tests;

public sealed class ReaderTests
{
    private const string Ip = """{"type":"ipv4-addr","id":"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd","value":"198.51.100.3"}""";

    [Fact]
    public void Each_object_keeps_its_exact_bytes_key_order_and_whitespace()
    {
        const string odd = "{ \"value\" : \"198.51.100.3\",\n\t\"type\":\"ipv4-addr\" , \"id\":\"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd\", \"x_n\": 1.50e2 }";
        var document = StixReader.Read($$"""{"objects":[ {{odd}} ],"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d"}""");

        Assert.True(document.IsBundle);
        Assert.Equal("bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", document.BundleId);
        Assert.Equal(odd, Assert.Single(document.Objects).Raw);
    }

    [Fact]
    public void A_bundle_with_no_objects_is_empty_and_a_byte_order_mark_is_ignored()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("""{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d"}""")).ToArray();

        var document = StixReader.Read(bytes);

        Assert.True(document.IsBundle);
        Assert.Empty(document.Objects);
    }

    [Theory]
    [InlineData("""{"type":"bundle","objects":[{"type":"x"} ,]}""", "malformed JSON", "$.objects[0]")]
    [InlineData("""{"type":"bundle","objects":[{"type":"x","a":[1,2}]}""", "malformed JSON", "$.objects[0].a[1]")]
    [InlineData("""{"type":"bundle","objects":[1]}""", "expected a STIX object, found a number", "$.objects[0]")]
    [InlineData("""[{"type":"ipv4-addr"}]""", "expected a STIX bundle or object (a JSON object), found a list", "$")]
    [InlineData("", "empty input", "$")]
    [InlineData("""{"type":"bundle"} trailing""", "malformed JSON", "$")]
    public void Malformed_input_names_what_and_where(string json, string reason, string path)
    {
        var e = Assert.Throws<StixFormatException>(() => StixReader.Read(json));

        Assert.StartsWith(reason, e.Reason, StringComparison.Ordinal);
        Assert.Equal(path, e.Path);
    }

    [Fact]
    public void Errors_give_line_and_byte()
    {
        var e = Assert.Throws<StixFormatException>(() => StixReader.Read("{\"type\":\"bundle\",\n\"objects\":[\n  {\"type\": tru}]}"));

        Assert.Equal(3, e.Line);
        Assert.Contains("line 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_object_count_limit_names_the_first_object_over_it()
    {
        var json = $$"""{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[{{Ip}},{{Ip}},{{Ip}}]}""";

        var e = Assert.Throws<StixFormatException>(() => StixReader.Read(json, new StixReadLimits(MaxObjects: 2)));

        Assert.Equal("$.objects[2]", e.Path);
        Assert.Contains("limit of 2", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_depth_limit_names_where_nesting_went_too_deep()
    {
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 10)) + "1" + new string('}', 10);
        var json = $$"""{"type":"bundle","objects":[{"type":"x-deep","x_d":{{deep}}}]}""";

        var e = Assert.Throws<StixFormatException>(() => StixReader.Read(json, new StixReadLimits(MaxDepth: 8)));

        Assert.Contains("nesting deeper than the limit of 8", e.Reason, StringComparison.Ordinal);
        Assert.StartsWith("$.objects[0].x_d.a.a", e.Path, StringComparison.Ordinal);
        Assert.NotNull(StixReader.Read(json, new StixReadLimits(MaxDepth: 14)));
    }

    [Fact]
    public async Task The_size_limit_stops_reading_a_stream()
    {
        var json = $$"""{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[{{string.Join(',', Enumerable.Repeat(Ip, 100))}}]}""";
        await using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));

        var e = await Assert.ThrowsAsync<StixFormatException>(() => StixReader.ReadAsync(stream, new StixReadLimits(MaxBytes: 1000)));

        Assert.Contains("larger than the limit of 1000 bytes", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Indexed_fields_are_parsed()
    {
        var o = Assert.Single(StixReader.Read("""
            {"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48.000Z",
             "modified":"2016-04-06T20:03:48.123Z","revoked":true,"created_by_ref":"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
             "labels":["a","b"],"name":"n","pattern":"[file:name = 'x']","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z",
             "confidence":42,"external_references":[{"source_name":"s","url":"https://example.com"}],
             "object_marking_refs":["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421","marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"],
             "granular_markings":[{"lang":"ja","selectors":["name"]}],
             "extensions":{"x-acme-ext":{"owner_ref":"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff"}}}
            """).Objects);

        Assert.Equal("indicator", o.Type);
        Assert.Equal("2.1", o.SpecVersion);
        Assert.Equal("2016-04-06T20:03:48.123Z", o.Modified!.Value.Text);
        Assert.True(o.Revoked);
        Assert.Equal(["a", "b"], o.Labels);
        Assert.Equal(42, o.Confidence);
        Assert.Equal(Musubi.Core.Sharing.Tlp.Amber, o.Tlp);
        Assert.Equal("ja", Assert.Single(o.GranularMarkings).Lang);
        Assert.Equal("s", Assert.Single(o.ExternalReferences).SourceName);
        Assert.Contains(o.References, r => r.Path == "$.extensions.x-acme-ext.owner_ref");
        Assert.Equal(4, o.References.Count); // created_by_ref, two markings, the extension's owner_ref
    }
}
