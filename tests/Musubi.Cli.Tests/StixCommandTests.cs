using Musubi.Cli.Tests.Fixtures;
using Musubi.Testing;
using Xunit;

namespace Musubi.Cli.Tests;

/// <summary>`musubi stix validate FILE...`: 0 all valid, 1 an object invalid, 2 unreadable or malformed input.</summary>
public sealed class StixCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("musubi-stix-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    private const string BadIndicator = """
        {"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[
          {"type":"identity","spec_version":"2.1","id":"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff","created":"2016-04-06T20:03:00.000Z","modified":"2016-04-06T20:03:00.000Z","name":"ok"},
          {"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48Z",
           "modified":"2016-04-06T20:03:48.000Z","pattern":"[ipv4-addr:value = 1","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z"}]}
        """;

    [Fact]
    public async Task Every_corpus_file_validates_and_exits_0()
    {
        var files = Directory.EnumerateFiles(Corpora.Require("stix", "examples"), "*.json", SearchOption.AllDirectories)
            .Append(Corpora.Require("stix", "attack", "ics-attack-18.0.json"))
            .ToArray();

        var run = await CliRunner.RunAsync(["stix", "validate", .. files]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("ics-attack-18.0.json: 1826 objects, 0 invalid (0 errors, ", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(": error: ", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_object_prints_each_error_with_file_and_path_and_exits_1()
    {
        var file = Write("bad.json", BadIndicator);

        var run = await CliRunner.RunAsync(["stix", "validate", file]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"{file}: error: $.objects[1].created: created must be precise to at least the millisecond", run.Output, StringComparison.Ordinal);
        Assert.Contains($"{file}: error: $.objects[1].pattern: pattern error at character 21: found the end of the pattern", run.Output, StringComparison.Ordinal);
        Assert.Contains($"{file}: 2 objects, 1 invalid (2 errors, 0 warnings)", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_json_names_the_file_and_place_and_exits_2_even_when_other_files_are_invalid()
    {
        var broken = Write("broken.json", "{\"type\":\"bundle\",\"objects\":[{\"type\":}]}");
        var bad = Write("bad.json", BadIndicator);

        var run = await CliRunner.RunAsync(["stix", "validate", broken, bad]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"musubi stix validate: {broken}: malformed JSON:", run.Error, StringComparison.Ordinal);
        Assert.Contains("at $.objects[0].type (line 1, byte", run.Error, StringComparison.Ordinal);
        Assert.Contains($"{bad}: error:", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_file_is_unreadable_and_exits_2()
    {
        var missing = Path.Combine(_dir, "nope.json");

        var run = await CliRunner.RunAsync(["stix", "validate", missing]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{missing}: cannot read:", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_json_list_is_not_a_stix_document_and_exits_2()
    {
        var run = await CliRunner.RunAsync(["stix", "validate", Write("list.json", "[1,2]")]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("expected a STIX bundle or object (a JSON object), found a list at $", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_file_is_a_usage_error()
    {
        var run = await CliRunner.RunAsync(["stix", "validate"]);

        Assert.Equal(2, run.ExitCode);
    }
}
