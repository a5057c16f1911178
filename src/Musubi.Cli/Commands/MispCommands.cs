using System.CommandLine;
using Musubi.Stix.Misp;

namespace Musubi.Cli.Commands;

/// <summary>
/// `musubi misp to-stix FILE`: prints the STIX 2.1 bundle of a MISP event file (docs/MISP.md). Exit 0; 1 when the file
/// is not a valid MISP event (the message names what and where), is over the limits, or cannot be read.
/// </summary>
internal static class MispCommands
{
    public static Command Build(CliEnvironment env)
    {
        var file = new Argument<string>("FILE") { Description = "A MISP event (JSON, format 2.4): {\"Event\": ...}, an event body, or {\"response\": [...]}" };
        var toStix = new Command("to-stix", "Convert a MISP event file to a STIX 2.1 bundle and print it") { file };
        toStix.SetAction((parse, ct) => CliRun.RunAsync(env, "misp to-stix", () => ToStixAsync(env, parse.GetValue(file)!, ct)));
        var command = new Command("misp", "MISP exchange");
        command.Subcommands.Add(toStix);
        return command;
    }

    private static async Task<int> ToStixAsync(CliEnvironment env, string file, CancellationToken ct)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(file);
            if (info.Exists && info.Length > MispLimits.Default.MaxBytes)
            {
                await env.Error.WriteLineAsync($"musubi misp to-stix: {file}: the file is {info.Length} bytes; the limit is {MispLimits.Default.MaxBytes} bytes");
                return ExitCodes.Failed;
            }

            bytes = await File.ReadAllBytesAsync(file, ct);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await env.Error.WriteLineAsync($"musubi misp to-stix: {file}: cannot read: {e.Message}");
            return ExitCodes.Failed;
        }

        try
        {
            var result = MispToStix.Convert(bytes);
            await env.Output.WriteLineAsync(result.Bundle(indented: true));
            return ExitCodes.Ok;
        }
        catch (MispFormatException e)
        {
            await env.Error.WriteLineAsync($"musubi misp to-stix: {file}: {e.Message}");
            return ExitCodes.Failed;
        }
    }
}
