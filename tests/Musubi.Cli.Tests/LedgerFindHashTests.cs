using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Cli.Tests.Fixtures;
using Musubi.Infrastructure.Ledger;
using Musubi.Testing;
using Xunit;

namespace Musubi.Cli.Tests;

/// <summary>`musubi ledger find-hash HEX` against a real database: found (0), not found (1), malformed (2).</summary>
public sealed class LedgerFindHashTests(PostgresServer postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_received_raw_event_is_found_by_the_sha256_of_its_bytes(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, postgres);
        var received = SHA256.HashData(Encoding.UTF8.GetBytes("""{"src_ip":"192.0.2.7","dst_port":22}"""));
        var other = SHA256.HashData("never received"u8);
        await db.Run(sp => sp.GetRequiredService<ILedger>().AppendAsync(
            [LedgerService.HashRecord(LedgerCategories.RawEvent, null, SHA256.HashData("noise"u8))], None));
        var index = await db.Run(sp => sp.GetRequiredService<ILedger>().AppendAsync(
            [LedgerService.HashRecord(LedgerCategories.RawEvent, null, received)], None));

        var found = await CliRunner.RunAsync([.. db.CliArguments, "ledger", "find-hash", Convert.ToHexString(received)]);
        Assert.True(found.ExitCode == 0, found.ToString());
        Assert.Contains($"found: entry {index} (raw-event, organisation none,", found.Output, StringComparison.Ordinal);
        Assert.Single(found.Output.Split('\n'), l => l.StartsWith("found: ", StringComparison.Ordinal));
        Assert.Contains($"--from-index {index} --to-index {index}", found.Output, StringComparison.Ordinal);

        var missing = await CliRunner.RunAsync([.. db.CliArguments, "ledger", "find-hash", Convert.ToHexStringLower(other)]);
        Assert.True(missing.ExitCode == 1, missing.ToString());
        Assert.Contains("not found", missing.Output, StringComparison.Ordinal);

        var malformed = await CliRunner.RunAsync([.. db.CliArguments, "ledger", "find-hash", "abc123"]);
        Assert.True(malformed.ExitCode == 2, malformed.ToString());
        Assert.Contains("64 hex digits", malformed.Error, StringComparison.Ordinal);
        Assert.Contains("(6 characters)", malformed.Error, StringComparison.Ordinal);
    }
}
