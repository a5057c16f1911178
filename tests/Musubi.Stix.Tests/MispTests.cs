using System.Text;
using System.Text.Json;
using Musubi.Core.Sharing;
using Musubi.Stix.Misp;
using Musubi.Stix.Model;
using Musubi.Stix.Reading;
using Musubi.Stix.Validation;
using Musubi.Testing;

namespace Musubi.Stix.Tests;

/// <summary>
/// MISP exchange (docs/MISP.md): every corpus event converts without losing an indicator (counted independently of
/// the converter), into valid STIX; MISP → STIX → MISP keeps every attribute's type and value; tags, galaxies and
/// sightings; refusals name what and where.
/// </summary>
public sealed class MispTests
{
    /// <summary>Corpus files that are not MISP events, and must be refused: schemas, a sharing-group list, PyMISP fragments.</summary>
    private static readonly string[] NotEvents =
    [
        "MISP/format/2.4/schema.json", "MISP/format/2.4/schema-lax.json", "PyMISP/tests/sharing_groups.json",
        "PyMISP/tests/mispevent_testfiles/sighting.json", "PyMISP/tests/mispevent_testfiles/galaxy.json",
        "PyMISP/tests/mispevent_testfiles/simple.json",
    ];

    private static IEnumerable<string> CorpusFiles()
    {
        var root = Corpora.Require("misp");
        return Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).Order(StringComparer.Ordinal);
    }

    /// <summary>An independent count: attributes (events' and objects') with to_ids true/"1"/1 and not deleted.</summary>
    private static int CountIdsAttributes(JsonElement root)
    {
        static IEnumerable<JsonElement> Events(JsonElement n)
        {
            if (n.ValueKind == JsonValueKind.Array)
            {
                foreach (var x in n.EnumerateArray().SelectMany(Events)) { yield return x; }
            }
            else if (n.TryGetProperty("Event", out var e)) { yield return e; }
            else if (n.TryGetProperty("response", out var r)) { foreach (var x in Events(r)) { yield return x; } }
            else { yield return n; }
        }

        static bool True(JsonElement a, string name) => a.TryGetProperty(name, out var v)
            && (v.ValueKind == JsonValueKind.True || (v.ValueKind == JsonValueKind.String && v.GetString() == "1") || (v.ValueKind == JsonValueKind.Number && v.GetInt32() == 1));

        var count = 0;
        foreach (var e in Events(root))
        {
            var attributes = e.TryGetProperty("Attribute", out var own) ? own.EnumerateArray().ToList() : [];
            if (e.TryGetProperty("Object", out var objects))
            {
                attributes.AddRange(objects.EnumerateArray().Where(o => o.TryGetProperty("Attribute", out _)).SelectMany(o => o.GetProperty("Attribute").EnumerateArray()));
            }

            count += attributes.Count(a => True(a, "to_ids") && !True(a, "deleted"));
        }

        return count;
    }

    [Fact]
    public void Every_corpus_event_converts_into_valid_stix_with_one_indicator_per_ids_attribute()
    {
        var root = Corpora.Require("misp");
        var checkedFiles = 0;
        var totalIndicators = 0;
        foreach (var file in CorpusFiles().Where(f => !NotEvents.Contains(f)))
        {
            var bytes = File.ReadAllBytes(Path.Combine(root, file));
            using var doc = JsonDocument.Parse(bytes);
            var expected = CountIdsAttributes(doc.RootElement);

            var result = MispToStix.Convert(bytes);
            var stix = StixReader.Read(result.Bundle());

            Assert.True(expected == result.Indicators, $"{file}: {expected} to_ids attributes, {result.Indicators} indicators");
            Assert.Equal(expected, stix.Objects.Count(o => o.Type == "indicator"));
            var errors = StixValidator.Validate(stix.Objects).Where(i => i.Severity == StixSeverity.Error).ToList();
            Assert.True(errors.Count == 0, $"{file}: {string.Join("\n", errors)}");
            Assert.True(stix.Objects.Any(o => o.Type == "report"), file);
            checkedFiles++;
            totalIndicators += expected;
        }

        Assert.Equal(22, checkedFiles);
        Assert.True(totalIndicators > 200, $"only {totalIndicators} indicators in the corpus");
    }

    [Fact]
    public void The_corpus_files_that_are_not_events_are_refused_naming_where()
    {
        var root = Corpora.Require("misp");
        foreach (var file in NotEvents)
        {
            var e = Assert.Throws<MispFormatException>(() => MispToStix.Convert(File.ReadAllBytes(Path.Combine(root, file))));
            Assert.StartsWith("$", e.Path, StringComparison.Ordinal);
            Assert.Contains("not a MISP event", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Misp_to_stix_to_misp_keeps_every_attributes_type_and_value_for_every_corpus_event()
    {
        var root = Corpora.Require("misp");
        foreach (var file in CorpusFiles().Where(f => !NotEvents.Contains(f)))
        {
            var bytes = File.ReadAllBytes(Path.Combine(root, file));
            var back = StixToMisp.Convert(StixReader.Read(MispToStix.Convert(bytes).Bundle()).Objects);

            Assert.Equal(Attributes(JsonDocument.Parse(bytes).RootElement), Attributes(JsonDocument.Parse(back).RootElement));
        }
    }

    /// <summary>(type, value, to_ids) of every attribute that is not deleted, sorted.</summary>
    private static List<string> Attributes(JsonElement root)
    {
        using var doc = JsonDocument.Parse(Encoding.UTF8.GetBytes(root.GetRawText()));
        var list = new List<string>();
        foreach (var e in MispReader.Events(doc.RootElement))
        {
            foreach (var (a, _) in MispReader.Attributes(e.Event))
            {
                if (!MispReader.Flag(a, "deleted"))
                {
                    list.Add($"{MispReader.Text(a, "type")}|{MispReader.Text(a, "value")}|{MispReader.IsIndicator(a)}");
                }
            }
        }

        list.Sort(StringComparer.Ordinal);
        return list;
    }

    [Fact]
    public void Japanese_values_come_back_unchanged()
    {
        var path = Corpora.Require("misp", "PyMISP", "tests", "reportlab_testfiles", "japanese_test_heavy.json");
        var bytes = File.ReadAllBytes(path);
        var bundle = MispToStix.Convert(bytes).Bundle();
        var report = StixReader.Read(bundle).Objects.Single(o => o.Type == "report");

        using var original = JsonDocument.Parse(bytes);
        Assert.Equal(original.RootElement.GetProperty("Event").GetProperty("info").GetString(), report.Name);
        Assert.Contains("条", bundle, StringComparison.Ordinal);
    }

    private const string Sample = """
        {"Event": {"uuid": "5b9f5c5e-7e0c-4e5a-9a53-0a1b2c3d4e5f", "info": "Phishing wave", "date": "2024-03-01", "timestamp": "1709300000",
          "Orgc": {"name": "JP-CERT test", "uuid": "1f0c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"},
          "Tag": [{"name": "tlp:amber"}, {"name": "phishing"}],
          "Attribute": [
            {"uuid": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", "type": "domain", "category": "Network activity", "value": "evil.example", "to_ids": true,
             "timestamp": "1709300100", "Tag": [{"name": "tlp:red"}],
             "Sighting": [{"uuid": "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e", "type": "0", "date_sighting": "1709400000", "Organisation": {"name": "ISP"}}]},
            {"uuid": "c3d4e5f6-a7b8-4c9d-8e0f-2a3b4c5d6e7f", "type": "ip-dst", "category": "Network activity", "value": "198.51.100.9", "to_ids": "0"},
            {"uuid": "d4e5f6a7-b8c9-4d0e-9f1a-3b4c5d6e7f80", "type": "text", "category": "Other", "value": "it's a 'quote' \\ test", "to_ids": false},
            {"uuid": "e5f6a7b8-c9d0-4e1f-8a2b-4c5d6e7f8091", "type": "yara", "category": "Payload installation", "value": "rule x { condition: true }", "to_ids": "1"},
            {"uuid": "f6a7b8c9-d0e1-4f2a-9b3c-5d6e7f809102", "type": "whois-registrant-name", "category": "Attribution", "value": "O'Brien", "to_ids": 1}
          ],
          "Galaxy": [{"type": "mitre-attack-pattern", "GalaxyCluster": [{"uuid": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "type": "mitre-attack-pattern", "value": "Phishing - T1566"}]},
                     {"type": "threat-actor", "GalaxyCluster": [{"uuid": "1a2b3c4d-5e6f-4a7b-9c8d-0e1f2a3b4c5e", "type": "threat-actor", "value": "APT Example"}]}]}}
        """;

    [Fact]
    public void Tlp_tags_galaxies_sightings_and_patterns_map_as_documented()
    {
        var result = MispToStix.Convert(Encoding.UTF8.GetBytes(Sample));
        var objects = StixReader.Read(result.Bundle()).Objects;
        var byId = objects.ToDictionary(o => o.Id!);

        Assert.Equal(3, result.Indicators);
        var domain = byId["indicator--a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"];
        Assert.Equal("[domain-name:value = 'evil.example']", domain.Pattern);
        Assert.Equal(Tlp.Red, domain.Tlp);
        Assert.Contains("phishing", domain.Labels);
        Assert.Equal("identity--1f0c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f", domain.CreatedByRef);
        Assert.Equal(Tlp.Amber, byId["report--5b9f5c5e-7e0c-4e5a-9a53-0a1b2c3d4e5f"].Tlp);
        Assert.Equal("yara", byId["indicator--e5f6a7b8-c9d0-4e1f-8a2b-4c5d6e7f8091"].PatternType);
        Assert.Equal("[x-misp-attribute:type = 'whois-registrant-name' AND x-misp-attribute:value = 'O\\'Brien']",
            byId["indicator--f6a7b8c9-d0e1-4f2a-9b3c-5d6e7f809102"].Pattern);
        Assert.Equal("observed-data", byId["observed-data--c3d4e5f6-a7b8-4c9d-8e0f-2a3b4c5d6e7f"].Type);
        Assert.Contains(objects, o => o.Type == "ipv4-addr" && o.Json.GetProperty("value").GetString() == "198.51.100.9");
        Assert.Equal("x-misp-attribute", byId["x-misp-attribute--d4e5f6a7-b8c9-4d0e-9f1a-3b4c5d6e7f80"].Type);
        Assert.Equal("attack-pattern", byId["attack-pattern--0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"].Type);
        Assert.Equal("APT Example", byId["threat-actor--1a2b3c4d-5e6f-4a7b-9c8d-0e1f2a3b4c5e"].Name);
        var sighting = byId["sighting--b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e"];
        Assert.Equal(domain.Id, sighting.Json.GetProperty("sighting_of_ref").GetString());
        Assert.Equal("2024-03-02T17:20:00.000Z", sighting.Json.GetProperty("first_seen").GetString());
        Assert.DoesNotContain(StixValidator.Validate(objects), i => i.Severity == StixSeverity.Error);

        var back = JsonDocument.Parse(StixToMisp.Convert(objects)).RootElement.GetProperty("Event");
        Assert.Equal("Phishing wave", back.GetProperty("info").GetString());
        Assert.Equal(["tlp:amber", "phishing"], back.GetProperty("Tag").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        var attribute = back.GetProperty("Attribute").EnumerateArray().Single(a => a.GetProperty("value").GetString() == "evil.example");
        Assert.Equal("a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", attribute.GetProperty("uuid").GetString());
        Assert.Single(attribute.GetProperty("Sighting").EnumerateArray());
        Assert.Equal(2, back.GetProperty("Galaxy").GetArrayLength());
    }

    [Fact]
    public void The_same_event_always_gives_the_same_bundle()
    {
        var a = MispToStix.Convert(Encoding.UTF8.GetBytes(Sample)).Bundle();
        var b = MispToStix.Convert(Encoding.UTF8.GetBytes(Sample)).Bundle();
        Assert.Equal(a, b);
    }

    [Theory]
    [InlineData("{\"Event\": []}", "$.Event")]
    [InlineData("{\"Event\": {\"info\": \"x\", \"Attribute\": {}}}", "$.Event.Attribute")]
    [InlineData("{\"Event\": {\"info\": \"x\", \"Attribute\": [{\"value\": \"1.2.3.4\"}]}}", "$.Event.Attribute[0].type")]
    [InlineData("{\"Event\": {\"info\": \"x\", \"Object\": [{\"Attribute\": [{\"type\": \"ip-dst\"}]}]}}", "$.Event.Object[0].Attribute[0].value")]
    [InlineData("{\"response\": [{\"Event\": {\"info\": \"ok\"}}, 42]}", "$.response[1]")]
    [InlineData("[]", "$")]
    [InlineData("{\"Event\": {\"info\": ", "$")]
    public void Malformed_input_is_refused_naming_where(string json, string path)
    {
        var e = Assert.Throws<MispFormatException>(() => MispToStix.Convert(Encoding.UTF8.GetBytes(json)));
        Assert.Equal(path, e.Path);
    }

    [Fact]
    public void Limits_on_size_depth_and_attribute_count_are_enforced()
    {
        var many = "{\"Event\": {\"info\": \"x\", \"Attribute\": [" + string.Join(",", Enumerable.Repeat("{\"type\":\"text\",\"value\":\"v\"}", 11)) + "]}}";
        Assert.Contains("attributes", Assert.Throws<MispFormatException>(() => MispToStix.Convert(Encoding.UTF8.GetBytes(many), new MispLimits(MaxAttributes: 10))).Message, StringComparison.Ordinal);
        Assert.Contains("limit", Assert.Throws<MispFormatException>(() => MispToStix.Convert(Encoding.UTF8.GetBytes(many), new MispLimits(MaxBytes: 100))).Message, StringComparison.Ordinal);
        var deep = "{\"Event\": {\"info\": \"x\", \"x\": " + new string('[', 80) + new string(']', 80) + "}}";
        Assert.Throws<MispFormatException>(() => MispToStix.Convert(Encoding.UTF8.GetBytes(deep)));
    }
}
