using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Cli.Hosting;
using Musubi.Cli.Output;
using Musubi.Infrastructure.Constituency.Exchange;

namespace Musubi.Cli.Commands;

/// <summary>`musubi constituency import|export`: bulk exchange of the constituency (docs/CONSTITUENCY-FORMATS.md).</summary>
internal static class ConstituencyCommands
{
    public static Command Build(CliEnvironment env, GlobalOptions global)
    {
        var command = new Command("constituency", "Organisations, their networks and contacts, sectors and communities, in bulk");
        command.Subcommands.Add(Import(env, global));
        command.Subcommands.Add(Export(env, global));
        return command;
    }

    private static Command Import(CliEnvironment env, GlobalOptions global)
    {
        var paths = new Argument<string[]>("PATH")
        {
            Description = "A .json document, .csv files (organisations.csv, networks.csv, contacts.csv, sectors.csv, communities.csv) or a folder of them",
            Arity = ArgumentArity.OneOrMore,
        };
        var dryRun = new Option<bool>("--dry-run") { Description = "Check everything and say what would change, but write nothing" };
        var command = new Command("import", "Import organisations, networks and contacts: all or nothing, every problem reported with its file and line")
        {
            paths, dryRun,
        };
        command.SetAction((parse, ct) => CliRun.RunAsync(env, "constituency import", async () =>
        {
            await using var session = await CliSession.OpenAsync(env, global, parse, ct);
            env.Output.WriteLine($"Database: {session.Database}");
            var dry = parse.GetValue(dryRun);
            var result = await session.RunAsync(sp => ProgressBars.RunAsync(env, progress =>
                sp.GetRequiredService<ConstituencyImporter>().ImportAsync(session.Actor, parse.GetValue(paths)!, dry, progress, ct)));
            if (!result.Succeeded)
            {
                var count = result.Issues.Count + result.IssuesNotShown;
                await env.Error.WriteLineAsync($"musubi constituency import: {count} {(count == 1 ? "problem" : "problems")} found; nothing was written:");
                foreach (var issue in result.Issues)
                {
                    await env.Error.WriteLineAsync("  " + issue);
                }

                if (result.IssuesNotShown > 0)
                {
                    await env.Error.WriteLineAsync($"  ... and {result.IssuesNotShown} more");
                }

                return ExitCodes.Failed;
            }

            WriteSummary(env, result);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Export(CliEnvironment env, GlobalOptions global)
    {
        var format = new Option<string>("--format") { Description = "json (one document) or csv (a folder of CSV files)", Required = true }
            .AcceptOnlyFromAmong("json", "csv");
        var output = new Option<string>("--output", "-o")
        {
            Description = "JSON: the file to write (or a folder, for constituency.json in it); CSV: the folder to write the files into",
            Required = true,
        };
        var command = new Command("export", "Export the whole constituency in the exchange format (the same files import reads)") { format, output };
        command.SetAction((parse, ct) => CliRun.RunAsync(env, "constituency export", async () =>
        {
            await using var session = await CliSession.OpenAsync(env, global, parse, ct);
            env.Output.WriteLine($"Database: {session.Database}");
            var kind = parse.GetValue(format) == "csv" ? ExportFormat.Csv : ExportFormat.Json;
            var result = await session.RunAsync(sp => ProgressBars.RunAsync(env, progress =>
                sp.GetRequiredService<ConstituencyExporter>().ExportAsync(session.Actor, kind, parse.GetValue(output)!, progress, ct)));
            env.Output.WriteLine($"Exported {N(result.Organisations)} organisations, {N(result.Networks)} networks, {N(result.Contacts)} contacts, " +
                $"{N(result.Sectors)} sectors and {N(result.Communities)} communities to:");
            foreach (var file in result.Files)
            {
                env.Output.WriteLine("  " + file);
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static void WriteSummary(CliEnvironment env, ImportResult result)
    {
        var s = result.Summary!;
        env.Output.WriteLine(result.DryRun
            ? $"Dry run: {N(result.Rows)} records are valid; nothing was written. The import would:"
            : s.ChangesAnything ? $"Imported {N(result.Rows)} records (import {result.ImportId}):" : $"Nothing to change: all {N(result.Rows)} records are already in the database.");
        if (!s.ChangesAnything && !result.DryRun)
        {
            return;
        }

        Line(env, "organisations created", s.OrganisationsCreated);
        Line(env, "organisations updated", s.OrganisationsUpdated);
        Line(env, "organisations unchanged", s.OrganisationsUnchanged);
        Line(env, "networks added", s.NetworksAdded);
        Line(env, "networks already present", s.NetworksAlreadyPresent);
        Line(env, "contacts added", s.ContactsAdded);
        Line(env, "contacts already present", s.ContactsAlreadyPresent);
        Line(env, "community memberships added", s.MembershipsAdded);
        Line(env, "sectors created", s.SectorsCreated);
        Line(env, "communities created", s.CommunitiesCreated);
    }

    private static void Line(CliEnvironment env, string what, int count) => env.Output.WriteLine($"  {N(count),10}  {what}");

    internal static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
