using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Constituency;
using Musubi.Infrastructure.Data;
using Musubi.Testing;

namespace Musubi.Infrastructure.Tests;

public sealed class OrganisationServiceTests(PostgresServer postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Creating_an_organisation_stores_it_normalised_and_audits_before_and_after(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var input = new OrganisationInput("Tokyo Power Grid", "東京電力網", "TPG", OrganisationKind.CriticalInfrastructureOperator,
            "electric-power", "JP", null,
            [new ContactInput("Duty desk", ContactRole.Incident, "soc@tpg.example.jp", "+81 3-0000-0000", null)],
            [new NetworkInput(NetworkKind.Cidr, "198.51.100.0/24", null), new NetworkInput(NetworkKind.Asn, "as64500", null),
             new NetworkInput(NetworkKind.Domain, "TPG.Example.JP.", null)]);
        var created = await host.CreateOrgAsync(input);

        Assert.Equal(["198.51.100.0/24", "AS64500", "tpg.example.jp"], created.Networks.OrderBy(n => n.Kind).Select(n => n.Value));
        Assert.Contains(created.Communities, c => c.Slug == "sector-electric-power");
        await host.Run(async sp =>
        {
            var db = sp.GetRequiredService<MusubiDbContext>();
            var entry = await db.AuditEntries.SingleAsync(a => a.Action == "organisation.create" && a.EntityId == created.Id.ToString());
            Assert.Equal("admin", entry.ActorName);
            Assert.Null(entry.Before);
            Assert.Contains("Tokyo Power Grid", entry.After, StringComparison.Ordinal);
        });

        var updated = await host.Run(sp => sp.GetRequiredService<OrganisationService>().UpdateAsync(host.Admin, created.Id,
            input with { Description = "Operates the Kanto grid." }, None));
        Assert.Equal("Operates the Kanto grid.", updated.Description);
        await host.Run(async sp =>
        {
            var entry = await sp.GetRequiredService<MusubiDbContext>().AuditEntries.SingleAsync(a => a.Action == "organisation.update");
            Assert.DoesNotContain("Kanto", entry.Before, StringComparison.Ordinal);
            Assert.Contains("Kanto", entry.After, StringComparison.Ordinal);
        });
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Invalid_fields_are_all_reported_by_name_and_nothing_is_written(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var input = new OrganisationInput("", null, null, OrganisationKind.CriticalInfrastructureOperator, "space", "Japan", null,
            [new ContactInput("Desk", ContactRole.Abuse, "abuse.example.jp", null, null)],
            [new NetworkInput(NetworkKind.Cidr, "10.0.0.1/8", null)]);
        var ex = await Assert.ThrowsAsync<ValidationFailedException>(() => host.CreateOrgAsync(input));

        Assert.Equal(["contacts[0].email", "country", "name", "networks[0].value", "sectorId"], ex.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("@", ex.Errors["contacts[0].email"][0], StringComparison.Ordinal);
        Assert.Contains("10.0.0.0/8", ex.Errors["networks[0].value"][0], StringComparison.Ordinal);
        Assert.Contains("space", ex.Errors["sectorId"][0], StringComparison.Ordinal);
        await host.Run(async sp =>
        {
            var db = sp.GetRequiredService<MusubiDbContext>();
            Assert.Equal(1, await db.Organisations.CountAsync());
            Assert.Equal(0, await db.Networks.CountAsync());
        });
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_block_claimed_twice_is_a_conflict_naming_the_holder_but_nested_blocks_are_fine(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var isp = await host.CreateOrgAsync(Builders.Org("Example ISP", OrganisationKind.Isp, null, (NetworkKind.Cidr, "203.0.113.0/24")));
        var agency = await host.CreateOrgAsync(Builders.Org("Agency A"));
        var svc = (IServiceProvider sp) => sp.GetRequiredService<OrganisationService>();

        var conflict = await Assert.ThrowsAsync<ConflictException>(() => host.Run(sp =>
            svc(sp).AddNetworkAsync(host.Admin, agency.Id, new NetworkInput(NetworkKind.Cidr, "203.0.113.0/24", null), None)));
        Assert.Contains("Example ISP", conflict.Message, StringComparison.Ordinal);

        await host.Run(sp => svc(sp).AddNetworkAsync(host.Admin, agency.Id, new NetworkInput(NetworkKind.Cidr, "203.0.113.64/26", null), None));
        var inner = await host.Run(sp => sp.GetRequiredService<OwnershipDirectory>().LookupAsync(host.Admin, "203.0.113.70", None));
        var outer = await host.Run(sp => sp.GetRequiredService<OwnershipDirectory>().LookupAsync(host.Admin, "203.0.113.10", None));
        var none = await host.Run(sp => sp.GetRequiredService<OwnershipDirectory>().LookupAsync(host.Admin, "192.0.2.1", None));
        Assert.Equal(("Agency A", "203.0.113.64/26"), (inner.Owner?.Name, inner.MatchedBlock));
        Assert.Equal(isp.Id, outer.Owner?.Id);
        Assert.Null(none.Owner);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Ownership_lookup_answers_for_domains_by_longest_suffix_and_for_asns(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        await host.CreateOrgAsync(Builders.Org("Parent", OrganisationKind.Enterprise, null, (NetworkKind.Domain, "example.jp"), (NetworkKind.Asn, "64501")));
        await host.CreateOrgAsync(Builders.Org("Child", OrganisationKind.Enterprise, null, (NetworkKind.Domain, "mail.example.jp")));
        var dir = (IServiceProvider sp) => sp.GetRequiredService<OwnershipDirectory>();

        Assert.Equal("Child", (await host.Run(sp => dir(sp).LookupAsync(host.Admin, "smtp.mail.example.jp", None))).Owner?.Name);
        Assert.Equal("Parent", (await host.Run(sp => dir(sp).LookupAsync(host.Admin, "www.example.jp", None))).Owner?.Name);
        Assert.Null((await host.Run(sp => dir(sp).LookupAsync(host.Admin, "badexample.jp", None))).Owner);
        Assert.Equal("Parent", (await host.Run(sp => dir(sp).LookupAsync(host.Admin, "AS64501", None))).Owner?.Name);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task An_organisation_admin_edits_their_own_organisation_only(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var own = await host.CreateOrgAsync(Builders.Org("Own Agency"));
        var other = await host.CreateOrgAsync(Builders.Org("Other Agency"));
        var orgAdmin = await host.CreateUserAsync(own.Id, Role.OrgAdmin);
        var svc = (IServiceProvider sp) => sp.GetRequiredService<OrganisationService>();

        await host.Run(sp => svc(sp).AddContactAsync(orgAdmin, own.Id, new ContactInput("CSIRT", ContactRole.Incident, "csirt@own.example.jp", null, null), None));
        await Assert.ThrowsAsync<ForbiddenException>(() => host.Run(sp =>
            svc(sp).AddContactAsync(orgAdmin, other.Id, new ContactInput("X", ContactRole.Incident, "x@other.example.jp", null, null), None)));
        await Assert.ThrowsAsync<ForbiddenException>(() => host.Run(sp =>
            svc(sp).UpdateAsync(orgAdmin, own.Id, Builders.Org("Own Agency", OrganisationKind.Police), None)));
        await Assert.ThrowsAsync<ForbiddenException>(() => host.Run(sp => svc(sp).CreateAsync(orgAdmin, Builders.Org("New"), None)));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task The_directory_filters_by_text_kind_sector_and_community(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        await host.CreateOrgAsync(Builders.Org("Metro Water Works", OrganisationKind.CriticalInfrastructureOperator, "water") with { NameJa = "都市水道局" });
        await host.CreateOrgAsync(Builders.Org("Harbour Logistics", OrganisationKind.CriticalInfrastructureOperator, "logistics"));
        await host.CreateOrgAsync(Builders.Org("Ministry of Examples"));
        var list = (OrganisationQuery q) => host.Run(sp => sp.GetRequiredService<OrganisationService>().ListAsync(host.Admin, q, None));

        Assert.Equal(["Metro Water Works"], (await list(new OrganisationQuery(Search: "water"))).Items.Select(o => o.Name));
        Assert.Equal(["Metro Water Works"], (await list(new OrganisationQuery(Search: "水道"))).Items.Select(o => o.Name));
        Assert.Equal(2, (await list(new OrganisationQuery(Kind: OrganisationKind.CriticalInfrastructureOperator))).Total);
        Assert.Equal(["Harbour Logistics"], (await list(new OrganisationQuery(Sector: "logistics"))).Items.Select(o => o.Name));
        Assert.Equal(["Metro Water Works"], (await list(new OrganisationQuery(Community: "sector-water"))).Items.Select(o => o.Name));
        var paged = await list(new OrganisationQuery(PageSize: 2, Page: 2));
        Assert.Equal((4, 2), (paged.Total, paged.Items.Count));
        Assert.Empty((await list(new OrganisationQuery(PageSize: 2, Page: 3))).Items);
    }
}
