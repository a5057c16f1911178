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

    [Fact]
    public void An_unknown_format_exits_2_with_a_message()
    {
        var (exit, lines, error) = Detect(Event("a\\\\whoami.exe"), "xml");
        Assert.Equal(2, exit);
        Assert.Empty(lines);
        Assert.Contains("unknown format 'xml'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Syslog_and_cef_lines_are_parsed_into_fields_and_indexed_by_line()
    {
        File.WriteAllText(Path.Combine(folder, "rules", "su.yml"), """
            title: Failed su
            id: 44444444-4444-4444-4444-444444444444
            level: medium
            logsource: {product: linux, service: auth}
            detection:
                selection:
                    app_name: su
                    message|contains: 'failed for'
                condition: selection
            """);
        File.WriteAllText(Path.Combine(folder, "rules", "cef.yml"), """
            title: Blocked internal source
            id: 55555555-5555-5555-5555-555555555555
            logsource: {category: firewall}
            detection:
                selection:
                    src|cidr: 10.0.0.0/8
                    act: 'blocked=yes'
                condition: selection
            """);
        var syslog = Detect("<34>Oct 11 22:14:15 host su[12]: 'su root' failed for bob on /dev/pts/8\n\n<13>1 2003-10-11T22:14:15Z host su - - - 'su root' failed for eve\n<999>bad\n", "syslog");
        Assert.Equal(1, syslog.Exit);
        Assert.Equal(2, syslog.Lines.Length);
        Assert.Contains("\"event_index\":0}", syslog.Lines[0], StringComparison.Ordinal);
        Assert.Contains("\"event_index\":2}", syslog.Lines[1], StringComparison.Ordinal);
        Assert.Contains("event 3: invalid syslog priority", syslog.Error, StringComparison.Ordinal);

        var cef = Detect("CEF:0|Vendor|FW|1.0|100|Blocked|5|src=10.1.2.3 dst=8.8.8.8 act=blocked\\=yes\nCEF:0|Vendor|FW|1.0|100|Blocked|5|src=192.0.2.1 act=blocked\\=yes\n", "cef");
        Assert.Equal(0, cef.Exit);
        var line = Assert.Single(cef.Lines);
        Assert.Equal("""{"rule_id":"55555555-5555-5555-5555-555555555555","rule_title":"Blocked internal source","level":null,"event_index":0}""", line);
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
