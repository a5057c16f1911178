using System.Text.Json;
using Musubi.Core.Sharing;
using Musubi.Stix.Patterning;
using Musubi.Stix.Reading;
using Musubi.Stix.Validation;
using Musubi.Testing;

namespace Musubi.Stix.Tests;

public sealed class CorpusTests
{
    [Fact]
    public void Every_file_in_the_stix_corpus_is_valid()
    {
        var files = StixCorpus.Files();
        Assert.True(files.Count >= 40, $"only {files.Count} STIX files found");
        var problems = new List<string>();
        var objects = 0;
        foreach (var file in files)
        {
            var document = StixReader.Read(File.ReadAllBytes(file));
            objects += document.Objects.Count;
            problems.AddRange(document.BundleProblems.Select(p => $"{file}: {p}"));
            problems.AddRange(StixValidator.Validate(document.Objects)
                .Where(i => i.Severity == StixSeverity.Error)
                .Select(i => $"{file}: {i}"));
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems.Take(30)));
        Assert.True(objects > 2000, $"{objects} objects");
    }

    [Fact]
    public void Every_pattern_in_the_corpus_parses_and_prints_back_to_an_equal_tree()
    {
        var patterns = 0;
        foreach (var file in StixCorpus.Files())
        {
            foreach (var o in StixReader.Read(File.ReadAllBytes(file)).Objects.Where(o => o.Pattern is not null))
            {
                var parsed = StixPattern.Parse(o.Pattern!);
                Assert.Equal(parsed.Root, StixPattern.Parse(parsed.ToString()).Root);
                patterns++;
            }
        }

        Assert.Equal(43, patterns);
    }

    [Fact]
    public void The_ics_attack_bundle_reads_with_its_counts_and_the_empty_data_source_refs_are_only_warnings()
    {
        var document = StixReader.Read(File.ReadAllBytes(Corpora.Require("stix", "attack", "ics-attack-18.0.json")));

        Assert.True(document.IsBundle);
        Assert.Equal(1826, document.Objects.Count);
        Assert.Equal(1373, document.Objects.Count(o => o.Type == "relationship"));
        Assert.Equal(95, document.Objects.Count(o => o.Type == "attack-pattern"));
        Assert.Equal(83, document.Objects.Count(o => o.Type == "x-mitre-detection-strategy"));
        var issues = StixValidator.Validate(document.Objects);
        var emptyRefs = issues.Where(i => i.Code == "reference-format" && i.Path.EndsWith(".x_mitre_data_source_ref", StringComparison.Ordinal)).ToList();
        Assert.Equal(5, emptyRefs.Count);
        Assert.All(emptyRefs, i => Assert.Equal(StixSeverity.Warning, i.Severity));
    }

    [Fact]
    public void Every_object_keeps_its_original_text_and_reparses_to_the_same_properties()
    {
        foreach (var file in StixCorpus.Files())
        {
            var bytes = File.ReadAllText(file);
            foreach (var o in StixReader.Read(bytes).Objects)
            {
                Assert.Contains(o.Raw, bytes, StringComparison.Ordinal);
                using var again = JsonDocument.Parse(o.Raw);
                Assert.True(JsonElement.DeepEquals(o.Json, again.RootElement), $"{file} {o.Id}");
            }
        }
    }

    [Fact]
    public void The_lone_campaign_file_is_one_object_not_a_bundle_and_its_unknown_markings_are_warnings()
    {
        var path = Corpora.Require("stix", "examples", "interop-objectmarking-test.json");
        var document = StixReader.Read(File.ReadAllBytes(path));

        Assert.False(document.IsBundle);
        var campaign = Assert.Single(document.Objects);
        Assert.Equal("campaign", campaign.Type);
        Assert.Equal("$", campaign.Path);
        var issues = StixValidator.Validate(document.Objects);
        // …d5ed is TLP 1.0 RED, known to every consumer; …d5ec is nowhere.
        var unresolved = issues.Where(i => i.Code == "reference-unresolved").Select(i => i.Path).Order(StringComparer.Ordinal);
        Assert.Equal(["$.created_by_ref", "$.object_marking_refs[1]"], unresolved);
        Assert.DoesNotContain(issues, i => i.Severity == StixSeverity.Error);
    }

    [Fact]
    public void The_threat_reports_resolve_every_reference_inside_the_bundle()
    {
        foreach (var name in (string[])["apt1.json", "poisonivy.json"])
        {
            var document = StixReader.Read(File.ReadAllBytes(Corpora.Require("stix", "examples", "threat-reports", name)));
            var issues = StixValidator.Validate(document.Objects);
            Assert.DoesNotContain(issues, i => i.Code == "reference-unresolved");
        }
    }

    [Theory]
    [InlineData("tlp-clear.json", Tlp.Clear)]
    [InlineData("tlp-amber.json", Tlp.Amber)]
    [InlineData("tlp-amber+strict.json", Tlp.AmberStrict)]
    public void The_tlp_2_0_marking_objects_map_to_their_level(string file, Tlp expected)
    {
        var marking = Assert.Single(StixReader.Read(File.ReadAllBytes(Corpora.Require("stix", "tlp-2.0", "examples", file))).Objects);

        Assert.Equal(expected, TlpMarkings.FromId(marking.Id!));
    }

    [Fact]
    public void The_green_relationship_carries_tlp_green()
    {
        var objects = StixReader.Read(File.ReadAllBytes(Corpora.Require("stix", "tlp-2.0", "examples", "using-tlp2.0-green.json"))).Objects;

        Assert.Equal(Tlp.Green, objects.Single(o => o.Type == "relationship").Tlp);
        Assert.Null(objects.Single(o => o.Type == "identity").Tlp);
    }
}
