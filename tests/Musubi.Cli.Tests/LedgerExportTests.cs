using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Cli.Tests.Fixtures;
using Musubi.Infrastructure.Ledger;
using Musubi.Testing;
using Xunit;

namespace Musubi.Cli.Tests;

/// <summary>`musubi ledger export` against a real database, then `musubi ledger verify` on what it wrote.</summary>
public sealed class LedgerExportTests(PostgresServer postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>Appends events, then lets retention remove the payloads of the first <paramref name="expired"/> of them.</summary>
    private static async Task<long> SeedAsync(TestDatabase db, int count, int expired)
    {
        var first = await db.Run(sp => sp.GetRequiredService<ILedger>().AppendAsync(
            [.. Enumerable.Range(0, count).Select(i => new LedgerRecord(LedgerCategories.RawEvent, null, Encoding.UTF8.GetBytes($"{{\"event\":{i}}}")))], None));
        var aged = DateTimeOffset.UtcNow.AddDays(-40);
        for (var i = first; i < first + expired; i++)
        {
            var index = i;
            await db.Db(async d => { await LedgerStoreTampering.OverwriteAsync(d, index, e => e.At = aged, None); return 0; });
        }

        await db.Run(sp => sp.GetRequiredService<LedgerRetention>().SetPolicyAsync(db.Actor, new RetentionPolicyInput(null, LedgerCategories.RawEvent, 30), None));
        var run = await db.Run(sp => sp.GetRequiredService<LedgerRetention>().RunAsync(db.Actor, None));
        Assert.Equal(expired, run.PayloadsRemoved);
        return first;
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task An_export_with_a_redacted_entry_verifies_offline_and_a_tampered_copy_names_the_entry(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, postgres);
        var first = await SeedAsync(db, 500, 3);
        var bundle = Path.Combine(db.Folder, "case-42.jsonl");

        var export = await CliRunner.RunAsync([.. db.CliArguments, "ledger", "export", "--out", bundle, "--description", "Case 42"]);
        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.Contains("3 entries carry only their leaf hash", export.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(bundle + ".partial"));

        var verify = await CliRunner.RunAsync(["ledger", "verify", bundle]);
        Assert.True(verify.ExitCode == 0, verify.ToString());

        var key = (await db.Run(sp => sp.GetRequiredService<LedgerCheckpoints>().VerifierAsync(None))).ToString();
        var pinned = await CliRunner.RunAsync(["ledger", "verify", bundle, "--key", key]);
        Assert.True(pinned.ExitCode == 0, pinned.ToString());

        // Change one payload byte of entry first+100 (the leaf hash stays as signed).
        var victim = first + 100;
        var lines = (await File.ReadAllLinesAsync(bundle, None)).ToList();
        var at = lines.FindIndex(l => l.StartsWith($"{{\"index\":{victim},", StringComparison.Ordinal));
        var entry = JsonNode.Parse(lines[at])!.AsObject();
        entry["payload"] = Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"event\":999}"));
        lines[at] = entry.ToJsonString();
        var tampered = Path.Combine(db.Folder, "tampered.jsonl");
        await File.WriteAllTextAsync(tampered, string.Join("\n", lines) + "\n", None);

        var bad = await CliRunner.RunAsync(["ledger", "verify", tampered]);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains($"{victim}", bad.Output, StringComparison.Ordinal);
        Assert.Contains("payload", bad.Output, StringComparison.OrdinalIgnoreCase);

        // Leave an entry out: reported as missing, by index.
        lines.RemoveAt(at);
        await File.WriteAllTextAsync(tampered, string.Join("\n", lines) + "\n", None);
        var missing = await CliRunner.RunAsync(["ledger", "verify", tampered]);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains($"{victim}", missing.Output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Index_ranges_and_category_filters_export_just_those_entries(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, postgres);
        var first = await SeedAsync(db, 50, 1);
        var range = Path.Combine(db.Folder, "range.jsonl");
        var run = await CliRunner.RunAsync([.. db.CliArguments, "ledger", "export", "--out", range, "--from-index", $"{first + 10}", "--to-index", $"{first + 19}"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"Exported 10 entries (range bundle, entries {first + 10} to {first + 19})", run.Output, StringComparison.Ordinal);
        Assert.Equal(0, (await CliRunner.RunAsync(["ledger", "verify", range])).ExitCode);
        Assert.Equal(11, (await File.ReadAllLinesAsync(range, None)).Length);

        var sparse = Path.Combine(db.Folder, "sparse.jsonl");
        run = await CliRunner.RunAsync([.. db.CliArguments, "ledger", "export", "--out", sparse, "--category", "raw-event"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Exported 50 entries (sparse bundle", run.Output, StringComparison.Ordinal);
        Assert.Equal(0, (await CliRunner.RunAsync(["ledger", "verify", sparse])).ExitCode);

        var audit = await db.Db(d => d.AuditEntries.CountAsync(a => a.Action == "ledger.export", None));
        Assert.Equal(2, audit);
    }

    [Theory]
    [InlineData("--from", "yesterday", 2, "--from 'yesterday' is not a time")]
    [InlineData("--category", "gossip", 2, "--category 'gossip' is not one of")]
    [InlineData("--to-index", "x", 2, "x")]
    public async Task Malformed_export_options_exit_2_and_write_nothing(string option, string value, int code, string message)
    {
        var folder = Directory.CreateTempSubdirectory("musubi-export-").FullName;
        var bundle = Path.Combine(folder, "out.jsonl");
        var run = await CliRunner.RunAsync(["--data", Path.Combine(folder, "data"), "ledger", "export", "--out", bundle, option, value]);
        Assert.Equal(code, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(bundle));
        Directory.Delete(folder, recursive: true);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task An_export_beyond_the_log_exits_1_naming_the_field(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, postgres);
        var run = await CliRunner.RunAsync([.. db.CliArguments, "ledger", "export", "--out", Path.Combine(db.Folder, "x.jsonl"), "--from-index", "1000000"]);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("fromIndex", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(db.Folder, "x.jsonl")));
    }
}
