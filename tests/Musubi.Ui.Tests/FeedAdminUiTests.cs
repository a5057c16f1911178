using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Feeds;
using Musubi.Infrastructure.Identity;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Musubi.Ui.Tests;

/// <summary>
/// Feed administration (/feeds): a platform administrator adds a drop-folder source, runs it now and uploads a file;
/// a national SOC analyst adds a recipient, a rule and an inhibition; held reports are released and marked sent.
/// Analysts and administrators of other organisations and read-only users are refused every page and every form.
/// </summary>
public sealed class FeedAdminUiTests(UiApp app) : IClassFixture<UiApp>
{
    private const string Password = "feed-admin-ui-passphrase";

    private static readonly string[] Pages = ["/feeds", "/feeds/routing", "/feeds/settings", "/feeds/reports"];

    [Fact]
    public async Task An_administrator_adds_a_folder_source_runs_it_now_uploads_a_file_and_sees_mapping_errors_by_the_field()
    {
        var admin = await app.CreateUserAsync("feed.admin." + Guid.NewGuid().ToString("N")[..6], Role.PlatformAdmin, Password);
        var folder = Directory.CreateTempSubdirectory("musubi-ui-drop-").FullName;
        var name = "drop-" + Guid.NewGuid().ToString("N")[..8];
        var page = await app.NewPageAsync();
        try
        {
            await UiApp.RunAsync(page, async () =>
            {
                await UiApp.SignInAsync(page, admin.UserName, Password);
                await page.ClickAsync("nav.mainnav a[href='/feeds']");
                await UiApp.WaitForPathAsync(page, "/feeds");

                // A generic-csv mapping naming a field that does not exist: the service's error, next to the options field.
                await page.FillAsync("#source-name", name + "-csv");
                await page.SelectOptionAsync("#source-type", "generic-csv");
                await page.FillAsync("#source-options", """{"columns":{"ip":"source.nonsense"},"constants":{"classification.taxonomy":"other","classification.type":"blacklist"}}""");
                await page.ClickAsync("#create-source");
                await Expect(page.Locator(".field-error[data-field='options']")).ToContainTextAsync("options.columns.ip");
                await Expect(page.Locator($"#source-table tr[data-name='{name}-csv']")).ToHaveCountAsync(0);

                await page.FillAsync("#source-name", name);
                await page.SelectOptionAsync("#source-collector", "folder");
                await page.SelectOptionAsync("#source-type", "spamhaus-drop");
                await page.FillAsync("#source-location", folder);
                await page.FillAsync("#source-options", "");
                await page.ClickAsync("#create-source");
                await Expect(page.Locator("#notice")).ToContainTextAsync("The feed source was added.");
                await Expect(page.Locator("#source-title")).ToHaveTextAsync(name);

                // Run now: the folder's file is accepted (by this run, or by the scheduler's tick just before it).
                await File.WriteAllTextAsync(Path.Combine(folder, "drop.txt"), "; Spamhaus DROP\n192.0.2.0/24 ; SBL1\n");
                await page.ClickAsync("#run-now");
                await Expect(page.Locator("#notice")).ToContainTextAsync($"Ran {name}:");
                await Expect(page.Locator("#file-table tr[data-file='drop.txt']")).ToHaveCountAsync(1);
                Assert.True(File.Exists(Path.Combine(folder, "processed", "drop.txt")));

                // Upload from the page: the same intake as the API.
                await page.SetInputFilesAsync("#source-file", new FilePayload
                {
                    Name = "uploaded-drop.txt", MimeType = "text/plain", Buffer = Encoding.UTF8.GetBytes("198.51.100.0/24 ; SBL2\n"),
                });
                await page.ClickAsync("#upload-file");
                await Expect(page.Locator("#notice")).ToContainTextAsync("The file was accepted and queued.");
                await Expect(page.Locator("#file-table tr[data-file='uploaded-drop.txt']")).ToHaveCountAsync(1);

                await page.ClickAsync("p.crumbs a[href='/feeds']");
                await Expect(page.Locator($"#source-table tr[data-name='{name}']")).ToHaveCountAsync(1);
                await Expect(page.Locator("#source-chart")).ToContainTextAsync(name);

                // The list's own run-now button.
                await page.Locator($"#source-table tr[data-name='{name}'] button[name='RunSource']").ClickAsync();
                await Expect(page.Locator("#notice")).ToContainTextAsync($"Ran {name}: 0 files accepted.");

                await page.ClickAsync("#lang-ja");
                await Expect(page.Locator("h1")).ToHaveTextAsync("フィードソース");
            });
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        await using var scope = app.Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusubiDbContext>();
        var source = await db.Set<FeedSourceEntity>().SingleAsync(s => s.Name == name);
        Assert.Equal(2, await db.Set<FeedFileEntity>().CountAsync(f => f.SourceId == source.Id));
        Assert.False(await db.Set<FeedSourceEntity>().AnyAsync(s => s.Name == name + "-csv"));
    }

    [Fact]
    public async Task A_national_soc_analyst_adds_a_recipient_a_rule_and_an_inhibition()
    {
        // An analyst of the national centre: the national SOC, allowed as over the API.
        var analyst = await app.CreateUserAsync("feed.soc." + Guid.NewGuid().ToString("N")[..6], Role.Analyst, Password);
        var recipient = "isp-abuse-" + Guid.NewGuid().ToString("N")[..8];
        var page = await app.NewPageAsync();
        await UiApp.RunAsync(page, async () =>
        {
            await UiApp.SignInAsync(page, analyst.UserName, Password);
            await page.ClickAsync("nav.mainnav a[href='/feeds']");
            await page.ClickAsync("#feed-nav a[href='/feeds/routing']");

            // Bad input first: every reason next to its field.
            await page.FillAsync("#recipient-name", recipient);
            await page.FillAsync("#recipient-email", "abuse@isp.example.jp");
            await page.FillAsync("#recipient-interval", "0");
            await page.ClickAsync("#create-recipient");
            await Expect(page.Locator(".field-error[data-field='intervalSeconds']")).ToBeVisibleAsync();

            await page.FillAsync("#recipient-name", recipient);
            await page.FillAsync("#recipient-email", "abuse@isp.example.jp");
            await page.FillAsync("#recipient-interval", "3600");
            await page.ClickAsync("#create-recipient");
            await Expect(page.Locator("#notice")).ToContainTextAsync("The recipient was added.");
            await Expect(page.Locator($"#recipient-table tr[data-name='{recipient}']")).ToContainTextAsync("abuse@isp.example.jp");

            await page.FillAsync("#rule-asn", "AS64500");
            await page.FillAsync("#rule-comment", "ISP by ASN " + recipient);
            await page.SelectOptionAsync("#rule-target", new SelectOptionValue { Label = $"to {recipient}" });
            await page.ClickAsync("#create-rule");
            await Expect(page.Locator("#notice")).ToContainTextAsync("The rule was added.");
            var rule = page.Locator("#rule-table tr", new() { HasText = "ISP by ASN " + recipient });
            await Expect(rule).ToContainTextAsync("AS64500");
            await Expect(rule.Locator(".rule-target")).ToHaveTextAsync($"to {recipient}");

            await page.FillAsync("#rule-taxonomy", "vulnerable");
            await page.FillAsync("#rule-comment", "no vulnerable " + recipient);
            await page.SelectOptionAsync("#rule-target", "inhibit");
            await page.ClickAsync("#create-rule");
            var inhibition = page.Locator("#rule-table tr", new() { HasText = "no vulnerable " + recipient });
            await Expect(inhibition.Locator(".rule-target")).ToHaveTextAsync("drop (inhibition)");

            // A rule without any condition is refused, with the service's reason.
            await page.SelectOptionAsync("#rule-target", "inhibit");
            await page.ClickAsync("#create-rule");
            await Expect(page.Locator("#rule-error")).ToContainTextAsync("at least one condition");

            await inhibition.Locator("button[name='DeleteRule']").ClickAsync();
            await Expect(page.Locator("#notice")).ToContainTextAsync("The rule was deleted.");
            await Expect(page.Locator("#rule-table tr", new() { HasText = "no vulnerable " + recipient })).ToHaveCountAsync(0);

            // Edit the recipient on its page.
            await page.ClickAsync($"#recipient-table tr[data-name='{recipient}'] a");
            await Expect(page.Locator("#recipient-title")).ToHaveTextAsync(recipient);
            await page.SelectOptionAsync("#recipient-language", "en");
            await page.ClickAsync("#save-recipient");
            await Expect(page.Locator("#notice")).ToContainTextAsync("The recipient was saved.");
        });

        await using var scope = app.Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusubiDbContext>();
        var saved = await db.Set<FeedRecipientEntity>().SingleAsync(r => r.Name == recipient);
        Assert.Equal(("en", 3600), (saved.Language, saved.IntervalSeconds));
        var rules = await db.Set<FeedRuleEntity>().Where(r => r.RecipientId == saved.Id).ToListAsync();
        Assert.Equal(64500, Assert.Single(rules).Asn);
        var audit = await db.Set<AuditEntryEntity>().CountAsync(a => a.Action == "feed-rule.delete");
        Assert.True(audit >= 1);
    }

    [Fact]
    public async Task Settings_save_the_de_duplication_key_and_import_a_prefix_table_refusing_a_bad_line()
    {
        var admin = await app.CreateUserAsync("feed.cfg." + Guid.NewGuid().ToString("N")[..6], Role.PlatformAdmin, Password);
        var page = await app.NewPageAsync();
        await UiApp.RunAsync(page, async () =>
        {
            await UiApp.SignInAsync(page, admin.UserName, Password);
            await page.GotoAsync("/feeds/settings");

            // No key field at all: refused with the service's reason.
            foreach (var box in await page.Locator("input.dedup-field").AllAsync())
            {
                await box.UncheckAsync();
            }

            await page.ClickAsync("#save-dedup");
            await Expect(page.Locator(".field-error[data-field='dedupKey']")).ToContainTextAsync("at least one field");

            foreach (var box in await page.Locator("input.dedup-field").AllAsync())
            {
                await box.UncheckAsync();
            }

            await page.CheckAsync("input.dedup-field[data-field='SourceAddress']");
            await page.CheckAsync("input.dedup-field[data-field='Type']");
            await page.FillAsync("#dedup-window", "3600");
            await page.ClickAsync("#save-dedup");
            await Expect(page.Locator("#notice")).ToContainTextAsync("The de-duplication settings were saved.");
            await Expect(page.Locator("input.dedup-field[data-field='Type']")).ToBeCheckedAsync();
            await Expect(page.Locator("input.dedup-field[data-field='FeedName']")).Not.ToBeCheckedAsync();

            // One bad line refuses the whole file, naming the file and the line.
            await page.SelectOptionAsync("#prefix-kind", "pyasn");
            await page.SetInputFilesAsync("#prefix-file", new FilePayload { Name = "ipasn.dat", MimeType = "text/plain", Buffer = Encoding.UTF8.GetBytes("192.0.2.0/24\t64500\n198.51.100.0/24 sixty\n") });
            await page.ClickAsync("#import-prefixes");
            await Expect(page.Locator(".field-error[data-field='file']")).ToContainTextAsync("ipasn.dat:2:");

            await page.SetInputFilesAsync("#prefix-file", new FilePayload { Name = "ipasn.dat", MimeType = "text/plain", Buffer = Encoding.UTF8.GetBytes("192.0.2.0/24\t64500\n198.51.100.0/24\t64501\n") });
            await page.ClickAsync("#import-prefixes");
            await Expect(page.Locator("#notice")).ToContainTextAsync("The prefix table was imported.");
            await Expect(page.Locator("#prefix-table-list tr[data-kind='pyasn'] .prefixes")).ToHaveTextAsync("2");
        });

        await using var scope = app.Server.Services.CreateAsyncScope();
        var settings = await scope.ServiceProvider.GetRequiredService<FeedConfigService>().GetSettingsAsync(Actor.System, CancellationToken.None);
        Assert.Equal(["SourceAddress", "Type"], settings.DedupKey);
        Assert.Equal(3600, settings.DedupWindowSeconds);
    }

    [Fact]
    public async Task Held_reports_are_released_and_marked_sent_from_their_page()
    {
        var admin = await app.CreateUserAsync("feed.ops." + Guid.NewGuid().ToString("N")[..6], Role.PlatformAdmin, Password);
        var (release, markSent) = (await HeldReportAsync(), await HeldReportAsync());
        var page = await app.NewPageAsync();
        await UiApp.RunAsync(page, async () =>
        {
            await UiApp.SignInAsync(page, admin.UserName, Password);
            await page.GotoAsync("/feeds/reports");
            await Expect(page.Locator("#report-chart")).ToBeVisibleAsync();
            await page.SelectOptionAsync("#report-state", "held");
            await page.ClickAsync("#report-show");
            await UiApp.WaitForPathAsync(page, "/feeds/reports", "state=held");
            await Expect(page.Locator($"#report-table tr[data-ticket='{release}']")).ToContainTextAsync("held");
            await page.ClickAsync($"#report-table a:text('{release}')");
            await Expect(page.Locator("#report-title")).ToHaveTextAsync(release);
            await Expect(page.Locator("#row-table")).ToContainTextAsync("192.0.2.44");
            await page.ClickAsync("#release-report");
            await Expect(page.Locator("#notice")).ToContainTextAsync("The report was released");
            await Expect(page.Locator("#report-state")).Not.ToHaveTextAsync("held");
            await Expect(page.Locator("#release-report")).ToHaveCountAsync(0);

            await page.GotoAsync("/feeds/reports?state=held");
            await page.ClickAsync($"#report-table a:text('{markSent}')");
            await page.ClickAsync("#mark-sent");
            await Expect(page.Locator("#notice")).ToContainTextAsync("The report was marked sent.");
            await Expect(page.Locator("#report-state")).ToHaveTextAsync("sent");
        });

        await using var scope = app.Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MusubiDbContext>();
        var actions = await db.Set<AuditEntryEntity>()
            .Where(a => a.EntityId == release || a.EntityId == markSent).Select(a => a.Action).ToListAsync();
        Assert.Contains("feed-report.release", actions);
        Assert.Contains("feed-report.sent", actions);
    }

    [Fact]
    public async Task Analysts_and_administrators_of_other_organisations_and_read_only_users_are_refused_every_page_and_form()
    {
        var other = await app.CreateOrganisationAsync(UiApp.Unique("Feed outsider org"));
        var outsiders = new[]
        {
            await UserOfAsync(other, Role.Analyst),
            await UserOfAsync(other, Role.OrgAdmin),
            (await app.CreateUserAsync("feed.reader." + Guid.NewGuid().ToString("N")[..6], Role.ReadOnly, Password)).UserName,
        };
        var report = await HeldReportAsync();
        Guid sourceId, recipientId, reportId;
        await using (var scope = app.Server.Services.CreateAsyncScope())
        {
            var config = scope.ServiceProvider.GetRequiredService<FeedConfigService>();
            sourceId = (await config.CreateSourceAsync(Actor.System, new FeedSourceInput("outsider-target-" + Guid.NewGuid().ToString("N")[..6], null, "upload", null, null, true), CancellationToken.None)).Id;
            recipientId = (await config.CreateRecipientAsync(Actor.System, new FeedRecipientInput("outsider-rcpt-" + Guid.NewGuid().ToString("N")[..6], null, "a@example.jp", "en", 3600, true), CancellationToken.None)).Id;
            reportId = await scope.ServiceProvider.GetRequiredService<MusubiDbContext>().Set<FeedReportEntity>().Where(r => r.Ticket == report).Select(r => r.Id).SingleAsync();
        }

        string[] pages = [.. Pages, $"/feeds/sources/{sourceId}", $"/feeds/recipients/{recipientId}", $"/feeds/reports/{reportId}"];
        (string Path, string Handler, Dictionary<string, string> Fields)[] posts =
        [
            ("/feeds", "source-create", new() { ["Source.Name"] = "outsider-made", ["Source.Collector"] = "upload" }),
            ("/feeds", "source-run", new() { ["RunSource"] = sourceId.ToString() }),
            ($"/feeds/sources/{sourceId}", "source-edit", new() { ["Source.Name"] = "outsider-renamed", ["Source.Collector"] = "upload" }),
            ($"/feeds/sources/{sourceId}", "source-delete", new() { ["DeleteMarker"] = "delete" }),
            ("/feeds/routing", "recipient-create", new() { ["Recipient.Name"] = "outsider-rcpt", ["Recipient.Email"] = "x@example.jp" }),
            ("/feeds/routing", "rule-create", new() { ["Rule.Asn"] = "64511", ["Rule.Target"] = "inhibit" }),
            ($"/feeds/recipients/{recipientId}", "recipient-delete", new() { ["DeleteMarker"] = "delete" }),
            ("/feeds/settings", "dedup", new() { ["Dedup.Key"] = "Type", ["Dedup.WindowSeconds"] = "1" }),
            ($"/feeds/reports/{reportId}", "report-resolve", new() { ["Decision"] = "sent" }),
        ];
        foreach (var outsider in outsiders)
        {
            var page = await app.NewPageAsync();
            await UiApp.RunAsync(page, async () =>
            {
                await UiApp.SignInAsync(page, outsider, Password);
                await Expect(page.Locator("nav.mainnav a[href='/feeds']")).ToHaveCountAsync(0);
                foreach (var path in pages)
                {
                    await page.GotoAsync(path);
                    await UiApp.WaitForPathAsync(page, "/denied");
                }

                // A valid antiforgery token of this user (from the sign-out form), so only the authorisation can refuse.
                var token = await page.Locator("input[name='__RequestVerificationToken']").First.GetAttributeAsync("value");
                foreach (var (path, handler, fields) in posts)
                {
                    var form = page.APIRequest.CreateFormData();
                    form.Set("__RequestVerificationToken", token!);
                    form.Set("_handler", handler);
                    foreach (var (key, value) in fields)
                    {
                        form.Set(key, value);
                    }

                    // Refused: sent to /denied, or (the page denied renders no form to post to) 400; never the form's effect.
                    var response = await page.APIRequest.PostAsync(path, new() { Form = form });
                    var refused = new Uri(response.Url).AbsolutePath == "/denied" || response.Status is 400 or 403;
                    Assert.True(refused, $"{outsider}: POST {path} ({handler}) ended at {response.Url} ({response.Status})");
                    Assert.DoesNotContain("id=\"notice\"", await response.TextAsync(), StringComparison.Ordinal);
                }
            });
        }

        await using var check = app.Server.Services.CreateAsyncScope();
        var db = check.ServiceProvider.GetRequiredService<MusubiDbContext>();
        Assert.False(await db.Set<FeedSourceEntity>().AnyAsync(s => s.Name == "outsider-made" || s.Name == "outsider-renamed"));
        Assert.True(await db.Set<FeedSourceEntity>().AnyAsync(s => s.Id == sourceId));
        Assert.True(await db.Set<FeedRecipientEntity>().AnyAsync(r => r.Id == recipientId));
        Assert.False(await db.Set<FeedRecipientEntity>().AnyAsync(r => r.Name == "outsider-rcpt"));
        Assert.False(await db.Set<FeedRuleEntity>().AnyAsync(r => r.Asn == 64511));
        Assert.Equal(FeedReportStates.Held, await db.Set<FeedReportEntity>().Where(r => r.Id == reportId).Select(r => r.State).SingleAsync());
        Assert.False(await db.Set<AuditEntryEntity>().AnyAsync(a => a.Action == "feed-source.run" && a.EntityId == sourceId.ToString()));
    }

    private async Task<string> UserOfAsync(Guid organisation, Role role)
    {
        var name = "feed.out." + Guid.NewGuid().ToString("N")[..8];
        await using var scope = app.Server.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<UserService>()
            .CreateAsync(Actor.System, new UserInput(name, null, null, organisation, role, Password), CancellationToken.None);
        return name;
    }

    /// <summary>A report the worker left held (as after a crash mid-send), with one row.</summary>
    private async Task<string> HeldReportAsync()
    {
        await using var scope = app.Server.Services.CreateAsyncScope();
        var config = scope.ServiceProvider.GetRequiredService<FeedConfigService>();
        var recipient = await config.CreateRecipientAsync(Actor.System,
            new FeedRecipientInput("held-" + Guid.NewGuid().ToString("N")[..8], null, "abuse@held.example.jp", "en", 3600, true), CancellationToken.None);
        var now = DateTimeOffset.UtcNow;
        var ticket = "MSB-UI-" + Guid.NewGuid().ToString("N")[..10].ToUpperInvariant();
        var row = new FeedReportRow(now.AddMinutes(-30), "192.0.2.44", 445, 64500, null, "JP", "vulnerable", "vulnerable-service", null, "shadowserver-scan-smb", null);
        var db = scope.ServiceProvider.GetRequiredService<MusubiDbContext>();
        db.Add(new FeedReportEntity
        {
            Id = Guid.NewGuid(), Ticket = ticket, RecipientId = recipient.Id, From = now.AddHours(-1), To = now, RowCount = 1,
            Rows = FeedRowCodec.Pack([FeedRowCodec.Encode(row)]), CreatedAt = now, State = FeedReportStates.Held, Attempts = 1,
            SendingSince = now.AddMinutes(-20), LastError = "held: still sending after 00:10:00",
        });
        await db.SaveChangesAsync();
        return ticket;
    }
}
