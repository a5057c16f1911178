using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core;
using Musubi.Core.Identity;
using Musubi.Core.Queueing;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Feeds;
using Musubi.Infrastructure.Queueing;
using Musubi.Testing;

namespace Musubi.Infrastructure.Tests.Feeds;

/// <summary>The durable feed pipeline end to end: intake → queue → processor → windows → reports → sender, on SQLite and PostgreSQL.</summary>
public sealed class FeedPipelineTests(PostgresServer postgres, NatsServer nats)
{
    private static CancellationToken None => CancellationToken.None;

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_file_becomes_one_report_per_recipient_when_the_window_closes(DatabaseProvider provider)
    {
        var w = await FeedWorld.StartAsync(provider, postgres);
        await using var _ = w.Host;
        var at = w.Host.Time.GetUtcNow().AddHours(-1);
        var file = await w.SubmitAsync(FeedWorld.ScanSmb(at, "192.0.2.10", "192.0.2.11", "192.0.2.10", "203.0.113.5", "192.0.2.12"));
        Assert.Equal(FeedFileStates.Queued, file.State);

        Assert.Equal(1, await w.ProcessAsync());
        var processed = await w.FileAsync(file.Id);
        Assert.Equal(FeedFileStates.Processed, processed.State);
        Assert.Equal(5, processed.Accepted);
        Assert.Equal(1, processed.Duplicates);
        Assert.Equal(3, processed.Routed); // 203.0.113.5 belongs to nobody with a recipient

        Assert.Equal((0, 0), await w.CloseAndDeliverAsync()); // the hourly window 09:00-10:00 is still open
        Assert.Empty(w.Sender.Sent);

        w.Host.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal((1, 1), await w.CloseAndDeliverAsync());
        var sent = Assert.Single(w.Sender.Sent);
        Assert.Matches(@"^MSB-20260401-000001$", sent.Ticket);
        Assert.Equal(["192.0.2.10", "192.0.2.11", "192.0.2.12"], sent.Rows.Select(r => r.SourceIp).Order());
        Assert.All(sent.Rows, r => Assert.Equal("vulnerable-system", r.Type));
        Assert.All(sent.Rows, r => Assert.StartsWith("\"2026-04-01", r.Raw));
        Assert.Equal("abuse@isp-one.example.jp", sent.Email);
        Assert.Equal("ja", sent.Language);
        Assert.Equal(w.Isp, sent.OrganisationId);
        Assert.Equal(new DateTimeOffset(2026, 4, 1, 9, 0, 0, TimeSpan.Zero), sent.From);
        Assert.Equal(sent.Ticket, Assert.Single(w.Tracker.Recorded).Ticket);

        var report = Assert.Single(await w.ReportsAsync());
        Assert.Equal(FeedReportStates.Sent, report.State);
        Assert.Equal(3, report.RowCount);
        Assert.Equal(1, report.Attempts);
        Assert.Equal((0, 0), await w.CloseAndDeliverAsync()); // nothing twice
        Assert.Single(w.Sender.Sent);
        await w.Host.Run(async sp => Assert.Equal(0, await sp.GetRequiredService<MusubiDbContext>().Set<FeedWindowRowEntity>().CountAsync()));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task De_duplication_survives_a_restart_and_a_redelivered_message_is_not_processed_twice(DatabaseProvider provider)
    {
        var w = await FeedWorld.StartAsync(provider, postgres);
        await using var _ = w.Host;
        var data = FeedWorld.ScanSmb(w.Host.Time.GetUtcNow().AddMinutes(-5), "192.0.2.20", "192.0.2.21");
        var first = await w.SubmitAsync(data);
        await w.ProcessAsync();

        // A new process on the same database: nothing in memory survives, the stored keys do.
        var sender = new InMemorySender();
        await using var restarted = await w.Host.ReopenAsync(FeedWorld.Fakes(sender, new InMemoryTracker()));
        var again = await restarted.Run(sp => sp.GetRequiredService<FeedIntake>().SubmitAsync(restarted.Admin, "shadowserver", "2026-04-01-scan_smb-jp.csv", data, None));
        var runner = restarted.Services.GetRequiredService<FeedPipelineRunner>();
        Assert.Equal(1, await runner.ProcessQueuedAsync(10, TimeSpan.Zero, None));
        var second = await restarted.Run(sp => sp.GetRequiredService<FeedIntake>().GetAsync(restarted.Admin, again.Id, None));
        Assert.Equal(2, second.Duplicates);
        Assert.Equal(0, second.Routed);

        // The first file's message again (as after a lost acknowledgement): the processed file is left alone.
        await restarted.Services.GetRequiredService<IWorkQueue>().EnqueueAsync(FeedIntake.Topic,
            [new OutgoingMessage(System.Text.Encoding.UTF8.GetBytes(first.Id.ToString()))], None);
        Assert.Equal(1, await runner.ProcessQueuedAsync(10, TimeSpan.Zero, None));

        restarted.Time.Advance(TimeSpan.FromHours(1));
        await runner.CloseAndDeliverAsync(None);
        Assert.Equal(2, Assert.Single(sender.Sent).Rows.Count);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_send_interrupted_by_a_crash_is_held_not_resent_until_an_operator_releases_it(DatabaseProvider provider)
    {
        var w = await FeedWorld.StartAsync(provider, postgres);
        await using var _ = w.Host;
        await w.SubmitAsync(FeedWorld.ScanSmb(w.Host.Time.GetUtcNow(), "192.0.2.30"));
        await w.ProcessAsync();
        w.Host.Time.Advance(TimeSpan.FromHours(1));

        // The process "dies" inside SendAsync: the report stays "sending".
        w.Sender.Hang = true;
        using (var crash = new CancellationTokenSource())
        {
            var delivering = w.Host.Services.GetRequiredService<FeedPipelineRunner>().CloseAndDeliverAsync(crash.Token);
            while (Volatile.Read(ref w.Sender.Calls) == 0)
            {
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }

            await crash.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => delivering);
        }

        Assert.Equal(FeedReportStates.Sending, Assert.Single(await w.ReportsAsync()).State);

        var sender = new InMemorySender();
        await using var restarted = await w.Host.ReopenAsync(FeedWorld.Fakes(sender, new InMemoryTracker(), new FeedOptions { HoldAfter = TimeSpan.FromMinutes(10) }));
        var runner = restarted.Services.GetRequiredService<FeedPipelineRunner>();
        await runner.CloseAndDeliverAsync(None);
        restarted.Time.Advance(TimeSpan.FromMinutes(11));
        await runner.CloseAndDeliverAsync(None);
        var held = Assert.Single(await restarted.Run(sp => sp.GetRequiredService<FeedReportService>().ListAsync(restarted.Admin, null, 10, None)));
        Assert.Equal(FeedReportStates.Held, held.State);
        Assert.Contains("may or may not", held.LastError);
        Assert.Empty(sender.Sent);

        // Only a held or failed report can be resolved; the operator releases it and it goes out once.
        await restarted.Run(sp => sp.GetRequiredService<FeedReportService>().ResolveAsync(restarted.Admin, held.Id, "release", None));
        await Assert.ThrowsAsync<ConflictException>(() => restarted.Run(sp => sp.GetRequiredService<FeedReportService>().ResolveAsync(restarted.Admin, held.Id, "sent", None)));
        await runner.CloseAndDeliverAsync(None);
        await runner.CloseAndDeliverAsync(None);
        Assert.Equal(held.Ticket, Assert.Single(sender.Sent).Ticket);
    }

    [Fact]
    public async Task A_failed_send_is_retried_after_the_delay_with_the_same_ticket()
    {
        var w = await FeedWorld.StartAsync(DatabaseProvider.Sqlite, postgres);
        await using var _ = w.Host;
        await w.SubmitAsync(FeedWorld.ScanSmb(w.Host.Time.GetUtcNow(), "192.0.2.40"));
        await w.ProcessAsync();
        w.Host.Time.Advance(TimeSpan.FromHours(1));
        w.Sender.Fail = _ => w.Sender.Calls == 1 ? new IOException("421 try again later") : null;
        Assert.Equal((1, 0), await w.CloseAndDeliverAsync());
        var pending = Assert.Single(await w.ReportsAsync());
        Assert.Equal(FeedReportStates.Pending, pending.State);
        Assert.Equal("421 try again later", pending.LastError);
        Assert.Equal((0, 0), await w.CloseAndDeliverAsync()); // not before the retry delay
        w.Host.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal((0, 1), await w.CloseAndDeliverAsync());
        Assert.Equal(pending.Ticket, Assert.Single(w.Sender.Sent).Ticket);
        Assert.Equal(2, (await w.ReportsAsync())[0].Attempts);
    }

    [Fact]
    public async Task Without_a_sender_reports_wait_as_pending()
    {
        var tracker = new InMemoryTracker();
        var host = await TestHost.StartAsync(DatabaseProvider.Sqlite, postgres, configure: s => s.AddSingleton<IInfectedHostTracker>(tracker));
        await using var _ = host;
        var isp = await host.CreateOrgAsync(Builders.Org("ISP Two", Musubi.Core.Constituency.OrganisationKind.Isp, null, (Musubi.Core.Constituency.NetworkKind.Cidr, "192.0.2.0/24")));
        await host.Run(sp => sp.GetRequiredService<FeedConfigService>().CreateRecipientAsync(host.Admin, new FeedRecipientInput("isp-two", isp.Id, "abuse@two.example.jp", "en", 60, true), None));
        await host.Run(sp => sp.GetRequiredService<FeedConfigService>().CreateSourceAsync(host.Admin, new FeedSourceInput("ss", "shadowserver", null, null, null, null), None));
        await host.Run(sp => sp.GetRequiredService<FeedIntake>().SubmitAsync(host.Admin, "ss", "scan_smb.csv", FeedWorld.ScanSmb(host.Time.GetUtcNow(), "192.0.2.1"), None));
        var runner = host.Services.GetRequiredService<FeedPipelineRunner>();
        await runner.ProcessQueuedAsync(10, TimeSpan.Zero, None);
        host.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal((1, 0), await runner.CloseAndDeliverAsync(None));
        Assert.Equal(FeedReportStates.Pending, (await host.Run(sp => sp.GetRequiredService<FeedReportService>().ListAsync(host.Admin, null, 10, None)))[0].State);
        Assert.Single(tracker.Recorded);
    }

    [Fact]
    public async Task The_pipeline_runs_on_nats_jetstream()
    {
        var url = await nats.GetUrlAsync(TestContext.Current.CancellationToken);
        var id = Guid.NewGuid().ToString("N")[..8];
        var queueOptions = new QueueOptions { Provider = "nats", NatsUrl = url, StreamName = "F" + id, StreamSubjectPrefix = "f" + id, NatsLease = TimeSpan.FromSeconds(2) };
        var w = await FeedWorld.StartAsync(DatabaseProvider.Sqlite, postgres, s =>
        {
            s.AddSingleton(queueOptions);
            s.AddSingleton<IWorkQueue>(new NatsWorkQueue(queueOptions));
        });
        await using var _ = w.Host;
        Assert.IsType<NatsWorkQueue>(w.Host.Services.GetRequiredService<IWorkQueue>());
        await w.SubmitAsync(FeedWorld.ScanSmb(w.Host.Time.GetUtcNow(), "192.0.2.50", "192.0.2.51"));
        await w.SubmitAsync(FeedWorld.ScanSmb(w.Host.Time.GetUtcNow(), "192.0.2.51", "192.0.2.52"));
        var processed = 0;
        for (var i = 0; i < 10 && processed < 2; i++)
        {
            processed += await w.ProcessAsync(TimeSpan.FromSeconds(2));
        }

        Assert.Equal(2, processed);
        w.Host.Time.Advance(TimeSpan.FromHours(1));
        await w.CloseAndDeliverAsync();
        Assert.Equal(["192.0.2.50", "192.0.2.51", "192.0.2.52"], Assert.Single(w.Sender.Sent).Rows.Select(r => r.SourceIp).Order());
        Assert.Equal(0, await w.ProcessAsync(TimeSpan.FromSeconds(3))); // both acknowledged: nothing comes back
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Rules_inhibitions_and_the_imported_prefix_table_route_events(DatabaseProvider provider)
    {
        var w = await FeedWorld.StartAsync(provider, postgres);
        await using var _ = w.Host;
        var cert = await w.Config(c => c.CreateRecipientAsync(w.Host.Admin, new FeedRecipientInput("national-cert", null, "cert@example.jp", "en", 3600, true), None));
        // 198.51.100.0/24 is announced by AS64500, which the ISP holds: routed to the ISP by origin ASN.
        var table = await w.Config(c => c.ImportPrefixTableAsync(w.Host.Admin, "pyasn", "ipasn.dat", "; pyasn\n198.51.100.0/24\t64500\n203.0.113.0/24\t64501\n"u8.ToArray(), None));
        Assert.Equal(2, table.Prefixes);
        await w.Config(c => c.CreateRuleAsync(w.Host.Admin, new FeedRuleInput(0, null, 64501, null, null, null, cert.Id, false, "AS64501 to the CERT"), None));
        await w.Config(c => c.CreateRuleAsync(w.Host.Admin, new FeedRuleInput(1, w.Isp, null, "vulnerable", null, null, null, true, "the ISP asked for no vulnerable"), None));

        var file = await w.SubmitAsync(FeedWorld.ScanSmb(w.Host.Time.GetUtcNow(), "198.51.100.7", "203.0.113.9", "192.0.2.60"));
        await w.ProcessAsync();
        Assert.Equal(2, (await w.FileAsync(file.Id)).Routed);
        w.Host.Time.Advance(TimeSpan.FromHours(1));
        await w.CloseAndDeliverAsync();
        var byRecipient = w.Sender.Sent.ToDictionary(r => r.RecipientId, r => r.Rows.Select(x => x.SourceIp).Single());
        Assert.Equal("203.0.113.9", byRecipient[cert.Id.ToString()]);
        Assert.Equal(64501u, w.Sender.Sent.Single(r => r.RecipientId == cert.Id.ToString()).Rows[0].SourceAsn);
        // The inhibition names the ISP as owner: 192.0.2.60 (its prefix) is dropped; 198.51.100.7 is not its prefix, only its ASN.
        Assert.Equal("198.51.100.7", byRecipient[w.Recipient.Id.ToString()]);
    }

    [Fact]
    public async Task Configuration_is_refused_to_outsiders_and_validated_and_audited()
    {
        var w = await FeedWorld.StartAsync(DatabaseProvider.Sqlite, postgres);
        await using var _ = w.Host;
        var analyst = await w.Host.CreateUserAsync(w.Isp, Role.OrgAdmin);
        await Assert.ThrowsAsync<ForbiddenException>(() => w.Config(c => c.ListSourcesAsync(analyst, None)));
        await Assert.ThrowsAsync<ForbiddenException>(() => w.Config(c => c.CreateRecipientAsync(analyst, new FeedRecipientInput("x", null, "x@example.jp", "en", 60, true), None)));
        await Assert.ThrowsAsync<ForbiddenException>(() => w.Host.Run(sp => sp.GetRequiredService<FeedIntake>().SubmitAsync(analyst, "shadowserver", "a.csv", [1], None)));
        await Assert.ThrowsAsync<ForbiddenException>(() => w.Host.Run(sp => sp.GetRequiredService<FeedReportService>().ListAsync(analyst, null, 10, None)));
        var tokenWithoutWrite = w.Host.Admin with { Scopes = new HashSet<string> { Scopes.ConstituencyRead } };
        await Assert.ThrowsAsync<ForbiddenException>(() => w.Config(c => c.ListRulesAsync(tokenWithoutWrite, None)));

        var bad = await Assert.ThrowsAsync<ValidationFailedException>(() => w.Config(c => c.CreateSourceAsync(w.Host.Admin,
            new FeedSourceInput("bad name!", "nonsense", "http", "ftp://x", 0, true), None)));
        Assert.Equal(["intervalSeconds", "location", "name", "type"], bad.Errors.Keys.Order());
        var table = await Assert.ThrowsAsync<ValidationFailedException>(() => w.Config(c => c.ImportPrefixTableAsync(w.Host.Admin, "pyasn", "ipasn.dat",
            "198.51.100.0/24\t64500\nnot a line\n"u8.ToArray(), None)));
        Assert.Equal("ipasn.dat:2: expected 'prefix<TAB>asn'", Assert.Single(table.Errors["file"]));
        await Assert.ThrowsAsync<ConflictException>(() => w.Config(c => c.CreateSourceAsync(w.Host.Admin, new FeedSourceInput("shadowserver", null, null, null, null, null), None)));
        var settings = await w.Config(c => c.UpdateSettingsAsync(w.Host.Admin, new FeedSettingsDto(["SourceAddress", "Type"], 600), None));
        Assert.Equal(["SourceAddress", "Type"], settings.DedupKey);
        await Assert.ThrowsAsync<ValidationFailedException>(() => w.Config(c => c.UpdateSettingsAsync(w.Host.Admin, new FeedSettingsDto(["Nope"], 600), None)));

        var actions = await w.Host.Run(async sp => await sp.GetRequiredService<MusubiDbContext>().AuditEntries.Where(a => a.Action.StartsWith("feed-")).Select(a => a.Action).ToListAsync());
        Assert.Equal(["feed-recipient.create", "feed-settings.update", "feed-source.create"], actions.Distinct().Order());
    }

    [Fact]
    public async Task An_oversized_file_is_refused_before_anything_is_stored()
    {
        var w = await FeedWorld.StartAsync(DatabaseProvider.Sqlite, postgres, options: new FeedOptions { MaxFileBytes = 100 });
        await using var _ = w.Host;
        await Assert.ThrowsAsync<PayloadTooLargeException>(() => w.SubmitAsync(new byte[101]));
        await Assert.ThrowsAsync<NotFoundException>(() => w.SubmitAsync([1], source: "nope"));
        await w.Host.Run(async sp => Assert.Equal(0, await sp.GetRequiredService<MusubiDbContext>().Set<FeedFileEntity>().CountAsync()));
        Assert.Equal(0, await w.ProcessAsync());
    }
}
