using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Ledger;

/// <summary>
/// One leaf of the platform's ledger. <see cref="Index"/> and <see cref="LeafHash"/> commit in the same transaction
/// as the change they record (the index comes from <see cref="LedgerStateEntity.NextIndex"/>, so indices have no
/// gaps); the tiles are derived from these rows afterwards. Retention may delete <see cref="Payload"/>, never the
/// leaf hash.
/// </summary>
public sealed class LedgerEntryEntity
{
    public long Id { get; set; }

    /// <summary>The leaf index; -1 until the context assigns it while saving.</summary>
    public long Index { get; set; } = -1;

    public required string Category { get; set; }

    public Guid? OrganisationId { get; set; }

    public DateTimeOffset At { get; set; }

    /// <summary>SHA-256(0x00 ‖ payload), 32 bytes.</summary>
    public required byte[] LeafHash { get; set; }

    public byte[]? Payload { get; set; }

    public int PayloadLength { get; set; }

    public DateTimeOffset? PayloadRemovedAt { get; set; }

    public string? PayloadRemovedReason { get; set; }

    public long? AuditEntryId { get; set; }

    public AuditEntryEntity? AuditEntry { get; set; }
}

/// <summary>The one row of ledger bookkeeping: the next index to hand out, how far the tiles reach, the monitor's last verdict.</summary>
public sealed class LedgerStateEntity
{
    public const int SingletonId = 1;

    public int Id { get; set; }

    public long NextIndex { get; set; }

    /// <summary>Leaves included in the tiles; entries at or above it are acknowledged but not yet in the tree.</summary>
    public long TreeSize { get; set; }

    public DateTimeOffset? MonitorCheckedAt { get; set; }

    public bool? MonitorOk { get; set; }

    public string? MonitorMessage { get; set; }

    public long MonitorCheckedSize { get; set; }
}

/// <summary>A C2SP tlog-tile: up to 256 hashes at tile level <see cref="Level"/>. The edge tile's row grows as the tree does.</summary>
public sealed class LedgerTileEntity
{
    public int Level { get; set; }

    public long Index { get; set; }

    public required byte[] Hashes { get; set; }
}

/// <summary>The checkpoint signing key: Ed25519, the private seed protected with ASP.NET data protection.</summary>
public sealed class LedgerKeyEntity
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public required byte[] PublicKey { get; set; }

    public required string PrivateKeyProtected { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A signed checkpoint (C2SP signed note), kept forever: the history monitors and bundles rely on.</summary>
public sealed class LedgerCheckpointEntity
{
    public long Id { get; set; }

    public long TreeSize { get; set; }

    public required byte[] RootHash { get; set; }

    public required string Note { get; set; }

    public Guid KeyId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>How long payloads are kept, per organisation and category (null = any); the most specific policy wins.</summary>
public sealed class LedgerRetentionPolicyEntity
{
    public Guid Id { get; set; }

    public Guid? OrganisationId { get; set; }

    public string? Category { get; set; }

    public int RetainDays { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A legal hold: while active, no payload of its organisation and category (null = any) is deleted.</summary>
public sealed class LedgerLegalHoldEntity
{
    public Guid Id { get; set; }

    public Guid? OrganisationId { get; set; }

    public string? Category { get; set; }

    public required string Reason { get; set; }

    public required string CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? ReleasedAt { get; set; }
}

/// <summary>Something the ledger monitor found wrong: a bad signature, a fork, a leaf or tile that changed.</summary>
public sealed class LedgerAlertEntity
{
    public long Id { get; set; }

    public DateTimeOffset At { get; set; }

    public required string Kind { get; set; }

    public required string Message { get; set; }

    public long? EntryIndex { get; set; }

    public long? CheckpointTreeSize { get; set; }
}
