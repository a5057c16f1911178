using System.Net.Http.Json;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Constituency;
using Musubi.Infrastructure.Identity;
using Musubi.Testing;

namespace Musubi.Server.Tests;

public enum Who
{
    Anonymous,
    Admin,
    OrgAdminA,
    AnalystA,
    ReadOnlyA,
    ServiceA,
    /// <summary>An administrator — of another organisation.</summary>
    OrgAdminB,
    AnalystB,
}

/// <summary>
/// One server with two organisations (A and B) and a user of every role, each holding an API token with all the
/// scopes their role may have. Tests create their own targets, so they do not depend on each other.
/// </summary>
public sealed class Principals : IAsyncLifetime
{
    public const string UserPassword = "principal-user-passphrase";

    private readonly Dictionary<Who, HttpClient> _clients = [];
    private readonly Dictionary<Who, Guid> _userIds = [];

    public MusubiServer Server { get; private set; } = null!;
    public Guid OrgA { get; private set; }
    public Guid OrgB { get; private set; }

    public HttpClient this[Who who] => _clients[who];

    public Guid UserId(Who who) => _userIds[who];

    public static IEnumerable<Who> Everyone => Enum.GetValues<Who>();

    public async ValueTask InitializeAsync()
    {
        Server = await MusubiServer.StartAsync(DatabaseProvider.Sqlite);
        var admin = await Server.SignInAsync("admin", MusubiServer.AdminPassword);
        _clients[Who.Admin] = admin;
        _clients[Who.Anonymous] = Server.Anonymous();
        OrgA = (await CreateOrgAsync(admin, "Organisation A", "192.0.2.0/24")).Id;
        OrgB = (await CreateOrgAsync(admin, "Organisation B", "198.51.100.0/24")).Id;
        await AddUserAsync(admin, Who.OrgAdminA, OrgA, Role.OrgAdmin);
        await AddUserAsync(admin, Who.AnalystA, OrgA, Role.Analyst);
        await AddUserAsync(admin, Who.ReadOnlyA, OrgA, Role.ReadOnly);
        await AddUserAsync(admin, Who.OrgAdminB, OrgB, Role.OrgAdmin);
        await AddUserAsync(admin, Who.AnalystB, OrgB, Role.Analyst);
        var service = await MusubiServer.ReadAsync<UserDto>(await admin.PostAsJsonAsync("/api/v1/users",
            new UserInput("service-a", null, null, OrgA, Role.Service, null), Json));
        _userIds[Who.ServiceA] = service.Id;
        var token = await MusubiServer.ReadAsync<CreatedToken>(await admin.PostAsJsonAsync("/api/v1/tokens",
            new TokenInput("sensor", null, 30, service.Id), Json));
        _clients[Who.ServiceA] = Server.WithToken(token.Secret);
        _userIds[Who.Admin] = (await MusubiServer.ReadAsync<UserDto>(await admin.GetAsync("/api/v1/me"))).Id;
    }

    public static System.Text.Json.JsonSerializerOptions Json => Musubi.Infrastructure.MusubiJson.Options;

    public static async Task<OrganisationDetail> CreateOrgAsync(HttpClient admin, string name, string? cidr = null) =>
        await MusubiServer.ReadAsync<OrganisationDetail>(await admin.PostAsJsonAsync("/api/v1/organisations",
            new OrganisationInput(name, null, null, Musubi.Core.Constituency.OrganisationKind.MinistryAgency, null, "JP", null,
                Networks: cidr is null ? null : [new NetworkInput(Musubi.Core.Constituency.NetworkKind.Cidr, cidr, null)]), Json));

    private async Task AddUserAsync(HttpClient admin, Who who, Guid org, Role role)
    {
        var name = who.ToString().ToLowerInvariant();
        var user = await MusubiServer.ReadAsync<UserDto>(await admin.PostAsJsonAsync("/api/v1/users",
            new UserInput(name, null, null, org, role, UserPassword), Json));
        _userIds[who] = user.Id;
        _clients[who] = await Server.SignInAsync(name, UserPassword);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var c in _clients.Values)
        {
            c.Dispose();
        }

        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}
