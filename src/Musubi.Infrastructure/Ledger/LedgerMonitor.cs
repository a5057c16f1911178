using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Musubi.Core;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;
using Musubi.Ledger;
using Musubi.Ledger.Checkpoints;
using Musubi.Ledger.Storage;

namespace Musubi.Infrastructure.Ledger;

public sealed record LedgerFinding(string Kind, string Message, long? EntryIndex = null, long? CheckpointTreeSize = null);

public sealed record MonitorReport(DateTimeOffset CheckedAt, long TreeSize, int Checkpoints, IReadOnlyList<LedgerFinding> Findings)
{
    public bool Ok => Findings.Count == 0;

    /// <summary>True for a full check (everything from leaf 0); false for an incremental one from <see cref="CheckedFrom"/>.</summary>
    public bool Full { get; init; } = true;

    /// <summary>The size of the checkpoint an incremental check started from (its earlier entries were not reread); 0 for a full check.</summary>
    public long CheckedFrom { get; init; }

    /// <summary>The size of the largest checkpoint verified by this run: the next incremental run starts there.</summary>
    public long VerifiedCheckpointSize { get; init; }
}

public sealed record LedgerAlertDto(long Id, DateTimeOffset At, string Kind, string Message, long? EntryIndex, long? CheckpointTreeSize);

public sealed record MonitorStatusDto(DateTimeOffset? CheckedAt, bool? Ok, string? Message, long CheckedSize, long TreeSize, long Entries, CheckpointDto? Latest);

