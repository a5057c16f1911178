using Microsoft.Extensions.DependencyInjection;
using Musubi.Infrastructure;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Ledger;
using Musubi.Infrastructure.Setup;

namespace Musubi.Benchmarks.Ledger;

/// <summary>What the database append benchmarks share: the platform's services over a database, the same random raw
/// events, and the monitor's verdict over what a run appended.</summary>
internal static class LedgerPlatformBench
{
    public static ServiceProvider Open(DatabaseOptions database)
    {
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddMusubiInfrastructure(database, setup: new InitialiseOptions { AdminPassword = "benchmark-root-passphrase" });
        var services = collection.BuildServiceProvider();
        using var scope = services.CreateScope();
        scope.ServiceProvider.GetRequiredService<DatabaseInitialiser>().InitialiseAsync(CancellationToken.None).GetAwaiter().GetResult();
        return services;
    }

    public static (LedgerRecord[] Records, ReadOnlyMemory<byte>[] Entries) RawEvents(int count, int payloadSize)
    {
        var random = new Random(LedgerBenchData.Seed);
        var records = new LedgerRecord[count];
        var entries = new ReadOnlyMemory<byte>[count];
        for (var i = 0; i < count; i++)
        {
            var payload = new byte[payloadSize];
            random.NextBytes(payload);
            records[i] = new LedgerRecord(LedgerCategories.RawEvent, null, payload);
            entries[i] = payload;
        }

        return (records, entries);
    }

    public static void ReportMonitor(ServiceProvider services, string label)
    {
        using var scope = services.CreateScope();
        var report = scope.ServiceProvider.GetRequiredService<LedgerMonitor>().RunAsync(CancellationToken.None).GetAwaiter().GetResult();
        Console.WriteLine($"// {label}: {report.TreeSize:N0} entries; monitor: {(report.Ok ? "ok" : report.Findings[0].Message)}");
    }
}
