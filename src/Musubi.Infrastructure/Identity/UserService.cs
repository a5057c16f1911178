using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Identity;
using Musubi.Core.Validation;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;
using OtpNet;

namespace Musubi.Infrastructure.Identity;

/// <summary>Users: creation, roles, passwords and TOTP enrolment. Checked against <see cref="AccessRules"/>, audited.</summary>
public sealed class UserService(
    MusubiDbContext db, AuditTrail audit, TimeProvider time, PasswordHasher hasher, IDataProtectionProvider protection, IdentityOptions options)
{
    internal const string TotpPurpose = "Musubi.Totp.v1";

    public async Task<IReadOnlyList<UserDto>> ListAsync(Actor actor, Guid? organisationId, CancellationToken ct)
    {
        var org = organisationId ?? (actor.IsPlatformAdmin ? null : actor.OrganisationId);
        if (org is { } o ? !AccessRules.CanReadUsers(actor, o) : !actor.IsPlatformAdmin || !actor.HasScope(Scopes.UsersRead))
        {
            throw new ForbiddenException("you may only list the users of an organisation you administer");
        }

        var query = db.Users.AsNoTracking();
        if (org is { } id)
        {
            query = query.Where(u => u.OrganisationId == id);
        }

        var users = await query.OrderBy(u => u.UserName).Take(10_000).ToListAsync(ct);
        return users.Select(ToDto).ToList();
    }

    public async Task<UserDto> GetAsync(Actor actor, Guid id, CancellationToken ct)
    {
        var user = await FindAsync(id, ct);
        if (user.Id != actor.UserId && !AccessRules.CanReadUsers(actor, user.OrganisationId))
        {
            throw new ForbiddenException("you may only read users of an organisation you administer");
        }

        return ToDto(user);
    }

    public async Task<UserDto> CreateAsync(Actor actor, UserInput input, CancellationToken ct)
    {
        var errors = new FieldErrors();
        errors.Check("userName", PasswordRules.UserName(input.UserName));
        errors.Check("displayName", FieldRules.OptionalText(input.DisplayName, FieldRules.MaxNameLength));
        if (!string.IsNullOrWhiteSpace(input.Email))
        {
            errors.Check("email", FieldRules.Email(input.Email));
        }

        if (input.OrganisationId is null)
        {
            errors.Add("organisationId", "is required");
        }

        if (input.Role is null)
        {
            errors.Add("role", "is required");
        }
        else if (input.Role == Role.Service)
        {
            if (input.Password is not null)
            {
                errors.Add("password", "service accounts sign in with API tokens only: leave the password out");
            }
        }
        else
        {
            errors.Check("password", PasswordRules.Check(input.Password, input.UserName));
        }

        errors.ThrowIfAny();
        if (!AccessRules.CanManageUser(actor, input.OrganisationId!.Value, input.Role!.Value))
        {
            throw new ForbiddenException("you may only create users in an organisation you administer, and never platform administrators unless you are one");
        }

        if (!await db.Organisations.AnyAsync(o => o.Id == input.OrganisationId, ct))
        {
            throw new ValidationFailedException("organisationId", "unknown organisation");
        }

        var normalised = Normalise(input.UserName!);
        if (await db.Users.AnyAsync(u => u.NormalisedUserName == normalised, ct))
        {
            throw new ConflictException($"the user name '{input.UserName}' is taken", "userName");
        }

        var user = new UserEntity
        {
            Id = Guid.NewGuid(),
            UserName = input.UserName!.Trim(),
            NormalisedUserName = normalised,
            DisplayName = Blank(input.DisplayName),
            Email = Blank(input.Email),
            OrganisationId = input.OrganisationId!.Value,
            Role = input.Role!.Value,
            PasswordHash = input.Password is null ? null : hasher.Hash(input.Password),
            CreatedAt = time.GetUtcNow(),
            SecurityStamp = NewStamp(),
        };
        db.Users.Add(user);
        var dto = ToDto(user);
        audit.Record(actor, "user.create", "user", user.Id.ToString(), user.OrganisationId, null, dto);
        await db.SaveChangesAsync(ct);
        return dto;
    }

    public async Task<UserDto> UpdateAsync(Actor actor, Guid id, UserUpdate input, CancellationToken ct)
    {
        var user = await FindAsync(id, ct);
        var newRole = input.Role ?? user.Role;
        if (!AccessRules.CanManageUser(actor, user.OrganisationId, user.Role) || !AccessRules.CanManageUser(actor, user.OrganisationId, newRole))
        {
            throw new ForbiddenException("you may only manage users of an organisation you administer");
        }

        var errors = new FieldErrors();
        errors.Check("displayName", FieldRules.OptionalText(input.DisplayName, FieldRules.MaxNameLength));
        if (!string.IsNullOrWhiteSpace(input.Email))
        {
            errors.Check("email", FieldRules.Email(input.Email));
        }

        if (user.Id == actor.UserId && (input.Disabled == true || newRole != user.Role))
        {
            errors.Add(input.Disabled == true ? "disabled" : "role", "you cannot disable yourself or change your own role");
        }

        if (newRole == Role.Service && user.PasswordHash is not null)
        {
            errors.Add("role", "a user with a password cannot become a service account");
        }

        errors.ThrowIfAny();
        var before = ToDto(user);
        if (input.DisplayName is not null)
        {
            user.DisplayName = Blank(input.DisplayName);
        }

        if (input.Email is not null)
        {
            user.Email = Blank(input.Email);
        }

        if (newRole != user.Role || (input.Disabled is { } d && d != user.Disabled))
        {
            user.SecurityStamp = NewStamp();
        }

        user.Role = newRole;
        user.Disabled = input.Disabled ?? user.Disabled;
        var dto = ToDto(user);
        audit.Record(actor, "user.update", "user", id.ToString(), user.OrganisationId, before, dto);
        await db.SaveChangesAsync(ct);
        return dto;
    }

    public async Task ResetPasswordAsync(Actor actor, Guid id, PasswordReset input, CancellationToken ct)
    {
        var user = await FindAsync(id, ct);
        if (!AccessRules.CanManageUser(actor, user.OrganisationId, user.Role))
        {
            throw new ForbiddenException("you may only manage users of an organisation you administer");
        }

        if (user.Role == Role.Service)
        {
            throw new ValidationFailedException("newPassword", "service accounts have no password");
        }

        var reason = PasswordRules.Check(input.NewPassword, user.UserName);
        if (reason is not null)
        {
            throw new ValidationFailedException("newPassword", reason);
        }

        user.PasswordHash = hasher.Hash(input.NewPassword!);
        user.FailedSignIns = 0;
        user.LockedUntil = null;
        user.SecurityStamp = NewStamp();
        audit.Record(actor, "user.password-reset", "user", id.ToString(), user.OrganisationId, null, null);
        await db.SaveChangesAsync(ct);
    }

    public async Task ChangeOwnPasswordAsync(Actor actor, PasswordChange input, CancellationToken ct)
    {
        var user = await FindAsync(actor.UserId, ct);
        if (user.PasswordHash is null || input.CurrentPassword is null || !hasher.Verify(input.CurrentPassword, user.PasswordHash))
        {
            throw new ValidationFailedException("currentPassword", "is not correct");
        }

        var reason = PasswordRules.Check(input.NewPassword, user.UserName);
        if (reason is not null)
        {
            throw new ValidationFailedException("newPassword", reason);
        }

        user.PasswordHash = hasher.Hash(input.NewPassword!);
        user.SecurityStamp = NewStamp();
        audit.Record(actor, "user.password-change", "user", user.Id.ToString(), user.OrganisationId, null, null);
        await db.SaveChangesAsync(ct);
    }

    public async Task UnlockAsync(Actor actor, Guid id, CancellationToken ct)
    {
        var user = await FindAsync(id, ct);
        if (!AccessRules.CanManageUser(actor, user.OrganisationId, user.Role))
        {
            throw new ForbiddenException("you may only manage users of an organisation you administer");
        }

        user.FailedSignIns = 0;
        user.LockedUntil = null;
        audit.Record(actor, "user.unlock", "user", id.ToString(), user.OrganisationId, null, null);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Starts (or restarts) TOTP enrolment for the caller; two-factor is on only after <see cref="ConfirmTotpAsync"/>.</summary>
    public async Task<TotpEnrolment> BeginTotpAsync(Actor actor, CancellationToken ct)
    {
        var user = await FindAsync(actor.UserId, ct);
        if (user.TotpEnabled)
        {
            throw new ConflictException("two-factor sign-in is already on: turn it off first to enrol a new device");
        }

        var key = RandomNumberGenerator.GetBytes(20);
        user.TotpSecretProtected = protection.CreateProtector(TotpPurpose).Protect(Convert.ToBase64String(key));
        audit.Record(actor, "user.totp-begin", "user", user.Id.ToString(), user.OrganisationId, null, null);
        await db.SaveChangesAsync(ct);
        var secret = Base32Encoding.ToString(key);
        var label = Uri.EscapeDataString(options.TotpIssuer + ":" + user.UserName);
        var uri = $"otpauth://totp/{label}?secret={secret}&issuer={Uri.EscapeDataString(options.TotpIssuer)}&algorithm=SHA1&digits=6&period=30";
        return new TotpEnrolment(secret, uri);
    }

    public async Task ConfirmTotpAsync(Actor actor, TotpCode input, CancellationToken ct)
    {
        var user = await FindAsync(actor.UserId, ct);
        if (user.TotpEnabled || user.TotpSecretProtected is null)
        {
            throw new ConflictException("no two-factor enrolment is in progress");
        }

        if (!Totp.Verify(user, input.Code, protection, time))
        {
            throw new ValidationFailedException("code", "is not the current code of the authenticator app");
        }

        user.TotpEnabled = true;
        user.SecurityStamp = NewStamp();
        audit.Record(actor, "user.totp-enable", "user", user.Id.ToString(), user.OrganisationId, null, null);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Turns TOTP off: the user themself, or an administrator of their organisation (lost device).</summary>
    public async Task DisableTotpAsync(Actor actor, Guid id, CancellationToken ct)
    {
        var user = await FindAsync(id, ct);
        if (user.Id != actor.UserId && !AccessRules.CanManageUser(actor, user.OrganisationId, user.Role))
        {
            throw new ForbiddenException("you may only manage users of an organisation you administer");
        }

        user.TotpEnabled = false;
        user.TotpSecretProtected = null;
        user.TotpLastStep = 0;
        user.SecurityStamp = NewStamp();
        audit.Record(actor, "user.totp-disable", "user", id.ToString(), user.OrganisationId, null, null);
        await db.SaveChangesAsync(ct);
    }

    private async Task<UserEntity> FindAsync(Guid id, CancellationToken ct) =>
        await db.Users.FirstOrDefaultAsync(u => u.Id == id, ct) ?? throw new NotFoundException("user", id.ToString());

    internal static string Normalise(string userName) => userName.Trim().ToUpperInvariant();

    internal static string NewStamp() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    internal UserDto ToDto(UserEntity u) => new(u.Id, u.UserName, u.DisplayName, u.Email, u.OrganisationId, u.Role, u.TotpEnabled,
        u.Disabled, u.LockedUntil is { } l && l > time.GetUtcNow(), u.CreatedAt, u.LastSignInAt);
}
