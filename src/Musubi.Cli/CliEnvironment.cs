using System.Collections;
using Microsoft.Extensions.Configuration;
using Spectre.Console;

namespace Musubi.Cli;

/// <summary>
/// What a command talks to: the console (for progress bars), the output (results, as plain lines that logs keep
/// whole), the error stream (what went wrong, and where), and the environment variables it reads its defaults from.
/// Tests pass their own to run commands in-process.
/// </summary>
public sealed class CliEnvironment(IAnsiConsole console, TextWriter output, TextWriter error, IReadOnlyDictionary<string, string?> variables)
{
    public IAnsiConsole Console { get; } = console;

    /// <summary>Results and help (the stream <see cref="Console"/> draws on).</summary>
    public TextWriter Output { get; } = output;

    public TextWriter Error { get; } = error;

    public IReadOnlyDictionary<string, string?> Variables { get; } = variables;

    public static CliEnvironment FromProcess()
    {
        var variables = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            variables[(string)entry.Key] = entry.Value as string;
        }

        return new CliEnvironment(AnsiConsole.Console, System.Console.Out, System.Console.Error, variables);
    }

    /// <summary>The environment as configuration, the way the server reads it ("Musubi__Database__Provider" is "Musubi:Database:Provider").</summary>
    public IConfiguration Configuration() =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(Variables.Select(v => new KeyValuePair<string, string?>(v.Key.Replace("__", ":", StringComparison.Ordinal), v.Value)))
            .Build();
}