/// <summary>
/// The ledger monitor. A full run (<see cref="RunAsync"/>) checks everything stored against the signed checkpoints:
/// every checkpoint's signature (and that its row agrees with its note), each checkpoint consistent with the one before
/// it (RFC 9162 proof from the stored tiles), the roots recomputed from the stored leaf hashes at every checkpoint size,
/// the tiles' leaves against the entries' leaf hashes, and every kept payload against its leaf hash. An incremental run
/// (<see cref="RunIncrementalAsync"/>) does the same from the last checkpoint a clean run verified (its size is kept in
/// <c>ledger_state.MonitorCheckedSize</c>): that checkpoint's signature, the consistency of every later checkpoint with
/// it, the tiles and entries after it, and the roots rebuilt from its frontier (read from the stored tiles) onwards, so
/// its cost follows the growth since the last run, not the log's size. Anything wrong becomes a ledger alert (stored
/// once, logged, audited) naming the entry or checkpoint.
/// </summary>
public sealed class LedgerMonitor(
    MusubiDbContext db, LedgerTree tree, LedgerCheckpoints checkpoints, AuditTrail audit, TimeProvider time, ILogger<LedgerMonitor> log)
{
    private const int Chunk = 4096;

    /// <summary>The full check: everything stored, from leaf 0.</summary>
    public Task<MonitorReport> RunAsync(CancellationToken ct) => RunCoreAsync(0, ct);

    /// <summary>
    /// The incremental check, from the last checkpoint a clean run verified; a full check when there is none (first run,
    /// or the last run found a problem) or when that checkpoint no longer verifies.
    /// </summary>
    public async Task<MonitorReport> RunIncrementalAsync(CancellationToken ct)
    {
        var state = await db.LedgerState.AsNoTracking().SingleAsync(s => s.Id == LedgerStateEntity.SingletonId, ct);
        if (state.MonitorOk != true || state.MonitorCheckedSize <= 0)
        {
            return await RunCoreAsync(0, ct);
        }

        var anchor = await db.LedgerCheckpoints.AsNoTracking().SingleOrDefaultAsync(c => c.TreeSize == state.MonitorCheckedSize, ct);
        var opened = anchor is null ? null : Checkpoint.Open(anchor.Note, await checkpoints.VerifierAsync(ct));
        if (opened is not { IsValid: true } || (long)opened.Checkpoint!.TreeSize != anchor!.TreeSize)
        {
            return await RunCoreAsync(0, ct);
        }

        return await RunCoreAsync(anchor.TreeSize, ct);
    }

    private async Task<MonitorReport> RunCoreAsync(long from, CancellationToken ct)
    {
        var findings = new List<LedgerFinding>();
        await tree.CatchUpAsync(ct);
        var hashes = await tree.OpenAsync(ct);
        var verifier = await checkpoints.VerifierAsync(ct);
        var rows = await db.LedgerCheckpoints.AsNoTracking().Where(c => c.TreeSize >= from).OrderBy(c => c.TreeSize).ToListAsync(ct);
        if (from > (long)hashes.TreeSize)
        {
            from = 0;
            rows = await db.LedgerCheckpoints.AsNoTracking().OrderBy(c => c.TreeSize).ToListAsync(ct);
        }

        // 1. Signatures, and rows that agree with their notes.
        var signed = new List<(long Size, byte[] Root)>();
        foreach (var row in rows)
        {
            var opened = Checkpoint.Open(row.Note, verifier);
            if (!opened.IsValid)
            {
                findings.Add(new("checkpoint-signature", $"checkpoint of size {row.TreeSize}: the signature does not verify ({opened.Reason})", null, row.TreeSize));
                continue;
            }

            if ((long)opened.Checkpoint!.TreeSize != row.TreeSize || !opened.Checkpoint.RootHash.AsSpan().SequenceEqual(row.RootHash))
            {
                findings.Add(new("checkpoint-row", $"checkpoint of size {row.TreeSize}: the stored size or root differs from the signed note", null, row.TreeSize));
            }

            signed.Add(((long)opened.Checkpoint.TreeSize, opened.Checkpoint.RootHash));
        }

        // 2. Successive checkpoints consistent, proved from the stored tree.
        for (var i = 0; i < signed.Count; i++)
        {
            var (size, root) = signed[i];
            if ((ulong)size > hashes.TreeSize)
            {
                findings.Add(new("tree-shrunk", $"checkpoint of size {size} is larger than the stored tree ({hashes.TreeSize})", null, size));
                continue;
            }

            var tileRoot = MerkleTree.RootHash(hashes, (ulong)size);
            if (!tileRoot.AsSpan().SequenceEqual(root))
            {
                findings.Add(new("tile-changed", $"the stored tiles no longer lead to the signed root of size {size}", null, size));
            }

            if (i > 0 && signed[i - 1].Size > 0 && signed[i - 1].Size < size)
            {
                var (oldSize, oldRoot) = signed[i - 1];
                var proof = MerkleTree.ConsistencyProof(hashes, (ulong)oldSize, (ulong)size);
                var verdict = MerkleVerifier.VerifyConsistency((ulong)oldSize, (ulong)size, oldRoot, root, proof);
                if (!verdict.IsValid)
                {
                    findings.Add(new("checkpoint-inconsistent", $"checkpoints of sizes {oldSize} and {size} are not consistent: {verdict.Reason}", null, size));
                }
            }
        }

        // 3. Every tile hash above level 0 is the root of the full tile below it (from the first tile reaching past `from`).
        await CheckTilesAsync(hashes.TreeSize, (ulong)from, findings, ct);

        // 4. Recompute from the stored leaves: roots at every checkpoint size, tiles' leaves, payloads.
        var builder = new MerkleRootBuilder();
        var next = 0;
        if (from > 0)
        {
            try
            {
                builder = MerkleRootBuilder.FromFrontier((ulong)from, Frontier(hashes, (ulong)from));
            }
            catch (InvalidDataException e)
            {
                findings.Add(new("tile-missing", e.Message, from));
            }

            // The frontier read from the tiles must still lead to the checkpoint the run starts from.
            next = builder.Count == (ulong)from ? CheckRoots(builder, signed, next, findings) : signed.Count;
        }

        var tileLeaves = new byte[Chunk * MerkleHash.Size];
        for (long start = from; start < (long)hashes.TreeSize; start += Chunk)
        {
            var end = Math.Min((long)hashes.TreeSize, start + Chunk);
            var entries = await LedgerStore.RangeAsync(db, start, end, ct,
                (bundle, e) => findings.Add(new("bundle-malformed", e.Message, Math.Max(bundle.FirstIndex, start))));
            ReadTileLeaves(hashes, start, end, tileLeaves, findings);
            var expected = start;
            foreach (var e in entries)
            {
                for (; expected < e.Index; expected++)
                {
                    findings.Add(new("entry-missing", $"entry {expected} is missing from the stored leaves", expected));
                    builder.Push(tileLeaves.AsSpan((int)(expected - start) * MerkleHash.Size, MerkleHash.Size));
                    next = CheckRoots(builder, signed, next, findings);
                }

                if (e.Payload is not null && !MerkleHash.Leaf(e.Payload).AsSpan().SequenceEqual(e.LeafHash))
                {
                    findings.Add(new("payload-changed", $"entry {e.Index}: the payload does not hash to the leaf hash", e.Index));
                }

                if (!e.LeafHash.AsSpan().SequenceEqual(tileLeaves.AsSpan((int)(e.Index - start) * MerkleHash.Size, MerkleHash.Size)))
                {
                    findings.Add(new("leaf-changed", $"entry {e.Index}: the leaf hash differs from the tree's leaf", e.Index));
                }

                builder.Push(e.LeafHash.Length == MerkleHash.Size ? e.LeafHash : new byte[MerkleHash.Size]);
                next = CheckRoots(builder, signed, next, findings);
                expected = e.Index + 1;
            }

            for (; expected < end; expected++)
            {
                findings.Add(new("entry-missing", $"entry {expected} is missing from the stored leaves", expected));
                builder.Push(tileLeaves.AsSpan((int)(expected - start) * MerkleHash.Size, MerkleHash.Size));
                next = CheckRoots(builder, signed, next, findings);
            }
        }

        next = CheckRoots(builder, signed, next, findings);
        var report = new MonitorReport(time.GetUtcNow(), (long)hashes.TreeSize, rows.Count, findings)
        {
            Full = from == 0,
            CheckedFrom = from,
            VerifiedCheckpointSize = signed.Count == 0 ? from : signed.Max(c => c.Size),
        };
        await RecordAsync(report, ct);
        return report;
    }

    /// <summary>The complete subtrees that make up the first <paramref name="size"/> leaves, largest first, from the stored tiles.</summary>
    private static byte[] Frontier(IMerkleHashSource hashes, ulong size)
    {
        var nodes = new List<MerkleNode>();
        ulong offset = 0;
        for (var level = 63; level >= 0; level--)
        {
            if ((size >> level & 1) != 0)
            {
                nodes.Add(new MerkleNode(level, offset >> level));
                offset += 1UL << level;
            }
        }

        var frontier = new byte[nodes.Count * MerkleHash.Size];
        hashes.ReadHashes(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(nodes), frontier);
        return frontier;
    }

    public async Task<IReadOnlyList<LedgerAlertDto>> AlertsAsync(Actor actor, int take, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanReadLedger(actor) && actor.IsPlatformAdmin, "only platform administrators see ledger alerts");
        return await db.LedgerAlerts.AsNoTracking().OrderByDescending(a => a.Id).Take(Math.Clamp(take, 1, 500))
            .Select(a => new LedgerAlertDto(a.Id, a.At, a.Kind, a.Message, a.EntryIndex, a.CheckpointTreeSize)).ToListAsync(ct);
    }

    public async Task<MonitorStatusDto> StatusAsync(Actor actor, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanReadLedger(actor), "only administrators with the ledger:read scope may read the ledger's status");
        var state = await db.LedgerState.AsNoTracking().SingleAsync(s => s.Id == LedgerStateEntity.SingletonId, ct);
        return new MonitorStatusDto(state.MonitorCheckedAt, state.MonitorOk, state.MonitorMessage, state.MonitorCheckedSize, state.TreeSize, state.NextIndex,
            await checkpoints.LatestAsync(ct));
    }

    private async Task CheckTilesAsync(ulong treeSize, ulong from, List<LedgerFinding> findings, CancellationToken ct)
    {
        for (var level = 1; TiledHashSource.Width(level, 0, treeSize) > 0; level++)
        {
            // Tiles of level `level - 1` below index `firstChild` cover only leaves before `from`: already verified.
            var firstChild = 8 * level >= 64 ? 0UL : from >> (8 * level);
            for (ulong index = firstChild / TiledHashSource.TileWidth; TiledHashSource.Width(level, index, treeSize) is var width && width > 0; index++)
            {
                var parent = await db.LedgerTiles.AsNoTracking().Where(t => t.Level == level && t.Index == (long)index).Select(t => t.Hashes).SingleOrDefaultAsync(ct);
                long lo = (long)index * TiledHashSource.TileWidth, hi = lo + width;
                var children = await db.LedgerTiles.AsNoTracking().Where(t => t.Level == level - 1 && t.Index >= lo && t.Index < hi)
                    .Select(t => new { t.Index, t.Hashes }).ToDictionaryAsync(t => t.Index, t => t.Hashes, ct);
                for (var j = 0; j < width; j++)
                {
                    if ((ulong)(lo + j) < firstChild)
                    {
                        continue;
                    }

                    var childPath = TiledHashSource.Path(level - 1, (ulong)(lo + j), TiledHashSource.TileWidth);
                    if (parent is null || parent.Length < (j + 1) * MerkleHash.Size || !children.TryGetValue(lo + j, out var child)
                        || child.Length != TiledHashSource.TileWidth * MerkleHash.Size)
                    {
                        findings.Add(new("tile-missing", $"tile {TiledHashSource.Path(level, index, width)} or {childPath} is missing or short"));
                        continue;
                    }

                    if (!MerkleTree.ComputeRoot(child).AsSpan().SequenceEqual(parent.AsSpan(j * MerkleHash.Size, MerkleHash.Size)))
                    {
                        findings.Add(new("tile-changed", $"hash {j} of tile {TiledHashSource.Path(level, index, width)} is not the root of tile {childPath}: one of them was changed"));
                    }
                }
            }
        }
    }

    private static int CheckRoots(MerkleRootBuilder builder, List<(long Size, byte[] Root)> signed, int next, List<LedgerFinding> findings)
    {
        while (next < signed.Count && signed[next].Size <= (long)builder.Count)
        {
            if (signed[next].Size == (long)builder.Count && !builder.GetRoot().AsSpan().SequenceEqual(signed[next].Root))
            {
                findings.Add(new("leaves-changed", $"the stored leaf hashes no longer lead to the signed root of size {signed[next].Size}", null, signed[next].Size));
            }

            next++;
        }

        return next;
    }

    private static void ReadTileLeaves(IMerkleHashSource hashes, long start, long end, byte[] buffer, List<LedgerFinding> findings)
    {
        try
        {
            hashes.ReadLeafHashes((ulong)start, buffer.AsSpan(0, (int)(end - start) * MerkleHash.Size));
        }
        catch (InvalidDataException e)
        {
            findings.Add(new("tile-missing", e.Message, start));
            Array.Clear(buffer);
        }
    }

    private async Task RecordAsync(MonitorReport report, CancellationToken ct)
    {
        var state = await db.LedgerState.SingleAsync(s => s.Id == LedgerStateEntity.SingletonId, ct);
        state.MonitorCheckedAt = report.CheckedAt;
        state.MonitorOk = report.Ok;
        if (report.Ok)
        {
            // Where the next incremental run starts; after a finding, runs are full until the ledger is clean again.
            state.MonitorCheckedSize = report.VerifiedCheckpointSize;
        }

        state.MonitorMessage = report.Ok
            ? report.Full
                ? $"{report.Checkpoints} checkpoints and {report.TreeSize} entries verified (full check)"
                : $"{report.Checkpoints} checkpoints and the {report.TreeSize - report.CheckedFrom} entries after the checkpoint of size {report.CheckedFrom} verified (incremental)"
            : Truncate($"{report.Findings.Count} problems: {report.Findings[0].Message}", 2000);
        var known = await db.LedgerAlerts.AsNoTracking().Select(a => a.Message).ToListAsync(ct);
        var fresh = report.Findings.Where(f => !known.Contains(Truncate(f.Message, 4000))).Take(100).ToList();
        foreach (var f in fresh)
        {
            log.LogError("Ledger monitor: {Kind}: {Message}", f.Kind, f.Message);
            db.LedgerAlerts.Add(new LedgerAlertEntity
            {
                At = report.CheckedAt, Kind = f.Kind, Message = Truncate(f.Message, 4000), EntryIndex = f.EntryIndex, CheckpointTreeSize = f.CheckpointTreeSize,
            });
        }

        if (fresh.Count > 0)
        {
            audit.Record(Actor.System, "ledger.alert", "ledger", "monitor", null, null,
                new { count = fresh.Count, findings = fresh.Select(f => new { f.Kind, f.Message }).ToList() });
        }

        await db.SaveChangesAsync(ct);
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];
}
