using System.CommandLine;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Cli.Hosting;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Ledger;
using Spectre.Console;

namespace Musubi.Cli.Commands;

/// <summary>
/// `musubi ledger export --out FILE`: the self-contained bundle for police and courts (docs/LEDGER-FORMAT.md §5),
/// written next to FILE and renamed into place only when complete. Exit 0 written, 1 refused or failed (nothing
/// written), 2 malformed command line.
/// </summary>
internal static class LedgerExportCommand
{
    public static Command Build(CliEnvironment env, GlobalOptions global)
    {
        var output = new Option<string>("--out") { Description = "The bundle file to write (JSON Lines)", HelpName = "FILE", Required = true };
        var fromIndex = new Option<long?>("--from-index") { Description = "The first entry (default 0)", HelpName = "I" };
        var toIndex = new Option<long?>("--to-index") { Description = "The last entry, inclusive (default: the last one)", HelpName = "J" };
        var from = new Option<string?>("--from") { Description = "Entries recorded at or after this time (ISO 8601, e.g. 2026-11-01 or 2026-11-01T09:00:00+09:00)", HelpName = "TIME" };
        var to = new Option<string?>("--to") { Description = "Entries recorded before this time", HelpName = "TIME" };
        var organisation = new Option<string?>("--organisation") { Description = "Only this organisation's entries (its id or exact name); makes a sparse bundle", HelpName = "ORG" };
        var category = new Option<string?>("--category") { Description = $"Only entries of this category ({string.Join(", ", LedgerCategories.All)}); makes a sparse bundle", HelpName = "CATEGORY" };
        var description = new Option<string?>("--description") { Description = "Free text for the reader, e.g. the case number", HelpName = "TEXT" };
        var command = new Command("export", "Write a self-contained export bundle that 'musubi ledger verify' checks offline")
        {
            output, fromIndex, toIndex, from, to, organisation, category, description,
        };
        command.SetAction((parse, ct) => CliRun.RunAsync(env, "ledger export", async () =>
        {
            var request = new LedgerExportRequest(
                parse.GetValue(fromIndex), parse.GetValue(toIndex), Time(parse.GetValue(from), "--from"), Time(parse.GetValue(to), "--to"),
                null, parse.GetValue(category), parse.GetValue(description));
            if (request.Category is { } c && !LedgerCategories.IsKnown(c))
            {
                throw new UsageException($"--category '{c}' is not one of {string.Join(", ", LedgerCategories.All)}");
            }

            var path = Path.GetFullPath(parse.GetValue(output)!);
            await using var session = await CliSession.OpenAsync(env, global, parse, ct);
            env.Output.WriteLine($"Database: {session.Database}");
            if (parse.GetValue(organisation) is { } org)
            {
                request = request with { OrganisationId = await session.RunAsync(sp => FindOrganisationAsync(sp, org, ct)) };
            }

            var partial = path + ".partial";
            LedgerExportResult result;
            try
            {
                await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
                {
                    result = await WithProgress(env, progress => session.RunAsync(sp =>
                        sp.GetRequiredService<LedgerExporter>().ExportAsync(session.Actor, request, file, progress, ct)));
                    file.Flush(flushToDisk: true);
                }

                File.Move(partial, path, overwrite: true);
            }
            finally
            {
                File.Delete(partial);
            }

            env.Output.WriteLine($"Exported {N(result.Entries)} entries ({result.Mode} bundle" +
                (result.First is { } f ? $", entries {f} to {result.Last}" : "") + $") of a log of {N(result.TreeSize)} to {path}");
            if (result.PayloadsRemoved > 0)
            {
                env.Output.WriteLine($"  {N(result.PayloadsRemoved)} entries carry only their leaf hash (payload removed by retention)");
            }

            env.Output.WriteLine($"Check it with: musubi ledger verify {path}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static async Task<Guid> FindOrganisationAsync(IServiceProvider sp, string text, CancellationToken ct)
    {
        var db = sp.GetRequiredService<MusubiDbContext>();
        var id = Guid.TryParse(text, out var g) ? g : (Guid?)null;
        var found = await db.Organisations.AsNoTracking().Where(o => o.Id == id || o.Name == text).Select(o => (Guid?)o.Id).FirstOrDefaultAsync(ct);
        return found ?? throw new CliFailureException($"--organisation '{text}': no organisation has this id or name");
    }

    private static DateTimeOffset? Time(string? text, string option)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : throw new UsageException($"{option} '{text}' is not a time: use ISO 8601, e.g. 2026-11-01 or 2026-11-01T09:00:00Z");
    }

    private static async Task<LedgerExportResult> WithProgress(CliEnvironment env, Func<IProgress<LedgerExportProgress>, Task<LedgerExportResult>> work)
    {
        if (!env.Console.Profile.Capabilities.Interactive)
        {
            return await work(new Progress<LedgerExportProgress>(_ => { }));
        }

        return await env.Console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("Exporting", autoStart: true, maxValue: 1);
                var result = await work(new Bar(task));
                task.Value = task.MaxValue;
                task.StopTask();
                return result;
            });
    }

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Synchronous, so counts never arrive out of order.</summary>
    private sealed class Bar(ProgressTask task) : IProgress<LedgerExportProgress>
    {
        public void Report(LedgerExportProgress value)
        {
            task.MaxValue = Math.Max(1, value.Total);
            task.Value = Math.Min(value.Done, task.MaxValue);
            task.Description = $"Exporting {N(value.Done)} of {N(value.Total)} entries";
        }
    }
}
