using Musubi.Detection.Cli;

namespace Musubi.Detection.Tests;

public sealed class DetectionCommandLineTests : IDisposable
{
    private const string RuleYaml = """
        title: Whoami Execution
        id: 22222222-2222-2222-2222-222222222222
        level: high
        logsource: {category: process_creation, product: windows}
        detection:
            selection:
                Image|endswith: '\whoami.exe'
            condition: selection
        """;

    private readonly string folder = Directory.CreateTempSubdirectory("musubi-detect-").FullName;

    public DetectionCommandLineTests()
    {
        Directory.CreateDirectory(Path.Combine(folder, "rules"));
        File.WriteAllText(Path.Combine(folder, "rules", "whoami.yml"), RuleYaml);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static string Event(string image) =>
        "{\"Event\": {\"System\": {\"EventID\": 1, \"Channel\": \"Microsoft-Windows-Sysmon/Operational\"}, \"EventData\": {\"Image\": \"" + image + "\"}}}";

    private (int Exit, string[] Lines, string Error) Detect(string content, string? format = null)
    {
        var events = Path.Combine(folder, "events.json");
        File.WriteAllText(events, content);
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = DetectionCommandLine.Detect(Path.Combine(folder, "rules"), events, format, output, error);
        return (exit, output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), error.ToString());
    }

    [Fact]
    public void Json_lines_print_one_line_per_match_with_the_line_index()
    {
        var content = string.Join('\n', Event("C:\\\\x\\\\cmd.exe"), Event("C:\\\\x\\\\whoami.exe"), "", Event("C:\\\\y\\\\whoami.exe"));
        var (exit, lines, _) = Detect(content, "jsonl");
        Assert.Equal(0, exit);
        Assert.Equal(
            [
                """{"rule_id":"22222222-2222-2222-2222-222222222222","rule_title":"Whoami Execution","level":"high","event_index":1}""",
                """{"rule_id":"22222222-2222-2222-2222-222222222222","rule_title":"Whoami Execution","level":"high","event_index":3}""",
            ],
            lines);
    }

    [Fact]
    public void A_json_array_counts_elements_and_a_pretty_stream_counts_objects()
    {
        var array = Detect("[" + Event("a\\\\cmd.exe") + ",\n" + Event("a\\\\whoami.exe") + "]");
        Assert.Equal(0, array.Exit);
        Assert.EndsWith("\"event_index\":1}", Assert.Single(array.Lines), StringComparison.Ordinal);

        var pretty = Event("a\\\\whoami.exe").Replace("{", "{\n  ", StringComparison.Ordinal).Replace(",", ",\n  ", StringComparison.Ordinal);
        var stream = Detect(pretty + "\n" + pretty + "\n", "evtx-json");
        Assert.Equal(0, stream.Exit);
        Assert.Equal(2, stream.Lines.Length);
        Assert.EndsWith("\"event_index\":1}", stream.Lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_lines_are_reported_and_the_rest_still_matched()
    {
        var (exit, lines, error) = Detect(Event("a\\\\cmd.exe") + "\n{not json\n" + Event("a\\\\whoami.exe"), "jsonl");
        Assert.Equal(1, exit);
        Assert.Single(lines);
        Assert.Contains("event 1: malformed JSON", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("syslog", "format 'syslog' is not supported yet")]
    [InlineData("cef", "format 'cef' is not supported yet")]
    [InlineData("xml", "unknown format 'xml'")]
    public void Unsupported_formats_exit_2_with_a_message(string format, string message)
    {
        var (exit, lines, error) = Detect(Event("a\\\\whoami.exe"), format);
        Assert.Equal(2, exit);
        Assert.Empty(lines);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_inputs_exit_2()
    {
        var error = new StringWriter();
        Assert.Equal(2, DetectionCommandLine.Detect(Path.Combine(folder, "none"), Path.Combine(folder, "none.json"), null, new StringWriter(), error));
        Assert.Contains("rules folder not found", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, DetectionCommandLine.SigmaCheck(Path.Combine(folder, "none"), new StringWriter(), new StringWriter()));
    }

    [Fact]
    public void Sigma_check_lists_each_failing_rule_with_its_reason_and_the_counts()
    {
        File.WriteAllText(Path.Combine(folder, "rules", "broken.yml"), RuleYaml.Replace("condition: selection", "condition: selection and", StringComparison.Ordinal).Replace("2222-222222222222", "2222-333333333333", StringComparison.Ordinal));
        var output = new StringWriter();
        var exit = DetectionCommandLine.SigmaCheck(Path.Combine(folder, "rules"), output, new StringWriter());
        Assert.Equal(1, exit);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("FAIL broken.yml 22222222-2222-2222-2222-333333333333: condition 'selection and': expected a search identifier", lines[0], StringComparison.Ordinal);
        Assert.Equal("loaded 1/2", lines[1]);

        File.Delete(Path.Combine(folder, "rules", "broken.yml"));
        var clean = new StringWriter();
        Assert.Equal(0, DetectionCommandLine.SigmaCheck(Path.Combine(folder, "rules"), clean, new StringWriter()));
        Assert.Equal("loaded 1/1\n", clean.ToString().Replace("\r\n", "\n", StringComparison.Ordinal));
    }
}
