using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Identity;
using Musubi.Core.Validation;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Identity;

/// <summary>
/// API tokens: 256 random bits shown once ("msb_..."), stored as SHA-256, scoped, expiring and revocable.
/// A token's scopes never exceed what its owner's role may grant.
/// </summary>
public sealed class TokenService(MusubiDbContext db, AuditTrail audit, TimeProvider time, IdentityOptions options)
{
    public const string TokenPrefix = "msb_";
    private const int MaxTokensPerUser = 100;

    public async Task<CreatedToken> CreateAsync(Actor actor, TokenInput input, CancellationToken ct)
    {
        var ownerId = input.UserId ?? actor.UserId;
        var owner = await db.Users.FirstOrDefaultAsync(u => u.Id == ownerId, ct) ?? throw new NotFoundException("user", ownerId.ToString());
        if (owner.Id != actor.UserId && !AccessRules.CanManageUser(actor, owner.OrganisationId, owner.Role))
        {
            throw new ForbiddenException("you may only create tokens for yourself or for users you administer");
        }

        if (owner.Id == actor.UserId && actor.Scopes is not null && !actor.HasScope(Scopes.UsersWrite))
        {
            throw new ForbiddenException("creating tokens with a token needs the users:write scope");
        }

        var errors = new FieldErrors();
        var name = input.Name?.Trim();
        var reason = FieldRules.RequiredText(name);
        if (reason is not null)
        {
            errors.Add("name", reason);
        }

        var grantable = AccessRules.GrantableScopes(owner.Role);
        var scopes = input.Scopes is { Count: > 0 } s ? s.Distinct(StringComparer.Ordinal).ToList() : [.. grantable];
        for (var i = 0; i < scopes.Count; i++)
        {
            if (!Scopes.IsKnown(scopes[i]))
            {
                errors.Add($"scopes[{i}]", $"unknown scope '{scopes[i]}' (known: {string.Join(", ", Scopes.All)})");
            }
            else if (!grantable.Contains(scopes[i]))
            {
                errors.Add($"scopes[{i}]", $"a user with role {owner.Role} cannot hold '{scopes[i]}'");
            }
        }

        var days = input.ExpiresInDays ?? options.DefaultTokenLifetimeDays;
        if (days < 1 || days > options.MaxTokenLifetimeDays)
        {
            errors.Add("expiresInDays", $"must be between 1 and {options.MaxTokenLifetimeDays}");
        }

        errors.ThrowIfAny();
        if (await db.ApiTokens.CountAsync(t => t.UserId == owner.Id && t.RevokedAt == null, ct) >= MaxTokensPerUser)
        {
            throw new ConflictException($"a user may hold at most {MaxTokensPerUser} active tokens: revoke some first");
        }

        var (entity, secret) = NewToken(owner.Id, name!, scopes, time.GetUtcNow(), TimeSpan.FromDays(days));
        db.ApiTokens.Add(entity);
        var dto = ToDto(entity);
        audit.Record(actor, "token.create", "api-token", entity.Id.ToString(), owner.OrganisationId, null, dto);
        await db.SaveChangesAsync(ct);
        return new CreatedToken(dto, secret);
    }

    /// <summary>A token for a user who just signed in over the API with password (and TOTP).</summary>
    public async Task<CreatedToken> IssueSignInTokenAsync(Actor actor, CancellationToken ct)
    {
        var (entity, secret) = NewToken(actor.UserId, "sign-in " + time.GetUtcNow().ToString("u", System.Globalization.CultureInfo.InvariantCulture),
            [.. AccessRules.GrantableScopes(actor.Role)], time.GetUtcNow(), options.SignInTokenLifetime);
        db.ApiTokens.Add(entity);
        var dto = ToDto(entity);
        audit.Record(actor, "token.create", "api-token", entity.Id.ToString(), actor.OrganisationId, null, dto);
        await db.SaveChangesAsync(ct);
        return new CreatedToken(dto, secret);
    }

    public async Task<IReadOnlyList<TokenDto>> ListAsync(Actor actor, Guid? userId, CancellationToken ct)
    {
        var ownerId = userId ?? actor.UserId;
        if (ownerId != actor.UserId)
        {
            var owner = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == ownerId, ct) ?? throw new NotFoundException("user", ownerId.ToString());
            if (!AccessRules.CanReadUsers(actor, owner.OrganisationId))
            {
                throw new ForbiddenException("you may only list tokens of users you administer");
            }
        }

        var tokens = await db.ApiTokens.AsNoTracking().Where(t => t.UserId == ownerId).ToListAsync(ct);
        return tokens.OrderByDescending(t => t.CreatedAt).Select(ToDto).ToList();
    }

    public async Task RevokeAsync(Actor actor, Guid tokenId, CancellationToken ct)
    {
        var token = await db.ApiTokens.Include(t => t.User).FirstOrDefaultAsync(t => t.Id == tokenId, ct)
            ?? throw new NotFoundException("token", tokenId.ToString());
        if (token.UserId != actor.UserId && !AccessRules.CanManageUser(actor, token.User!.OrganisationId, token.User.Role))
        {
            throw new ForbiddenException("you may only revoke your own tokens or those of users you administer");
        }

        if (token.RevokedAt is null)
        {
            token.RevokedAt = time.GetUtcNow();
            audit.Record(actor, "token.revoke", "api-token", tokenId.ToString(), token.User!.OrganisationId, null, ToDto(token));
            await db.SaveChangesAsync(ct);
        }
    }

    /// <summary>The actor a presented token stands for, or null when it is unknown, expired, revoked or its user disabled.</summary>
    public async Task<Actor?> AuthenticateAsync(string presented, CancellationToken ct)
    {
        if (!presented.StartsWith(TokenPrefix, StringComparison.Ordinal) || presented.Length > 128)
        {
            return null;
        }

        var hash = HashSecret(presented);
        var token = await db.ApiTokens.Include(t => t.User).FirstOrDefaultAsync(t => t.SecretHash == hash, ct);
        var now = time.GetUtcNow();
        if (token is null || token.RevokedAt is not null || token.ExpiresAt <= now || token.User is null || token.User.Disabled)
        {
            return null;
        }

        if (token.LastUsedAt is null || now - token.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            token.LastUsedAt = now;
            await db.SaveChangesAsync(ct);
        }

        var allowed = AccessRules.GrantableScopes(token.User.Role);
        var scopes = token.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(allowed.Contains).ToHashSet(StringComparer.Ordinal);
        return SignInService.ActorFor(token.User, scopes);
    }

    private static (ApiTokenEntity Entity, string Secret) NewToken(Guid userId, string name, IReadOnlyList<string> scopes, DateTimeOffset now, TimeSpan lifetime)
    {
        var secret = TokenPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var entity = new ApiTokenEntity
        {
            Id = Guid.NewGuid(),
            UserId = userId,
            Name = name,
            Prefix = secret[..12],
            SecretHash = HashSecret(secret),
            Scopes = string.Join(' ', scopes),
            CreatedAt = now,
            ExpiresAt = now + lifetime,
        };
        return (entity, secret);
    }

    internal static string HashSecret(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static TokenDto ToDto(ApiTokenEntity t) => new(t.Id, t.UserId, t.Name, t.Prefix,
        t.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries), t.CreatedAt, t.ExpiresAt, t.RevokedAt, t.LastUsedAt);
}
