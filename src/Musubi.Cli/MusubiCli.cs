using System.CommandLine;
using System.CommandLine.Invocation;
using Musubi.Cli.Commands;

namespace Musubi.Cli;

/// <summary>
/// The `musubi` command: a root command with the global options, assembled from one builder per feature
/// (<c>Commands/*Commands.cs</c>). Exit codes: <see cref="ExitCodes"/>.
/// </summary>
public static class MusubiCli
{
    public static RootCommand BuildRoot(CliEnvironment env)
    {
        var global = new GlobalOptions();
        var root = new RootCommand("Musubi (結び): bulk work on a Musubi database from the command line.");
        global.AddTo(root);
        root.Subcommands.Add(ConstituencyCommands.Build(env, global));
        root.Subcommands.Add(DemoDataCommands.Build(env, global));
        root.Subcommands.Add(LedgerCommands.Build(env, global));
        DetectionCommands.Build(env).ToList().ForEach(root.Subcommands.Add);
        root.Subcommands.Add(IngestCommand.Build(env, global));
        root.Subcommands.Add(FeedCommands.Build(env, global));
        root.Subcommands.Add(StixCommands.Build(env, global));
        root.Subcommands.Add(MispCommands.Build(env));
        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliEnvironment env, CancellationToken ct = default)
    {
        var parse = BuildRoot(env).Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            foreach (var error in parse.Errors)
            {
                await env.Error.WriteLineAsync($"musubi: {error.Message}");
            }

            await env.Error.WriteLineAsync($"Run '{CommandPath(parse)} --help' for usage.");
            return ExitCodes.Usage;
        }

        var invocation = new InvocationConfiguration { Output = env.Output, Error = env.Error, EnableDefaultExceptionHandler = false };
        return await parse.InvokeAsync(invocation, ct);
    }

    private static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Insert(0, result.Command is RootCommand ? "musubi" : result.Command.Name);
        }

        return string.Join(' ', names);
    }
}

public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>Invalid input, or the operation failed (nothing was written).</summary>
    public const int Failed = 1;
    /// <summary>The command line itself is wrong: unknown command or option, missing argument, bad value.</summary>
    public const int Usage = 2;
}
