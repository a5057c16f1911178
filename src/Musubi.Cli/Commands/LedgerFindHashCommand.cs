using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Cli.Hosting;
using Musubi.Infrastructure.Ledger;
using Musubi.Ledger;

namespace Musubi.Cli.Commands;

/// <summary>
/// `musubi ledger find-hash HEX`: the ledger entries recording content of SHA-256 HEX (a received raw event: the
/// entry whose payload is <c>{"sha256":"HEX"}</c>, docs/LEDGER-FORMAT.md §8), and how to prove one. Exit 0 found,
/// 1 not found, 2 malformed input (HEX is not 64 hex digits).
/// </summary>
internal static class LedgerFindHashCommand
{
    public static Command Build(CliEnvironment env, GlobalOptions global)
    {
        var hash = new Argument<string>("HEX") { Description = "The SHA-256 of the raw event's bytes (the line as received, without its line terminator), 64 hex digits" };
        var command = new Command("find-hash", "Find the ledger entry of a received raw event by the SHA-256 of its bytes (exit 0 found, 1 not found, 2 malformed)") { hash };
        command.SetAction((parse, ct) => CliRun.RunAsync(env, "ledger find-hash", async () =>
        {
            var text = parse.GetValue(hash)!.Trim();
            if (text.Length != 64 || !text.All(char.IsAsciiHexDigit))
            {
                throw new UsageException($"HEX must be a SHA-256 as 64 hex digits, not '{(text.Length > 80 ? text[..80] + "…" : text)}' ({text.Length} characters)");
            }

            var sha256 = Convert.FromHexString(text);
            var leaf = MerkleHash.Leaf(LedgerService.HashPayload(sha256));
            await using var session = await CliSession.OpenAsync(env, global, parse, ct);
            env.Output.WriteLine($"Database: {session.Database}");
            env.Output.WriteLine($"SHA-256 {Convert.ToHexStringLower(sha256)}: payload {{\"sha256\":\"{Convert.ToHexStringLower(sha256)}\"}}, leaf hash {Convert.ToHexStringLower(leaf)}");
            var found = await session.RunAsync(sp => sp.GetRequiredService<LedgerQueries>().FindLeafAsync(session.Actor, leaf, ct));
            if (found.Count == 0)
            {
                env.Output.WriteLine("not found: no ledger entry has this leaf hash");
                return ExitCodes.Failed;
            }

            foreach (var index in found)
            {
                var entry = await session.RunAsync(sp => sp.GetRequiredService<LedgerQueries>().EntryAsync(session.Actor, index, ct));
                env.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"found: entry {index} ({entry.Category}, organisation {entry.OrganisationId?.ToString() ?? "none"}, recorded {entry.At.ToUniversalTime():yyyy-MM-dd'T'HH:mm:ss'Z'})"));
            }

            var first = found[0];
            env.Output.WriteLine($"Prove it offline: musubi ledger export --from-index {first} --to-index {first} --out entry-{first}.jsonl && musubi ledger verify entry-{first}.jsonl");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
