using Spectre.Console;

namespace Musubi.Cli.Tests.Fixtures;

public sealed record CliRun(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

/// <summary>Runs the `musubi` root command in-process with captured output, as a CI log would see it (not a terminal).</summary>
public static class CliRunner
{
    public static readonly IReadOnlyDictionary<string, string?> Environment = new Dictionary<string, string?>
    {
        ["MUSUBI_ADMIN_PASSWORD"] = TestDatabase.AdminPassword,
        ["Musubi__Identity__Argon2MemoryKiB"] = "1024",
        ["Musubi__Identity__Argon2Iterations"] = "1",
    };

    public static async Task<CliRun> RunAsync(string[] args, IReadOnlyDictionary<string, string?>? extraEnvironment = null, bool terminal = false)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = terminal ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Standard : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Yes : InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        var variables = new Dictionary<string, string?>(Environment);
        foreach (var (key, value) in extraEnvironment ?? new Dictionary<string, string?>())
        {
            variables[key] = value;
        }

        var code = await MusubiCli.RunAsync(args, new CliEnvironment(console, output, error, variables), CancellationToken.None);
        var run = new CliRun(code, output.ToString(), error.ToString());
        Xunit.TestContext.Current.TestOutputHelper?.WriteLine(Printable($"musubi {string.Join(' ', args)}\n{run}"));
        return run;
    }

    /// <summary>
    /// Control characters (the ANSI escapes of the progress bars) made invalid XML in the TRX report, which then
    /// stopped half-written; they are logged as \u escapes instead.
    /// </summary>
    private static string Printable(string text) =>
        string.Concat(text.Select(c => char.IsControl(c) && c is not '\n' and not '\r' and not '\t' ? $"\\u{(int)c:x4}" : c.ToString()));
}
