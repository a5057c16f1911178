using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Constituency;
using Musubi.Infrastructure.Identity;

namespace Musubi.Infrastructure.Tests;

internal static class Builders
{
    public static OrganisationInput Org(string name, OrganisationKind kind = OrganisationKind.MinistryAgency, string? sector = null,
        params (NetworkKind Kind, string Value)[] networks) =>
        new(name, null, null, kind, sector, "JP", null, Networks: networks.Select(n => new NetworkInput(n.Kind, n.Value, null)).ToList());

    public static Task<OrganisationDetail> CreateOrgAsync(this TestHost host, OrganisationInput input) =>
        host.Run(sp => sp.GetRequiredService<OrganisationService>().CreateAsync(host.Admin, input, CancellationToken.None));

    /// <summary>Creates a user with a password and returns them as an actor (as after sign-in).</summary>
    public static async Task<Actor> CreateUserAsync(this TestHost host, Guid organisationId, Role role, string? userName = null)
    {
        userName ??= role.ToString().ToLowerInvariant() + "-" + Guid.NewGuid().ToString("N")[..8];
        var password = role == Role.Service ? null : "a-long-enough-test-passphrase";
        var dto = await host.Run(sp => sp.GetRequiredService<UserService>().CreateAsync(host.Admin,
            new UserInput(userName, null, null, organisationId, role, password), CancellationToken.None));
        return new Actor(dto.Id, dto.UserName, organisationId, role);
    }
}
