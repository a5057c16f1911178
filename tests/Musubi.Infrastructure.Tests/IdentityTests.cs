using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Identity;
using Musubi.Testing;
using OtpNet;

namespace Musubi.Infrastructure.Tests;

public sealed class IdentityTests(PostgresServer postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Five_wrong_passwords_lock_the_account_until_the_lockout_ends(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var signIn = (string password) => host.Run(sp => sp.GetRequiredService<SignInService>().SignInAsync("admin", password, null, None));
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(SignInStatus.Failed, (await signIn("wrong-password-123")).Status);
        }

        Assert.Equal(SignInStatus.LockedOut, (await signIn("wrong-password-123")).Status);
        Assert.Equal(SignInStatus.LockedOut, (await signIn(TestHost.AdminPassword)).Status);
        host.Time.Advance(TimeSpan.FromMinutes(16));
        Assert.Equal(SignInStatus.Success, (await signIn(TestHost.AdminPassword)).Status);
        await host.Run(async sp =>
        {
            var actions = await sp.GetRequiredService<MusubiDbContext>().AuditEntries.Select(a => a.Action).ToListAsync();
            Assert.Equal(4, actions.Count(a => a == "user.sign-in-failed"));
            Assert.Contains("user.locked-out", actions);
            Assert.Contains("user.sign-in-locked", actions);
        });
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task With_totp_on_a_password_alone_is_not_enough_and_a_code_is_not_accepted_twice(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var users = (IServiceProvider sp) => sp.GetRequiredService<UserService>();
        var enrolment = await host.Run(sp => users(sp).BeginTotpAsync(host.Admin, None));
        var totp = new OtpNet.Totp(Base32Encoding.ToBytes(enrolment.Secret));
        Assert.StartsWith("otpauth://totp/Musubi%3Aadmin?secret=" + enrolment.Secret, enrolment.OtpAuthUri, StringComparison.Ordinal);

        await Assert.ThrowsAsync<ValidationFailedException>(() => host.Run(sp => users(sp).ConfirmTotpAsync(host.Admin, new TotpCode("000000"), None)));
        await host.Run(sp => users(sp).ConfirmTotpAsync(host.Admin, new TotpCode(totp.ComputeTotp(host.Time.GetUtcNow().UtcDateTime)), None));

        var signIn = (string? code) => host.Run(sp => sp.GetRequiredService<SignInService>().SignInAsync("admin", TestHost.AdminPassword, code, None));
        Assert.Equal(SignInStatus.TotpRequired, (await signIn(null)).Status);
        host.Time.Advance(TimeSpan.FromSeconds(30));
        var code = totp.ComputeTotp(host.Time.GetUtcNow().UtcDateTime);
        Assert.Equal(SignInStatus.Success, (await signIn(code)).Status);
        Assert.Equal(SignInStatus.TotpInvalid, (await signIn(code)).Status);
        Assert.Equal(SignInStatus.TotpInvalid, (await signIn("123456")).Status);
        await host.Run(async sp =>
        {
            var stored = await sp.GetRequiredService<MusubiDbContext>().Users.SingleAsync(u => u.UserName == "admin");
            Assert.DoesNotContain(enrolment.Secret, stored.TotpSecretProtected!, StringComparison.Ordinal);
        });
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_token_works_until_it_is_revoked_or_expires_and_only_its_hash_is_stored(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var tokens = (IServiceProvider sp) => sp.GetRequiredService<TokenService>();
        var created = await host.Run(sp => tokens(sp).CreateAsync(host.Admin,
            new TokenInput("sensor feed", [Scopes.ConstituencyRead], 30, null), None));
        var actor = await host.Run(sp => tokens(sp).AuthenticateAsync(created.Secret, None));
        Assert.Equal(host.Admin.UserId, actor?.UserId);
        Assert.True(actor!.HasScope(Scopes.ConstituencyRead));
        Assert.False(actor.HasScope(Scopes.ConstituencyWrite));
        await host.Run(async sp =>
        {
            var row = await sp.GetRequiredService<MusubiDbContext>().ApiTokens.SingleAsync(t => t.Id == created.Token.Id);
            Assert.NotEqual(created.Secret, row.SecretHash);
            Assert.DoesNotContain(created.Secret[12..], row.SecretHash + row.Prefix + row.Name, StringComparison.Ordinal);
        });

        var second = await host.Run(sp => tokens(sp).CreateAsync(host.Admin, new TokenInput("short", null, 1, null), None));
        host.Time.Advance(TimeSpan.FromDays(2));
        Assert.Null(await host.Run(sp => tokens(sp).AuthenticateAsync(second.Secret, None)));
        Assert.NotNull(await host.Run(sp => tokens(sp).AuthenticateAsync(created.Secret, None)));
        await host.Run(sp => tokens(sp).RevokeAsync(host.Admin, created.Token.Id, None));
        Assert.Null(await host.Run(sp => tokens(sp).AuthenticateAsync(created.Secret, None)));
        Assert.Null(await host.Run(sp => tokens(sp).AuthenticateAsync("msb_not-a-token", None)));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_token_never_carries_more_than_its_owners_role_and_disabling_the_user_kills_it(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var org = await host.CreateOrgAsync(Builders.Org("Agency T"));
        var analyst = await host.CreateUserAsync(org.Id, Role.Analyst);
        var tokens = (IServiceProvider sp) => sp.GetRequiredService<TokenService>();
        var ex = await Assert.ThrowsAsync<ValidationFailedException>(() => host.Run(sp =>
            tokens(sp).CreateAsync(analyst, new TokenInput("too much", [Scopes.UsersWrite], null, null), None)));
        Assert.Contains("scopes[0]", ex.Errors.Keys);

        var ok = await host.Run(sp => tokens(sp).CreateAsync(analyst, new TokenInput("read", null, null, null), None));
        Assert.Equal(AccessRules.GrantableScopes(Role.Analyst), ok.Token.Scopes);
        await host.Run(sp => sp.GetRequiredService<UserService>().UpdateAsync(host.Admin, analyst.UserId, new UserUpdate(null, null, null, true), None));
        Assert.Null(await host.Run(sp => tokens(sp).AuthenticateAsync(ok.Secret, None)));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task An_organisation_admin_manages_their_own_users_but_never_creates_platform_admins(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var own = await host.CreateOrgAsync(Builders.Org("Own Org"));
        var other = await host.CreateOrgAsync(Builders.Org("Other Org"));
        var orgAdmin = await host.CreateUserAsync(own.Id, Role.OrgAdmin);
        var users = (IServiceProvider sp) => sp.GetRequiredService<UserService>();
        UserInput New(Guid org, Role role) => new("u" + Guid.NewGuid().ToString("N")[..6], null, null, org, role, "another-long-password");

        var analyst = await host.Run(sp => users(sp).CreateAsync(orgAdmin, New(own.Id, Role.Analyst), None));
        await Assert.ThrowsAsync<ForbiddenException>(() => host.Run(sp => users(sp).CreateAsync(orgAdmin, New(own.Id, Role.PlatformAdmin), None)));
        await Assert.ThrowsAsync<ForbiddenException>(() => host.Run(sp => users(sp).CreateAsync(orgAdmin, New(other.Id, Role.Analyst), None)));
        await Assert.ThrowsAsync<ForbiddenException>(() => host.Run(sp =>
            users(sp).UpdateAsync(orgAdmin, analyst.Id, new UserUpdate(null, null, Role.PlatformAdmin, null), None)));
        Assert.Equal(new[] { analyst.Id, orgAdmin.UserId }.Order(), (await host.Run(sp => users(sp).ListAsync(orgAdmin, null, None))).Select(u => u.Id).Order());
        await Assert.ThrowsAsync<ForbiddenException>(() => host.Run(sp => users(sp).ListAsync(orgAdmin, other.Id, None)));
        var weak = await Assert.ThrowsAsync<ValidationFailedException>(() => host.Run(sp =>
            users(sp).CreateAsync(orgAdmin, New(own.Id, Role.Analyst) with { Password = "short" }, None)));
        Assert.Contains("password", weak.Errors.Keys);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Changing_a_password_invalidates_existing_sessions(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var first = await host.Run(sp => sp.GetRequiredService<SignInService>().SignInAsync("admin", TestHost.AdminPassword, null, None));
        Assert.NotNull(await host.Run(sp => sp.GetRequiredService<SignInService>().ValidateSessionAsync(host.Admin.UserId, first.SecurityStamp, None)));
        await host.Run(sp => sp.GetRequiredService<UserService>().ChangeOwnPasswordAsync(host.Admin,
            new PasswordChange(TestHost.AdminPassword, "an-entirely-new-passphrase"), None));
        Assert.Null(await host.Run(sp => sp.GetRequiredService<SignInService>().ValidateSessionAsync(host.Admin.UserId, first.SecurityStamp, None)));
    }
}
