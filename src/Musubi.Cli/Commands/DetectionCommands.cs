using System.CommandLine;
using Musubi.Detection.Cli;

namespace Musubi.Cli.Commands;

/// <summary>
/// `musubi detect` and `musubi sigma check`: Sigma rules over event files, no database. The work is in
/// <see cref="DetectionCommandLine"/>; exit codes 0 (done), 1 (done, some input rejected), 2 (could not run).
/// </summary>
internal static class DetectionCommands
{
    public static IEnumerable<Command> Build(CliEnvironment env) => [Detect(env), Sigma(env)];

    private static Command Detect(CliEnvironment env)
    {
        var rules = new Option<string>("--rules") { Description = "Folder of Sigma rules (.yml, searched recursively)", HelpName = "DIR", Required = true };
        var events = new Option<string>("--events") { Description = "Event file", HelpName = "FILE", Required = true };
        var format = new Option<string>("--format")
        {
            Description = "evtx-json (default: a JSON array, JSON lines or concatenated objects, detected), jsonl, syslog (RFC 5424/3164) or cef",
            DefaultValueFactory = _ => "evtx-json",
        }.AcceptOnlyFromAmong([.. DetectionCommandLine.Formats]);
        var command = new Command("detect", "Match events against Sigma rules: one JSON line per match {rule_id, rule_title, level, event_index}")
        {
            rules, events, format,
        };
        command.SetAction((parse, ct) => CliRun.RunAsync(env, "detect", () => Task.FromResult(
            DetectionCommandLine.Detect(parse.GetValue(rules)!, parse.GetValue(events)!, parse.GetValue(format), env.Output, env.Error))));
        return command;
    }

    private static Command Sigma(CliEnvironment env)
    {
        var directory = new Argument<string>("DIR") { Description = "Folder of Sigma rules (.yml, searched recursively)" };
        var check = new Command("check", "List each rule that fails to load, with the reason, then the loaded/total counts") { directory };
        check.SetAction((parse, ct) => CliRun.RunAsync(env, "sigma check", () => Task.FromResult(
            DetectionCommandLine.SigmaCheck(parse.GetValue(directory)!, env.Output, env.Error))));
        var command = new Command("sigma", "Sigma rules");
        command.Subcommands.Add(check);
        return command;
    }
}
