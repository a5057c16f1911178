using System.CommandLine;
using Musubi.Feeds.Cli;

namespace Musubi.Cli.Commands;

/// <summary>
/// `musubi feed parse` and `musubi feed types`: feed files to normalised events as JSON lines, no database. The work
/// is in <see cref="FeedCommandLine"/>; exit codes 0 (all rows parsed), 1 (some rejected), 2 (could not run).
/// </summary>
internal static class FeedCommands
{
    public static Command Build(CliEnvironment env, GlobalOptions global)
    {
        var type = new Option<string>("--type") { Description = "Feed type (see 'musubi feed types'); without it the format is recognised from the file", HelpName = "TYPE" };
        var mapping = new Option<string>("--mapping") { Description = "Column mapping (JSON) for --type csv", HelpName = "FILE" };
        var schema = new Option<string>("--schema") { Description = "Shadowserver field-mapping schema (IntelMQ format) instead of the built-in one", HelpName = "FILE" };
        var file = new Argument<string>("FILE") { Description = "Feed file" };
        var parse = new Command("parse", "Print the file's events as JSON lines (IntelMQ field names); rejected rows go to stderr with their line numbers")
        {
            type, mapping, schema, file,
        };
        parse.SetAction((result, ct) => CliRun.RunAsync(env, "feed parse", () => Task.FromResult(
            FeedCommandLine.Parse(result.GetValue(type), result.GetValue(file)!, result.GetValue(mapping), result.GetValue(schema), env.Output, env.Error))));
        var types = new Command("types", "List the feed types 'musubi feed parse --type' accepts");
        types.SetAction((result, ct) => CliRun.RunAsync(env, "feed types", () => Task.FromResult(FeedCommandLine.Types(env.Output))));
        var command = new Command("feed", "Infected-host notification feeds");
        command.Subcommands.Add(parse);
        command.Subcommands.Add(types);
        command.Subcommands.Add(FeedSubmitCommand.Submit(env, global));
        command.Subcommands.Add(FeedSubmitCommand.PrefixTable(env, global));
        command.Subcommands.Add(FeedSubmitCommand.Run(env, global));
        return command;
    }
}
