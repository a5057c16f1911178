using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Identity;

namespace Musubi.Infrastructure.Setup;

public sealed record InitialiseResult(bool AdminCreated, string? GeneratedAdminPassword);

/// <summary>
/// Brings a database to the current schema and seeds what every installation starts with: the built-in sectors,
/// the four layers and the sector communities, the national centre, and the first administrator ("admin").
/// Safe to run on every start.
/// </summary>
public sealed class DatabaseInitialiser(MusubiDbContext db, AuditTrail audit, TimeProvider time, PasswordHasher hasher, InitialiseOptions options)
{
    public const string AdminUserName = "admin";

    public async Task<InitialiseResult> InitialiseAsync(CancellationToken ct)
    {
        await DataServiceCollectionExtensions.MigrateAsync(db, ct);
        var now = time.GetUtcNow();
        var sectors = await db.Sectors.Select(s => s.Id).ToListAsync(ct);
        foreach (var s in BuiltInSectors.All.Where(s => !sectors.Contains(s.Id)))
        {
            db.Sectors.Add(new SectorEntity { Id = s.Id, NameEn = s.NameEn, NameJa = s.NameJa, BuiltIn = true });
        }

        var communities = await db.Communities.Select(c => c.Slug).ToListAsync(ct);
        foreach (var c in BuiltInCommunities.All().Where(c => !communities.Contains(c.Slug)))
        {
            db.Communities.Add(new CommunityEntity
            {
                Id = Guid.NewGuid(), Slug = c.Slug, Kind = c.Kind, NameEn = c.NameEn, NameJa = c.NameJa, SectorId = c.SectorId,
                BuiltIn = true, CreatedAt = now,
            });
        }

        await db.SaveChangesAsync(ct);
        if (await db.Users.AnyAsync(ct))
        {
            return new InitialiseResult(false, null);
        }

        var centre = await db.Organisations.FirstOrDefaultAsync(o => o.Kind == OrganisationKind.NationalCentre, ct);
        if (centre is null)
        {
            centre = new OrganisationEntity
            {
                Id = Guid.NewGuid(), Name = options.NationalCentreName, NameJa = options.NationalCentreNameJa, ShortName = "NCC",
                Kind = OrganisationKind.NationalCentre, Country = options.Country, CreatedAt = now, UpdatedAt = now,
            };
            db.Organisations.Add(centre);
            foreach (var layer in await db.Communities.Where(c => c.Kind == CommunityKind.Layer).ToListAsync(ct))
            {
                db.Memberships.Add(new MembershipEntity { CommunityId = layer.Id, OrganisationId = centre.Id, JoinedAt = now });
            }

            audit.Record(Actor.System, "organisation.create", "organisation", centre.Id.ToString(), centre.Id, null,
                new { centre.Name, centre.Kind, centre.Country });
        }

        var generated = string.IsNullOrEmpty(options.AdminPassword) ? GeneratePassword() : null;
        var password = options.AdminPassword ?? generated!;
        var reason = PasswordRules.Check(password, AdminUserName);
        if (reason is not null)
        {
            throw new ValidationFailedException("MUSUBI_ADMIN_PASSWORD", reason);
        }

        var admin = new UserEntity
        {
            Id = Guid.NewGuid(), UserName = AdminUserName, NormalisedUserName = UserService.Normalise(AdminUserName),
            DisplayName = "Administrator", OrganisationId = centre.Id, Role = Role.PlatformAdmin,
            PasswordHash = hasher.Hash(password), CreatedAt = now, SecurityStamp = UserService.NewStamp(),
        };
        db.Users.Add(admin);
        audit.Record(Actor.System, "user.create", "user", admin.Id.ToString(), centre.Id, null,
            new { admin.UserName, admin.Role, PasswordSource = generated is null ? "MUSUBI_ADMIN_PASSWORD" : "generated" });
        await db.SaveChangesAsync(ct);
        return new InitialiseResult(true, generated);
    }

    /// <summary>20 characters from an alphabet without look-alikes: about 115 bits.</summary>
    private static string GeneratePassword()
    {
        const string alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        return string.Create(20, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
            }
        });
    }
}
