using Musubi.Cli;
using Spectre.Console;

namespace Musubi.Detection.Tests;

/// <summary>`musubi detect` and `musubi sigma check` through the real command line, in-process.</summary>
public sealed class MusubiCliTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("musubi-cli-").FullName;

    public MusubiCliTests()
    {
        Directory.CreateDirectory(Path.Combine(folder, "rules"));
        File.WriteAllText(Path.Combine(folder, "rules", "whoami.yml"), """
            title: Whoami Execution
            id: 22222222-2222-2222-2222-222222222222
            level: high
            logsource: {category: process_creation, product: windows}
            detection:
                selection:
                    Image|endswith: '\whoami.exe'
                condition: selection
            """);
        File.WriteAllText(Path.Combine(folder, "events.jsonl"), string.Join('\n',
            """{"Event": {"System": {"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational"}, "EventData": {"Image": "C:\\x\\cmd.exe"}}}""",
            """{"Event": {"System": {"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational"}, "EventData": {"Image": "C:\\x\\whoami.exe"}}}"""));
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static async Task<(int Exit, string Output, string Error)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No, Out = new AnsiConsoleOutput(output) });
        var exit = await MusubiCli.RunAsync(args, new CliEnvironment(console, output, error, new Dictionary<string, string?>()), CancellationToken.None);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Detect_prints_one_json_line_per_match_and_exits_0()
    {
        var (exit, output, error) = await Run("detect", "--rules", Path.Combine(folder, "rules"), "--events", Path.Combine(folder, "events.jsonl"), "--format", "jsonl");
        Assert.True(exit == 0, error);
        Assert.Equal("""{"rule_id":"22222222-2222-2222-2222-222222222222","rule_title":"Whoami Execution","level":"high","event_index":1}""" + "\n", output);
        Assert.Equal("", error);
    }

    [Fact]
    public async Task Detect_detects_the_json_layout_when_no_format_is_given()
    {
        var (exit, output, _) = await Run("detect", "--rules", Path.Combine(folder, "rules"), "--events", Path.Combine(folder, "events.jsonl"));
        Assert.Equal(0, exit);
        Assert.Contains("\"event_index\":1}", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Detect_with_a_bad_format_or_no_rules_is_a_usage_error()
    {
        var (exit, _, error) = await Run("detect", "--rules", Path.Combine(folder, "rules"), "--events", Path.Combine(folder, "events.jsonl"), "--format", "xml");
        Assert.Equal(2, exit);
        Assert.Contains("xml", error, StringComparison.Ordinal);
        (exit, _, error) = await Run("detect", "--events", Path.Combine(folder, "events.jsonl"));
        Assert.Equal(2, exit);
        Assert.Contains("--rules", error, StringComparison.Ordinal);
        (exit, _, error) = await Run("detect", "--rules", Path.Combine(folder, "nothing"), "--events", Path.Combine(folder, "events.jsonl"));
        Assert.Equal(2, exit);
        Assert.Contains("rules folder not found", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigma_check_lists_failures_and_counts()
    {
        File.WriteAllText(Path.Combine(folder, "rules", "bad.yml"), "title: Bad\nlogsource: {product: windows}\ndetection:\n    selection:\n        Image|sortof: x\n    condition: selection\n");
        var (exit, output, _) = await Run("sigma", "check", Path.Combine(folder, "rules"));
        Assert.Equal(1, exit);
        Assert.Contains("FAIL bad.yml Bad: unknown modifier 'sortof' in 'Image|sortof'", output, StringComparison.Ordinal);
        Assert.EndsWith("loaded 1/2\n", output, StringComparison.Ordinal);
    }
}
