using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Constituency;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Feeds;
using Musubi.Infrastructure.Feeds.Tracking;
using Musubi.Testing;

namespace Musubi.Infrastructure.Tests.Feeds;

/// <summary>Generic CSV sources with a stored mapping, and the audit of report delivery and clean-up tracking.</summary>
public sealed class FeedSourceKindsTests(PostgresServer postgres)
{
    private static CancellationToken None => CancellationToken.None;

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_generic_csv_source_reads_uploads_with_its_stored_mapping(DatabaseProvider provider)
    {
        var w = await FeedWorld.StartAsync(provider, postgres);
        await using var _ = w.Host;
        var mapping = JsonDocument.Parse("""
            {"feed_name":"partner-bots","delimiter":";","header":false,"time_format":"dd/MM/yyyy HH:mm",
             "columns":{"1":"time.source","2":"source.ip","3":"malware.name","4":"destination.port"},
             "constants":{"classification.taxonomy":"malicious-code","classification.type":"infected-system"},
             "required":["source.ip"]}
            """).RootElement;
        var source = await w.Config(c => c.CreateSourceAsync(w.Host.Admin, new FeedSourceInput("partner-bots", "generic-csv", "upload", null, null, true, mapping), None));
        Assert.Equal("generic-csv", source.Type);
        Assert.Equal(";", source.Options!.Value.GetProperty("delimiter").GetString());

        var at = w.Host.Time.GetUtcNow().AddMinutes(-30).UtcDateTime;
        var day = at.ToString("dd/MM/yyyy HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        var csv = $"# partner export\n{day};192.0.2.30;mirai;23\n{day};192.0.2.31;gafgyt;2323\nnot a date;192.0.2.32;mirai;23\n{day};no-ip;mirai;23\n";
        var file = await w.SubmitAsync(Encoding.UTF8.GetBytes(csv), name: "bots.csv", source: "partner-bots");
        Assert.Equal(1, await w.ProcessAsync());
        var processed = await w.FileAsync(file.Id);
        Assert.Equal((2, 2, 2), (processed.Accepted, processed.Rejected, processed.Routed));
        Assert.Contains("4: column '1' (time.source): 'not a date' does not match the time format", processed.Errors);
        Assert.Contains("5: column '2' (source.ip): 'no-ip'", processed.Errors);
        var status = (await w.Config(c => c.ListSourcesAsync(w.Host.Admin, None))).Single(s => s.Name == "partner-bots");
        Assert.Equal((2, 2), (status.RowsAccepted, status.RowsRejected));

        w.Host.Time.Advance(TimeSpan.FromHours(1));
        await w.CloseAndDeliverAsync();
        var rows = Assert.Single(w.Sender.Sent).Rows.OrderBy(r => r.SourceIp, StringComparer.Ordinal).ToList();
        Assert.Equal(["192.0.2.30", "192.0.2.31"], rows.Select(r => r.SourceIp));
        Assert.Equal(["mirai", "gafgyt"], rows.Select(r => r.MalwareName));
        Assert.All(rows, r => Assert.Equal(("malicious-code", "infected-system", "partner-bots"), (r.Taxonomy, r.Type, r.FeedName)));
        Assert.Equal(new DateTimeOffset(at.Year, at.Month, at.Day, at.Hour, at.Minute, 0, TimeSpan.Zero), rows[0].TimeSource);

        // A changed mapping is validated like a new one; the stored one stays when the change is refused.
        await Assert.ThrowsAsync<Musubi.Core.ValidationFailedException>(() => w.Config(c => c.UpdateSourceAsync(w.Host.Admin, source.Id,
            new FeedSourceInput("partner-bots", "generic-csv", "upload", null, null, true, JsonDocument.Parse("""{"columns":{}}""").RootElement), None)));
        Assert.Equal(";", (await w.Config(c => c.ListSourcesAsync(w.Host.Admin, None))).Single(s => s.Name == "partner-bots").Options!.Value.GetProperty("delimiter").GetString());
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Reports_made_sent_and_failed_are_audited_with_their_ticket(DatabaseProvider provider)
    {
        var w = await FeedWorld.StartAsync(provider, postgres, options: new FeedOptions { MaxAttempts = 2, RetryDelay = TimeSpan.FromMinutes(1) });
        await using var _ = w.Host;
        await w.SubmitAsync(FeedWorld.ScanSmb(w.Host.Time.GetUtcNow(), "192.0.2.40"));
        await w.ProcessAsync();
        w.Sender.Fail = _ => new IOException("550 mailbox unavailable");
        w.Host.Time.Advance(TimeSpan.FromHours(1));
        await w.CloseAndDeliverAsync();
        w.Host.Time.Advance(TimeSpan.FromMinutes(2));
        await w.CloseAndDeliverAsync(); // the second attempt fails for good
        var ticket = Assert.Single(await w.ReportsAsync()).Ticket;

        await w.SubmitAsync(FeedWorld.ScanSmb(w.Host.Time.GetUtcNow(), "192.0.2.41"));
        await w.ProcessAsync();
        w.Sender.Fail = null;
        w.Host.Time.Advance(TimeSpan.FromHours(1));
        await w.CloseAndDeliverAsync();
        var sent = Assert.Single(w.Sender.Sent).Ticket;

        var entries = await w.Host.Run(async sp => await sp.GetRequiredService<MusubiDbContext>().AuditEntries.AsNoTracking()
            .Where(a => a.Action.StartsWith("feed-report.")).OrderBy(a => a.Id).Select(a => new { a.Action, a.EntityId, a.After }).ToListAsync());
        Assert.Equal(
            [("feed-report.create", ticket), ("feed-report.fail", ticket), ("feed-report.fail", ticket), ("feed-report.create", sent), ("feed-report.send", sent)],
            entries.Select(e => (e.Action, e.EntityId)));
        Assert.Contains("\"state\":\"pending\"", entries[1].After, StringComparison.Ordinal);
        Assert.Contains("\"state\":\"failed\"", entries[2].After, StringComparison.Ordinal);
        Assert.Contains("550 mailbox unavailable", entries[2].After, StringComparison.Ordinal);
        // Each is in the ledger too.
        await w.Host.Run(async sp => Assert.True(await sp.GetRequiredService<MusubiDbContext>().LedgerEntries.CountAsync() >= entries.Count));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Infected_hosts_observed_and_cleaned_are_audited(DatabaseProvider provider)
    {
        await using var host = await InfectedHostTrackerTests.StartAsync(provider, postgres);
        var isp = await host.CreateOrgAsync(Builders.Org("Audited ISP", OrganisationKind.Isp));
        var t0 = host.Time.GetUtcNow();
        await InfectedHostTrackerTests.RecordAsync(host, "MSB-A-1", isp.Id,
            InfectedHostTrackerTests.Row(t0, "192.0.2.10"), InfectedHostTrackerTests.Row(t0, "192.0.2.11"));
        await InfectedHostTrackerTests.RecordAsync(host, "MSB-A-2", isp.Id, InfectedHostTrackerTests.Row(t0.AddMinutes(5), "192.0.2.10"));
        host.Time.Advance(TimeSpan.FromDays(8));
        Assert.Equal(2, await host.Run(sp => sp.GetRequiredService<InfectedHostTracker>().EvaluateCleanedAsync(None)));

        var entries = await host.Run(async sp => await sp.GetRequiredService<MusubiDbContext>().AuditEntries.AsNoTracking()
            .Where(a => a.Action.StartsWith("infected-host.")).OrderBy(a => a.Id).Select(a => new { a.Action, a.EntityId, a.OrganisationId, a.After }).ToListAsync());
        Assert.Equal(["infected-host.observe", "infected-host.observe", "infected-host.clean"], entries.Select(e => e.Action));
        Assert.Equal(["MSB-A-1", "MSB-A-2"], entries.Take(2).Select(e => e.EntityId));
        Assert.Equal(isp.Id, entries[0].OrganisationId);
        Assert.Contains("\"opened\":2", entries[0].After, StringComparison.Ordinal);
        Assert.Contains("\"seenAgain\":1", entries[1].After, StringComparison.Ordinal);
        Assert.Contains("192.0.2.10", entries[2].After, StringComparison.Ordinal);
        Assert.Contains("192.0.2.11", entries[2].After, StringComparison.Ordinal);
        Assert.Equal(0, await host.Run(sp => sp.GetRequiredService<InfectedHostTracker>().EvaluateCleanedAsync(None)));
        Assert.Equal(3, await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().AuditEntries.CountAsync(a => a.Action.StartsWith("infected-host."))));
    }
}
