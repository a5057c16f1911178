using Musubi.Core.Identity;

namespace Musubi.Core.Tests.Identity;

/// <summary>Who may read and manage the ledger: every role × own/other/whole log × token scope, against a table written by hand.</summary>
public sealed class LedgerAccessRulesTests
{
    private static readonly Guid Own = Guid.NewGuid();
    private static readonly Guid Other = Guid.NewGuid();

    private static Actor Make(Role role, IReadOnlySet<string>? scopes = null) => new(Guid.NewGuid(), "u", Own, role, scopes);

    [Theory]
    [InlineData(Role.PlatformAdmin, true, true, true, true, true)]
    [InlineData(Role.OrgAdmin, true, true, false, false, false)]
    [InlineData(Role.Analyst, false, false, false, false, false)]
    [InlineData(Role.ReadOnly, false, false, false, false, false)]
    [InlineData(Role.Service, false, false, false, false, false)]
    public void The_ledger_is_read_by_administrators_within_their_reach_and_managed_by_platform_admins(
        Role role, bool read, bool own, bool other, bool whole, bool manage)
    {
        var actor = Make(role);
        Assert.Equal(read, AccessRules.CanReadLedger(actor));
        Assert.Equal(own, AccessRules.CanReadLedgerEntries(actor, Own));
        Assert.Equal(other, AccessRules.CanReadLedgerEntries(actor, Other));
        Assert.Equal(whole, AccessRules.CanReadLedgerEntries(actor, null));
        Assert.Equal(manage, AccessRules.CanManageLedger(actor));
    }

    [Theory]
    [InlineData(Role.PlatformAdmin)]
    [InlineData(Role.OrgAdmin)]
    public void A_token_reads_the_ledger_only_with_ledger_read_and_manages_it_only_with_ledger_admin(Role role)
    {
        var auditOnly = Make(role, new HashSet<string> { Scopes.AuditRead });
        Assert.False(AccessRules.CanReadLedger(auditOnly));
        Assert.False(AccessRules.CanReadLedgerEntries(auditOnly, Own));
        Assert.False(AccessRules.CanManageLedger(auditOnly));

        var reader = Make(role, new HashSet<string> { Scopes.LedgerRead });
        Assert.True(AccessRules.CanReadLedger(reader));
        Assert.True(AccessRules.CanReadLedgerEntries(reader, Own));
        Assert.False(AccessRules.CanManageLedger(reader));

        var admin = Make(role, new HashSet<string> { Scopes.LedgerAdmin });
        Assert.Equal(role == Role.PlatformAdmin, AccessRules.CanManageLedger(admin));
        Assert.False(AccessRules.CanReadLedger(admin));
    }
}
