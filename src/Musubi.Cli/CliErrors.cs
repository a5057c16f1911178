using Musubi.Core;

namespace Musubi.Cli;

/// <summary>The command line asks for something that cannot work (exit code 2).</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>The operation failed for a reason the message explains (exit code 1).</summary>
public sealed class CliFailureException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Runs a command body and turns what it throws into a message on stderr and an exit code.</summary>
internal static class CliRun
{
    public static async Task<int> RunAsync(CliEnvironment env, string command, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (UsageException e)
        {
            await env.Error.WriteLineAsync($"musubi {command}: {e.Message}");
            await env.Error.WriteLineAsync($"Run 'musubi {command} --help' for usage.");
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException)
        {
            await env.Error.WriteLineAsync($"musubi {command}: cancelled; nothing was written");
            return ExitCodes.Failed;
        }
        catch (Exception e) when (e is MusubiException or CliFailureException or IOException or UnauthorizedAccessException)
        {
            await env.Error.WriteLineAsync($"musubi {command}: {e.Message}");
            return ExitCodes.Failed;
        }
        catch (Exception e)
        {
            await env.Error.WriteLineAsync($"musubi {command}: failed: {Describe(e)}");
            return ExitCodes.Failed;
        }
    }

    internal static string Describe(Exception e)
    {
        var parts = new List<string>();
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (!parts.Contains(x.Message))
            {
                parts.Add(x.Message);
            }
        }

        return string.Join(": ", parts);
    }
}
