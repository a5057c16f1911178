using System.Text.Json;
using Musubi.Cli.Tests.Fixtures;
using Musubi.Testing;
using Xunit;

namespace Musubi.Cli.Tests;

/// <summary>`musubi misp to-stix FILE`: prints the bundle and exits 0; 1 with a message naming what and where otherwise.</summary>
public sealed class MispCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("musubi-misp-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_corpus_event_prints_a_stix_bundle_and_exits_0()
    {
        var file = Corpora.Require("misp", "misp-stix", "tests", "test_events_collection_2.json");

        var run = await CliRunner.RunAsync(["misp", "to-stix", file]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var bundle = JsonDocument.Parse(run.Output).RootElement;
        Assert.Equal("bundle", bundle.GetProperty("type").GetString());
        Assert.Equal(2, bundle.GetProperty("objects").EnumerateArray().Count(o => o.GetProperty("type").GetString() == "report"));
    }

    [Fact]
    public async Task Not_a_misp_event_exits_1_naming_the_file_and_the_path()
    {
        var path = Path.Combine(_dir, "bad.json");
        await File.WriteAllTextAsync(path, """{"Event": {"info": "x", "Attribute": [{"type": "domain"}]}}""");

        var run = await CliRunner.RunAsync(["misp", "to-stix", path]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(path, run.Error, StringComparison.Ordinal);
        Assert.Contains("$.Event.Attribute[0].value", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Output);
    }

    [Fact]
    public async Task A_missing_file_exits_1()
    {
        var run = await CliRunner.RunAsync(["misp", "to-stix", Path.Combine(_dir, "absent.json")]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("cannot read", run.Error, StringComparison.Ordinal);
    }
}
