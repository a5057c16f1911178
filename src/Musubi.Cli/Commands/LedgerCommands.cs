using System.CommandLine;
using Musubi.Ledger.CommandLine;

namespace Musubi.Cli.Commands;

/// <summary>
/// `musubi ledger verify-inclusion | verify-consistency | verify` (and `export`, <see cref="LedgerExportCommand"/>): checks of the tamper-evident ledger that need
/// nothing but their input (no database): RFC 9162 proofs and offline export bundles (docs/LEDGER-FORMAT.md). Exit
/// codes: 0 valid, 1 invalid, 2 malformed input; the logic is <see cref="LedgerCommandLine"/>.
/// </summary>
internal static class LedgerCommands
{
    public static Command Build(CliEnvironment env, GlobalOptions global)
    {
        var command = new Command("ledger", "Export the platform's ledger; check ledger proofs and export bundles offline (exit 0 valid, 1 invalid, 2 malformed input)");
        command.Subcommands.Add(VerifyInclusion(env));
        command.Subcommands.Add(VerifyConsistency(env));
        command.Subcommands.Add(VerifyBundle(env));
        command.Subcommands.Add(LedgerExportCommand.Build(env, global));
        command.Subcommands.Add(LedgerFindHashCommand.Build(env, global));
        return command;
    }

    private static Command VerifyInclusion(CliEnvironment env)
    {
        var treeSize = Required("--tree-size", "N", "The size of the tree the proof is for");
        var index = Required("--index", "I", "The leaf's index (from 0)");
        var leafHash = Required("--leaf-hash", "HEX", "The leaf hash, SHA-256(0x00 ‖ entry), as 64 hex digits");
        var root = Required("--root", "HEX", "The tree's root hash, as 64 hex digits");
        var proof = Proof();
        var command = new Command("verify-inclusion", "Verify that a leaf is in a tree (RFC 9162 §2.1.3.2)") { treeSize, index, leafHash, root, proof };
        command.SetAction((parse, ct) => Run(env, "ledger verify-inclusion", () => LedgerCommandLine.VerifyInclusion(
            parse.GetValue(treeSize), parse.GetValue(index), parse.GetValue(leafHash), parse.GetValue(root), parse.GetValue(proof), env.Output, env.Error)));
        return command;
    }

    private static Command VerifyConsistency(CliEnvironment env)
    {
        var oldSize = Required("--old-size", "M", "The older tree's size (0 is the empty tree: valid only with its root e3b0c442… and an empty proof)");
        var newSize = Required("--new-size", "N", "The newer tree's size");
        var oldRoot = Required("--old-root", "HEX", "The older tree's root hash, as 64 hex digits");
        var newRoot = Required("--new-root", "HEX", "The newer tree's root hash, as 64 hex digits");
        var proof = Proof();
        var command = new Command("verify-consistency", "Verify that a tree only grew from an older one (RFC 9162 §2.1.4.2)") { oldSize, newSize, oldRoot, newRoot, proof };
        command.SetAction((parse, ct) => Run(env, "ledger verify-consistency", () => LedgerCommandLine.VerifyConsistency(
            parse.GetValue(oldSize), parse.GetValue(newSize), parse.GetValue(oldRoot), parse.GetValue(newRoot), parse.GetValue(proof), env.Output, env.Error)));
        return command;
    }

    private static Command VerifyBundle(CliEnvironment env)
    {
        var bundle = new Argument<string>("BUNDLE") { Description = "An export bundle (.jsonl) written by the ledger" };
        var keys = new Option<string[]>("--key")
        {
            Description = "The log's published verifier key (<name>+<key ID>+<base64>); repeatable. Without it the bundle's own key is used, and the report says so",
            HelpName = "VKEY",
        };
        var command = new Command("verify", "Verify an export bundle offline and name every missing or altered entry") { bundle, keys };
        command.SetAction((parse, ct) => Run(env, "ledger verify", () =>
            LedgerCommandLine.VerifyBundle(parse.GetValue(bundle), parse.GetValue(keys) ?? [], env.Output, env.Error)));
        return command;
    }

    private static Option<string> Required(string name, string helpName, string description) =>
        new(name) { Description = description, HelpName = helpName, Required = true };

    private static Option<string> Proof() => new("--proof")
    {
        Description = "The proof's hashes, comma-separated hex, from the leaf (or old tree) up; \"\" is a proof of no hashes",
        HelpName = "HEX,HEX,...",
        Required = true,
    };

    private static Task<int> Run(CliEnvironment env, string command, Func<int> body) => CliRun.RunAsync(env, command, async () =>
    {
        var code = body();
        if (code == LedgerCommandLine.Malformed)
        {
            await env.Error.WriteLineAsync($"Run 'musubi {command} --help' for usage.");
        }

        return code;
    });
}
