using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Identity;

public enum SignInStatus
{
    Success,
    /// <summary>Unknown user, wrong password or disabled account: one answer for all, so names cannot be probed.</summary>
    Failed,
    LockedOut,
    TotpRequired,
    TotpInvalid,
}

public sealed record SignInResult(
    SignInStatus Status, Actor? Actor = null, string? SecurityStamp = null, DateTimeOffset? LockedUntil = null, Guid? PendingUserId = null);

/// <summary>Password and TOTP sign-in with lockout after repeated failures. Every attempt is audited.</summary>
public sealed class SignInService(
    MusubiDbContext db, AuditTrail audit, TimeProvider time, PasswordHasher hasher, IDataProtectionProvider protection, IdentityOptions options)
{
    /// <summary>
    /// Checks the password and, when the user has two-factor on, the TOTP code. With a correct password and no code
    /// the answer is <see cref="SignInStatus.TotpRequired"/>; the caller asks for the code and calls again.
    /// </summary>
    public async Task<SignInResult> SignInAsync(string? userName, string? password, string? totpCode, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(userName) || string.IsNullOrEmpty(password) || password.Length > PasswordRules.MaxLength)
        {
            return new SignInResult(SignInStatus.Failed);
        }

        var normalised = UserService.Normalise(userName);
        var user = await db.Users.FirstOrDefaultAsync(u => u.NormalisedUserName == normalised, ct);
        var now = time.GetUtcNow();
        if (user is null || user.PasswordHash is null)
        {
            hasher.Waste(password);
            return new SignInResult(SignInStatus.Failed);
        }

        var system = ActorFor(user);
        if (user.LockedUntil is { } until && until > now)
        {
            audit.Record(system, "user.sign-in-locked", "user", user.Id.ToString(), user.OrganisationId, null, null);
            await db.SaveChangesAsync(ct);
            return new SignInResult(SignInStatus.LockedOut, LockedUntil: until);
        }

        if (!hasher.Verify(password, user.PasswordHash) || user.Disabled)
        {
            await FailAsync(user, system, now, ct);
            return user.LockedUntil is { } l && l > now
                ? new SignInResult(SignInStatus.LockedOut, LockedUntil: l)
                : new SignInResult(SignInStatus.Failed);
        }

        if (user.TotpEnabled)
        {
            if (string.IsNullOrWhiteSpace(totpCode))
            {
                return new SignInResult(SignInStatus.TotpRequired, PendingUserId: user.Id, SecurityStamp: user.SecurityStamp);
            }

            if (!Totp.Verify(user, totpCode, protection, time))
            {
                await FailAsync(user, system, now, ct);
                return user.LockedUntil is { } l && l > now
                    ? new SignInResult(SignInStatus.LockedOut, LockedUntil: l)
                    : new SignInResult(SignInStatus.TotpInvalid);
            }
        }

        user.FailedSignIns = 0;
        user.LockedUntil = null;
        user.LastSignInAt = now;
        audit.Record(system, "user.sign-in", "user", user.Id.ToString(), user.OrganisationId, null, null);
        await db.SaveChangesAsync(ct);
        return new SignInResult(SignInStatus.Success, system, user.SecurityStamp);
    }

    /// <summary>
    /// The second step of a two-step sign-in: the password was right (the caller holds a short-lived, protected ticket
    /// naming the user and the security stamp at that moment), now the TOTP code.
    /// </summary>
    public async Task<SignInResult> CompleteTotpAsync(Guid userId, string? stamp, string? totpCode, CancellationToken ct)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userId, ct);
        var now = time.GetUtcNow();
        if (user is null || user.Disabled || !user.TotpEnabled || user.SecurityStamp != stamp)
        {
            return new SignInResult(SignInStatus.Failed);
        }

        var system = ActorFor(user);
        if (user.LockedUntil is { } until && until > now)
        {
            return new SignInResult(SignInStatus.LockedOut, LockedUntil: until);
        }

        if (!Totp.Verify(user, totpCode, protection, time))
        {
            await FailAsync(user, system, now, ct);
            return user.LockedUntil is { } l && l > now
                ? new SignInResult(SignInStatus.LockedOut, LockedUntil: l)
                : new SignInResult(SignInStatus.TotpInvalid, PendingUserId: user.Id, SecurityStamp: user.SecurityStamp);
        }

        user.FailedSignIns = 0;
        user.LastSignInAt = now;
        audit.Record(system, "user.sign-in", "user", user.Id.ToString(), user.OrganisationId, null, null);
        await db.SaveChangesAsync(ct);
        return new SignInResult(SignInStatus.Success, system, user.SecurityStamp);
    }

    /// <summary>Used on every cookie-authenticated request: the user still exists, is enabled and the stamp still holds.</summary>
    public async Task<Actor?> ValidateSessionAsync(Guid userId, string? stamp, CancellationToken ct)
    {
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, ct);
        return user is null || user.Disabled || user.SecurityStamp != stamp ? null : ActorFor(user);
    }

    private async Task FailAsync(UserEntity user, Actor system, DateTimeOffset now, CancellationToken ct)
    {
        user.FailedSignIns++;
        var action = "user.sign-in-failed";
        if (user.FailedSignIns >= options.LockoutThreshold)
        {
            user.LockedUntil = now + options.LockoutDuration;
            user.FailedSignIns = 0;
            action = "user.locked-out";
        }

        audit.Record(system, action, "user", user.Id.ToString(), user.OrganisationId, null, null);
        await db.SaveChangesAsync(ct);
    }

    internal static Actor ActorFor(UserEntity u, IReadOnlySet<string>? scopes = null) =>
        new(u.Id, u.UserName, u.OrganisationId, u.Role, scopes);
}
