using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Cli.Hosting;
using Musubi.Infrastructure.Intelligence;
using Musubi.Stix.Reading;
using Musubi.Stix.Validation;

namespace Musubi.Cli.Commands;

/// <summary>
/// `musubi stix validate FILE...`: every issue as <c>FILE: error|warning: JSON-PATH: message [code]</c>, then one
/// summary line per file. Exit 0 when every object is valid, 1 when any object (or bundle envelope) is invalid, 2 when
/// a file cannot be read or is not a STIX document (which file, and why, on stderr). Warnings do not change the exit.
/// </summary>
internal static class StixCommands
{
    public static Command Build(CliEnvironment env, GlobalOptions global)
    {
        var files = new Argument<string[]>("FILE") { Description = "STIX 2.1 bundles or lone objects (JSON)", Arity = ArgumentArity.OneOrMore };
        var validate = new Command("validate", "Validate STIX 2.1 files against the spec: ids, required properties, timestamps, references, patterns") { files };
        validate.SetAction((parse, ct) => CliRun.RunAsync(env, "stix validate", () => ValidateAsync(env, parse.GetValue(files)!, ct)));
        var command = new Command("stix", "STIX 2.1 content");
        command.Subcommands.Add(validate);
        var reindex = new Command("reindex", "Backfill the reference index (relationships, sightings, references) of objects stored before it existed; safe to run again");
        reindex.SetAction((parse, ct) => CliRun.RunAsync(env, "stix reindex", async () =>
        {
            await using var session = await CliSession.OpenAsync(env, global, parse, ct);
            env.Output.WriteLine($"Database: {session.Database}");
            var progress = new SynchronousProgress(p => env.Output.WriteLine(
                $"{p.Read}/{p.Total} objects read, {p.ObjectsFixed} given {p.TermsAdded} missing reference rows"));
            var result = await session.RunAsync(sp => sp.GetRequiredService<StixReferenceIndex>().ReindexAsync(progress, ct));
            env.Output.WriteLine($"Reindexed: {result.Read} objects read, {result.ObjectsFixed} objects given {result.TermsAdded} reference rows.");
            return ExitCodes.Ok;
        }));
        command.Subcommands.Add(reindex);
        return command;
    }

    private static async Task<int> ValidateAsync(CliEnvironment env, string[] files, CancellationToken ct)
    {
        var malformed = false;
        var invalid = false;
        foreach (var file in files)
        {
            StixDocument document;
            try
            {
                await using var stream = File.OpenRead(file);
                document = await StixReader.ReadAsync(stream, StixReadLimits.Default, ct);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await env.Error.WriteLineAsync($"musubi stix validate: {file}: cannot read: {e.Message}");
                malformed = true;
                continue;
            }
            catch (StixFormatException e)
            {
                await env.Error.WriteLineAsync($"musubi stix validate: {file}: {e.Message}");
                malformed = true;
                continue;
            }

            var issues = StixValidator.Validate(document.Objects);
            foreach (var problem in document.BundleProblems)
            {
                await env.Output.WriteLineAsync($"{file}: error: {problem} [bundle]");
            }

            foreach (var issue in issues)
            {
                await env.Output.WriteLineAsync($"{file}: {issue}");
            }

            var errors = issues.Count(i => i.Severity == StixSeverity.Error) + document.BundleProblems.Count;
            var warnings = issues.Count(i => i.Severity == StixSeverity.Warning);
            var invalidObjects = issues.Where(i => i.Severity == StixSeverity.Error).Select(i => ObjectPath(i.Path)).Distinct(StringComparer.Ordinal).Count();
            invalid |= errors > 0;
            await env.Output.WriteLineAsync(
                $"{file}: {Plural(document.Objects.Count, "object")}, {invalidObjects} invalid ({Plural(errors, "error")}, {Plural(warnings, "warning")})");
        }

        return malformed ? ExitCodes.Usage : invalid ? ExitCodes.Failed : ExitCodes.Ok;
    }

    /// <summary>"$.objects[3].created" → "$.objects[3]", so that issues count per object; a lone object is "$".</summary>
    private static string ObjectPath(string path)
    {
        if (!path.StartsWith("$.objects[", StringComparison.Ordinal))
        {
            return "$";
        }

        return path[..(path.IndexOf(']', StringComparison.Ordinal) + 1)];
    }

    private static string Plural(int n, string noun) => $"{n} {noun}{(n == 1 ? "" : "s")}";

    /// <summary>Reports on the caller's thread, in order (Progress&lt;T&gt; posts to the thread pool and may print late).</summary>
    private sealed class SynchronousProgress(Action<StixReindexProgress> report) : IProgress<StixReindexProgress>
    {
        public void Report(StixReindexProgress value) => report(value);
    }
}
