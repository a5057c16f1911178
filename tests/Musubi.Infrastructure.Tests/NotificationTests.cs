using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Core.Incidents;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Incidents;
using Musubi.Infrastructure.Notifications;
using Musubi.Testing;

namespace Musubi.Infrastructure.Tests;

public sealed class NotificationTests(PostgresServer postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static IncidentInput Report(params Guid[] affected) =>
        new("Defaced portal", null, "intrusions/application-compromise", affected, AssetCriticality: 3);

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Assignment_and_escalation_notify_the_people_of_the_organisations_concerned(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var victim = await host.CreateOrgAsync(Builders.Org("Notified Victim"));
        var team = await host.CreateOrgAsync(Builders.Org("Notified Team", OrganisationKind.Csirt));
        var centre = await host.CreateUserAsync(host.Admin.OrganisationId, Role.Analyst);
        var victimAnalyst = await host.CreateUserAsync(victim.Id, Role.Analyst);
        var teamAnalyst = await host.CreateUserAsync(team.Id, Role.Analyst);
        var teamReader = await host.CreateUserAsync(team.Id, Role.ReadOnly);
        await host.CreateUserAsync(team.Id, Role.Service);
        var incidents = (IServiceProvider sp) => sp.GetRequiredService<IncidentService>();
        var notes = (IServiceProvider sp) => sp.GetRequiredService<NotificationService>();

        var incident = await host.Run(sp => incidents(sp).ReportAsync(centre, Report(victim.Id), None));
        await host.Run(sp => incidents(sp).AssignTeamAsync(centre, incident.Id, new TeamInput(team.Id, IncidentRole.MobileAssistanceTeam), None));
        var teamNotes = await host.Run(sp => notes(sp).ListAsync(teamAnalyst, false, None));
        var assigned = Assert.Single(teamNotes);
        Assert.Equal("assignment", assigned.Kind);
        Assert.Contains("mobile assistance team", assigned.Text);
        Assert.Single(await host.Run(sp => notes(sp).ListAsync(teamReader, false, None)));
        Assert.Empty(await host.Run(sp => notes(sp).ListAsync(victimAnalyst, false, None)));
        Assert.Equal(2, await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().Set<NotificationEntity>().CountAsync()));

        await host.Run(sp => incidents(sp).OverrideSeverityAsync(centre, incident.Id, new SeverityOverrideInput(Severity.Critical, "ministers affected"), None));
        var escalation = Assert.Single(await host.Run(sp => notes(sp).ListAsync(victimAnalyst, false, None)));
        Assert.Equal("escalation", escalation.Kind);
        Assert.Equal(2, (await host.Run(sp => notes(sp).ListAsync(teamAnalyst, true, None))).Count);
        await host.Run(sp => incidents(sp).OverrideSeverityAsync(centre, incident.Id, new SeverityOverrideInput(Severity.Low, "false alarm after all"), None));
        Assert.Single(await host.Run(sp => notes(sp).ListAsync(victimAnalyst, false, None)));

        await Assert.ThrowsAsync<NotFoundException>(() => host.Run(sp => notes(sp).MarkReadAsync(victimAnalyst, assigned.Id, None)));
        await host.Run(sp => notes(sp).MarkReadAsync(teamAnalyst, assigned.Id, None));
        Assert.Equal(1, await host.Run(sp => notes(sp).UnreadCountAsync(teamAnalyst, None)));
        await host.Run(sp => notes(sp).MarkReadAsync(teamAnalyst, null, None));
        Assert.Equal(0, await host.Run(sp => notes(sp).UnreadCountAsync(teamAnalyst, None)));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_deadline_notifies_once_when_near_and_once_when_missed(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var victim = await host.CreateOrgAsync(Builders.Org("Deadline Victim"));
        var victimAnalyst = await host.CreateUserAsync(victim.Id, Role.Analyst);
        var incident = await host.Run(sp => sp.GetRequiredService<IncidentService>().ReportAsync(victimAnalyst, Report(), None));
        Assert.Equal(Severity.Low, incident.Severity); // score 19: 72 h to triage
        var check = () => host.Run(sp => sp.GetRequiredService<DeadlineMonitor>().CheckAsync(None));
        var mine = () => host.Run(sp => sp.GetRequiredService<NotificationService>().ListAsync(victimAnalyst, false, None));

        Assert.Equal(0, await check());
        host.Time.Advance(TimeSpan.FromHours(53));
        Assert.Equal(0, await check());
        host.Time.Advance(TimeSpan.FromHours(1)); // 18 of 72 hours left: a quarter
        Assert.True(await check() > 0);
        Assert.Equal(0, await check());
        Assert.Equal(["deadline-near"], (await mine()).Select(n => n.Kind));
        host.Time.Advance(TimeSpan.FromHours(19));
        await check();
        await check();
        Assert.Equal(["deadline-missed", "deadline-near"], (await mine()).Select(n => n.Kind));
        Assert.Contains("triaged", (await mine())[0].Text);
    }

    [Fact]
    public async Task Notifications_are_mailed_in_both_languages_through_a_real_smtp_server()
    {
        await using var smtp = SmtpSink.Start();
        var options = new SmtpOptions { Host = "127.0.0.1", Port = smtp.Port, Security = "none", From = "musubi@ncc.example.jp", PublicUrl = "https://musubi.example.jp" };
        await using var host = await TestHost.StartAsync(DatabaseProvider.Sqlite, postgres, configure: s => s.AddSingleton(options));
        var team = await host.CreateOrgAsync(Builders.Org("Mailed Team", OrganisationKind.Csirt));
        var centre = await host.CreateUserAsync(host.Admin.OrganisationId, Role.Analyst);
        var member = await host.Run(sp => sp.GetRequiredService<Identity.UserService>().CreateAsync(host.Admin,
            new Identity.UserInput("mailed-analyst", "Mailed Analyst", "analyst@team.example.jp", team.Id, Role.Analyst, "a-long-enough-test-passphrase"), None));
        var incident = await host.Run(sp => sp.GetRequiredService<IncidentService>().ReportAsync(centre, Report(host.Admin.OrganisationId), None));
        await host.Run(sp => sp.GetRequiredService<IncidentService>().AssignTeamAsync(centre, incident.Id, new TeamInput(team.Id, IncidentRole.Vendor), None));

        Assert.Equal(1, await host.Run(sp => sp.GetRequiredService<NotificationMailer>().SendPendingAsync(None)));
        var message = Assert.Single(await smtp.WaitForAsync(1));
        Assert.Equal("analyst@team.example.jp", message.To.Mailboxes.Single().Address);
        Assert.StartsWith($"[Musubi] {incident.Reference}", message.Subject);
        Assert.Contains("Musubi からのお知らせです", message.TextBody);
        Assert.Contains($"https://musubi.example.jp/incidents/{incident.Id}", message.TextBody);
        Assert.Equal(0, await host.Run(sp => sp.GetRequiredService<NotificationMailer>().SendPendingAsync(None)));
        Assert.Single(smtp.Messages);
        var row = await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().Set<NotificationEntity>().SingleAsync(n => n.UserId == member.Id));
        Assert.Equal(EmailState.Sent, row.Email);
        var ledgered = await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().LedgerEntries.SingleAsync(e => e.Category == "notification"));
        Assert.Equal(team.Id, ledgered.OrganisationId);
        Assert.Contains("analyst@team.example.jp", System.Text.Encoding.UTF8.GetString(ledgered.Payload!));
    }

    [Fact]
    public async Task An_unreachable_smtp_server_leaves_the_mail_pending_and_gives_up_after_the_last_attempt()
    {
        var options = new SmtpOptions { Host = "127.0.0.1", Port = FreePort.Get(), Security = "none", MaxAttempts = 2 };
        await using var host = await TestHost.StartAsync(DatabaseProvider.Sqlite, postgres, configure: s => s.AddSingleton(options));
        var team = await host.CreateOrgAsync(Builders.Org("Unmailed Team", OrganisationKind.Csirt));
        var centre = await host.CreateUserAsync(host.Admin.OrganisationId, Role.Analyst);
        await host.Run(sp => sp.GetRequiredService<Identity.UserService>().CreateAsync(host.Admin,
            new Identity.UserInput("unmailed", null, "x@team.example.jp", team.Id, Role.Analyst, "a-long-enough-test-passphrase"), None));
        var incident = await host.Run(sp => sp.GetRequiredService<IncidentService>().ReportAsync(centre, Report(host.Admin.OrganisationId), None));
        await host.Run(sp => sp.GetRequiredService<IncidentService>().AssignTeamAsync(centre, incident.Id, new TeamInput(team.Id, IncidentRole.Vendor), None));
        var state = () => host.Run(sp => sp.GetRequiredService<MusubiDbContext>().Set<NotificationEntity>().Select(n => n.Email).SingleAsync());

        Assert.Equal(0, await host.Run(sp => sp.GetRequiredService<NotificationMailer>().SendPendingAsync(None)));
        Assert.Equal(EmailState.Pending, await state());
        await host.Run(sp => sp.GetRequiredService<NotificationMailer>().SendPendingAsync(None));
        Assert.Equal(EmailState.Failed, await state());
    }
}
