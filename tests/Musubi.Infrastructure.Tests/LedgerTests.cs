using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Ledger;
using Musubi.Ledger;
using Musubi.Ledger.Bundles;
using Musubi.Ledger.Checkpoints;
using Musubi.Ledger.Storage;
using Musubi.Testing;

namespace Musubi.Infrastructure.Tests;

public sealed class LedgerTests(PostgresServer postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Every_audit_entry_is_a_ledger_leaf_committed_with_it_and_provable_against_a_signed_checkpoint(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        await host.CreateOrgAsync(Builders.Org("Ledgered Org"));
        var (audit, leaves) = await host.Run(async sp =>
        {
            var db = sp.GetRequiredService<MusubiDbContext>();
            return (await db.AuditEntries.AsNoTracking().OrderBy(a => a.Id).ToListAsync(),
                await db.LedgerEntries.AsNoTracking().OrderBy(e => e.Index).ToListAsync());
        });
        Assert.Equal(audit.Count, leaves.Count);
        Assert.Equal(Enumerable.Range(0, leaves.Count).Select(i => (long)i), leaves.Select(l => l.Index));
        foreach (var leaf in leaves)
        {
            var entry = audit.Single(a => a.Id == leaf.AuditEntryId);
            Assert.Equal(AuditTrail.LedgerPayload(entry), leaf.Payload);
            Assert.Equal(MerkleHash.Leaf(leaf.Payload), leaf.LeafHash);
            Assert.Equal(LedgerCategories.Audit, leaf.Category);
        }

        var (checkpoint, created) = await host.Run(sp => sp.GetRequiredService<LedgerCheckpoints>().CreateAsync(None));
        Assert.True(created);
        Assert.Equal(leaves.Count, checkpoint.TreeSize);
        var verifier = await host.Run(sp => sp.GetRequiredService<LedgerCheckpoints>().VerifierAsync(None));
        var opened = Checkpoint.Open(checkpoint.Note, verifier);
        Assert.True(opened.IsValid, opened.Reason);
        Assert.Equal(MerkleTree.ComputeRoot(leaves.SelectMany(l => l.LeafHash).ToArray()), opened.Checkpoint!.RootHash);
        for (var i = 0L; i < leaves.Count; i++)
        {
            var proof = await host.Run(sp => sp.GetRequiredService<LedgerQueries>().InclusionAsync(host.Admin, i, null, None));
            Assert.True(proof.Verified, proof.Verdict);
            Assert.True(MerkleVerifier.VerifyInclusion((ulong)i, (ulong)checkpoint.TreeSize, leaves[(int)i].LeafHash,
                proof.Proof.SelectMany(Convert.FromHexString).ToArray(), opened.Checkpoint.RootHash).IsValid);
        }

        var again = await host.Run(sp => sp.GetRequiredService<LedgerCheckpoints>().CreateAsync(None));
        Assert.False(again.Created);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_write_that_fails_leaves_neither_its_audit_entry_nor_a_leaf_and_no_gap_in_the_indices(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        await host.CreateOrgAsync(Builders.Org("Unique Name"));
        var before = await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().LedgerEntries.CountAsync());
        await Assert.ThrowsAsync<ConflictException>(() => host.CreateOrgAsync(Builders.Org("Unique Name")));
        await host.CreateOrgAsync(Builders.Org("Another Name"));
        var indices = await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().LedgerEntries.OrderBy(e => e.Index).Select(e => e.Index).ToListAsync());
        Assert.Equal(before + 1, indices.Count);
        Assert.Equal(Enumerable.Range(0, indices.Count).Select(i => (long)i), indices);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Old_checkpoints_stay_consistent_with_new_ones_and_roots_match_an_in_memory_tree(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var reference = new MemoryMerkleLog();
        foreach (var leaf in await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().LedgerEntries.OrderBy(e => e.Index).Select(e => e.LeafHash).ToListAsync()))
        {
            reference.AppendLeafHash(leaf);
        }

        var sizes = new List<CheckpointDto>();
        // Batches that cross tile boundaries at both tile levels (256 and 65,536 leaves).
        foreach (var batch in new[] { 1, 254, 3, 700, 65_000, 600 })
        {
            var records = Enumerable.Range(0, batch).Select(i => new LedgerRecord(LedgerCategories.RawEvent, null, Encoding.UTF8.GetBytes($"event {reference.TreeSize + (ulong)i}"))).ToList();
            await host.Run(sp => sp.GetRequiredService<ILedger>().AppendAsync(records, None));
            foreach (var r in records)
            {
                reference.Append(r.Payload.Span);
            }

            var (checkpoint, _) = await host.Run(sp => sp.GetRequiredService<LedgerCheckpoints>().CreateAsync(None));
            Assert.Equal((long)reference.TreeSize, checkpoint.TreeSize);
            Assert.Equal(Convert.ToHexStringLower(reference.Root()), checkpoint.RootHash);
            sizes.Add(checkpoint);
        }

        for (var i = 0; i < sizes.Count; i++)
        {
            for (var j = i + 1; j < sizes.Count; j++)
            {
                var proof = await host.Run(sp => sp.GetRequiredService<LedgerQueries>().ConsistencyAsync(host.Admin, sizes[i].TreeSize, sizes[j].TreeSize, None));
                Assert.True(proof.Verified, proof.Verdict);
                Assert.Equal(sizes[i].RootHash, proof.OldRoot);
                Assert.Equal(sizes[j].RootHash, proof.NewRoot);
                Assert.Equal(MerkleTree.ConsistencyProof(reference, (ulong)sizes[i].TreeSize, (ulong)sizes[j].TreeSize), proof.Proof.SelectMany(Convert.FromHexString).ToArray());
            }
        }

        var report = await host.Run(sp => sp.GetRequiredService<LedgerMonitor>().RunAsync(None));
        Assert.True(report.Ok, string.Join("; ", report.Findings.Select(f => f.Message)));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Bulk_appended_entries_are_stored_in_aligned_bundles_and_read_back_exactly_as_appended(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var org = await host.CreateOrgAsync(Builders.Org("Bulk Org"));
        var at = host.Time.GetUtcNow();
        // 700 entries starting mid-tile: bundles end at every multiple of 256, and never hold more than 256.
        var records = Enumerable.Range(0, 700).Select(i => new LedgerRecord(
            i % 3 == 0 ? LedgerCategories.Notification : LedgerCategories.RawEvent, i % 2 == 0 ? org.Id : null, Encoding.UTF8.GetBytes($"bulk {i}"))).ToList();
        var first = await host.Run(sp => sp.GetRequiredService<ILedger>().AppendAsync(records, None));
        var rows = await host.Run(sp => LedgerStore.RangeAsync(sp.GetRequiredService<MusubiDbContext>(), first, long.MaxValue, None));
        Assert.Equal(records.Count, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(first + i, rows[i].Index);
            Assert.Equal(records[i].Category, rows[i].Category);
            Assert.Equal(records[i].OrganisationId, rows[i].OrganisationId);
            Assert.Equal(at, rows[i].At);
            Assert.Equal(records[i].Payload.ToArray(), rows[i].Payload);
            Assert.Equal(records[i].Payload.Length, rows[i].PayloadLength);
            Assert.Equal(MerkleHash.Leaf(records[i].Payload.Span), rows[i].LeafHash);
            Assert.Null(rows[i].AuditEntryId);
        }

        // Nothing went to ledger_entries; the bundles tile [first, first + 700) exactly.
        var (perRow, bundles) = await host.Run(async sp =>
        {
            var db = sp.GetRequiredService<MusubiDbContext>();
            return (await db.LedgerEntries.CountAsync(e => e.Index >= first), await db.LedgerBundles.AsNoTracking().OrderBy(b => b.FirstIndex).ToListAsync());
        });
        Assert.Equal(0, perRow);
        Assert.Equal(first, bundles[0].FirstIndex);
        Assert.Equal(records.Count, bundles.Sum(b => b.Count));
        for (var i = 0; i < bundles.Count; i++)
        {
            Assert.InRange(bundles[i].Count, 1, 256);
            Assert.Equal(bundles[i].FirstIndex / 256, (bundles[i].FirstIndex + bundles[i].Count - 1) / 256);
            Assert.Equal(bundles[i].Count, bundles[i].PayloadsKept);
            if (i > 0)
            {
                Assert.Equal(bundles[i - 1].FirstIndex + bundles[i - 1].Count, bundles[i].FirstIndex);
                Assert.Equal(0, bundles[i].FirstIndex % 256);
            }
        }

        Assert.Equal((first + 699) / 256 - first / 256 + 1, bundles.Count);

        // Found by time, and by leaf hash, as entries of ledger_entries are.
        var (lo, hi) = await host.Run(sp => LedgerStore.TimeBoundsAsync(sp.GetRequiredService<MusubiDbContext>(), long.MaxValue, at, at.AddSeconds(1), None));
        Assert.True(lo <= first);
        Assert.Equal(first + 699, hi);
        Assert.Equal((null, null), await host.Run(sp => LedgerStore.TimeBoundsAsync(sp.GetRequiredService<MusubiDbContext>(), long.MaxValue, at.AddSeconds(1), null, None)));
        var found = await host.Run(sp => LedgerStore.FindLeafAsync(sp.GetRequiredService<MusubiDbContext>(), MerkleHash.Leaf(records[300].Payload.Span), 10, None));
        Assert.Equal([(first + 300, (Guid?)org.Id)], found);
    }

    [Fact]
    public void A_bundle_whose_bytes_do_not_parse_is_named_in_the_error()
    {
        var entries = Enumerable.Range(0, 3).Select(i => new LedgerEntryEntity
        {
            Index = 512 + i, Category = LedgerCategories.RawEvent, At = DateTimeOffset.UnixEpoch, Payload = [(byte)i], PayloadLength = 1, LeafHash = MerkleHash.Leaf([(byte)i]),
        }).ToList();
        var bundle = LedgerBundleCodec.Encode(512, entries, 0, 3);
        Assert.Equal(entries.Select(e => e.Payload), LedgerBundleCodec.Decode(bundle).Select(e => e.Payload));
        bundle.Entries = bundle.Entries[..^1];
        var error = Assert.Throws<InvalidDataException>(() => LedgerBundleCodec.Decode(bundle));
        Assert.Contains("Ledger bundle 512 (entries 512 to 514)", error.Message, StringComparison.Ordinal);
        bundle.Entries = [.. LedgerBundleCodec.Encode(512, entries, 0, 3).Entries, 0];
        Assert.Contains("1 bytes follow its last entry", Assert.Throws<InvalidDataException>(() => LedgerBundleCodec.Decode(bundle)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_crash_between_the_commit_and_the_tree_update_loses_no_acknowledged_entry(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        await host.Run(sp => sp.GetRequiredService<LedgerCheckpoints>().CreateAsync(None));
        var first = await host.Run(sp => sp.GetRequiredService<ILedger>().AppendAsync(
            [.. Enumerable.Range(0, 300).Select(i => new LedgerRecord(LedgerCategories.Notification, null, Encoding.UTF8.GetBytes($"sent {i}")))], None));
        // The process dies while bringing the tree up to date: tiles written, the transaction never committed.
        await host.Run(async sp =>
        {
            var db = sp.GetRequiredService<MusubiDbContext>();
            await using var tx = await db.Database.BeginTransactionAsync();
            await db.LedgerTiles.ExecuteUpdateAsync(s => s.SetProperty(t => t.Hashes, new byte[32]));
            await db.LedgerState.ExecuteUpdateAsync(s => s.SetProperty(t => t.TreeSize, 1_000_000));
            // no commit: the crash
        });
        await host.DisposeAsync();

        await using var restarted = await host.ReopenAsync();
        var (checkpoint, created) = await restarted.Run(sp => sp.GetRequiredService<LedgerCheckpoints>().CreateAsync(None));
        Assert.True(created);
        var leaves = (await restarted.Run(sp => LedgerStore.RangeAsync(sp.GetRequiredService<MusubiDbContext>(), 0, long.MaxValue, None))).Select(e => e.LeafHash).ToList();
        Assert.True(checkpoint.TreeSize >= first + 300);
        Assert.Equal(Convert.ToHexStringLower(MerkleTree.ComputeRoot(leaves.Take((int)checkpoint.TreeSize).SelectMany(l => l).ToArray())), checkpoint.RootHash);
        var proof = await restarted.Run(sp => sp.GetRequiredService<LedgerQueries>().InclusionAsync(restarted.Admin, first + 299, null, None));
        Assert.True(proof.Verified, proof.Verdict);
        var report = await restarted.Run(sp => sp.GetRequiredService<LedgerMonitor>().RunAsync(None));
        Assert.True(report.Ok, string.Join("; ", report.Findings.Select(f => f.Message)));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task The_incremental_monitor_starts_from_the_last_verified_checkpoint_and_only_the_full_check_rereads_old_entries(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        await host.Run(sp => sp.GetRequiredService<ILedger>().AppendAsync(
            [.. Enumerable.Range(0, 600).Select(i => new LedgerRecord(LedgerCategories.RawEvent, null, Encoding.UTF8.GetBytes($"old {i}")))], None));
        var (first, _) = await host.Run(sp => sp.GetRequiredService<LedgerCheckpoints>().CreateAsync(None));

        // No clean run yet: the incremental check is a full one.
        var initial = await host.Run(sp => sp.GetRequiredService<LedgerMonitor>().RunIncrementalAsync(None));
        Assert.True(initial.Ok, string.Join("; ", initial.Findings.Select(f => f.Message)));
        Assert.True(initial.Full);
        Assert.Equal(first.TreeSize, initial.VerifiedCheckpointSize);

        await host.Run(sp => sp.GetRequiredService<ILedger>().AppendAsync(
            [.. Enumerable.Range(0, 700).Select(i => new LedgerRecord(LedgerCategories.RawEvent, null, Encoding.UTF8.GetBytes($"new {i}")))], None));
        var (second, _) = await host.Run(sp => sp.GetRequiredService<LedgerCheckpoints>().CreateAsync(None));
        var incremental = await host.Run(sp => sp.GetRequiredService<LedgerMonitor>().RunIncrementalAsync(None));
        Assert.True(incremental.Ok, string.Join("; ", incremental.Findings.Select(f => f.Message)));
        Assert.False(incremental.Full);
        Assert.Equal(first.TreeSize, incremental.CheckedFrom);
        Assert.Equal(second.TreeSize, incremental.VerifiedCheckpointSize);
        var status = await host.Run(sp => sp.GetRequiredService<LedgerMonitor>().StatusAsync(host.Admin, None));
        Assert.Equal(second.TreeSize, status.CheckedSize);
        Assert.Contains("incremental", status.Message);

        // An old stored byte changes: the incremental run does not reread it; the full check finds it.
        const long victim = 10;
        await host.Run(sp => LedgerStoreTampering.OverwriteAsync(sp.GetRequiredService<MusubiDbContext>(), victim, e => e.Payload = "old 11"u8.ToArray(), None));
        var quick = await host.Run(sp => sp.GetRequiredService<LedgerMonitor>().RunIncrementalAsync(None));
        Assert.False(quick.Full);
        Assert.Equal(second.TreeSize, quick.CheckedFrom);
        var full = await host.Run(sp => sp.GetRequiredService<LedgerMonitor>().RunAsync(None));
        Assert.True(full.Full);
        Assert.Contains(full.Findings, f => f.Kind == "payload-changed" && f.EntryIndex == victim);
        Assert.Contains(await host.Run(sp => sp.GetRequiredService<LedgerMonitor>().AlertsAsync(host.Admin, 100, None)), a => a.EntryIndex == victim);

        // After a finding, every run is full until the ledger is clean again.
        var after = await host.Run(sp => sp.GetRequiredService<LedgerMonitor>().RunIncrementalAsync(None));
        Assert.True(after.Full);
        Assert.Contains(after.Findings, f => f.Kind == "payload-changed" && f.EntryIndex == victim);
    }

    public static TheoryData<DatabaseProvider, string> NewTampering()
    {
        var data = new TheoryData<DatabaseProvider, string>();
        foreach (var provider in new[] { DatabaseProvider.Sqlite, DatabaseProvider.Postgres })
        {
            foreach (var kind in new[] { "payload", "leaf-hash", "tile-0", "entry-deleted", "checkpoint-note" })
            {
                data.Add(provider, kind);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(NewTampering))]
    public async Task Changing_a_stored_byte_after_the_last_verified_checkpoint_is_found_by_the_incremental_monitor(DatabaseProvider provider, string what)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        await host.Run(sp => sp.GetRequiredService<ILedger>().AppendAsync(
            [.. Enumerable.Range(0, 600).Select(i => new LedgerRecord(LedgerCategories.RawEvent, null, Encoding.UTF8.GetBytes($"old {i}")))], None));
        var (first, _) = await host.Run(sp => sp.GetRequiredService<LedgerCheckpoints>().CreateAsync(None));
        Assert.True((await host.Run(sp => sp.GetRequiredService<LedgerMonitor>().RunAsync(None))).Ok);
        await host.Run(sp => sp.GetRequiredService<ILedger>().AppendAsync(
            [.. Enumerable.Range(0, 700).Select(i => new LedgerRecord(LedgerCategories.RawEvent, null, Encoding.UTF8.GetBytes($"new {i}")))], None));
        await host.Run(sp => sp.GetRequiredService<LedgerCheckpoints>().CreateAsync(None));

        var victim = first.TreeSize + 300;
        var expected = await host.Run(async sp =>
        {
            var db = sp.GetRequiredService<MusubiDbContext>();
            switch (what)
            {
                case "payload":
                    await LedgerStoreTampering.OverwriteAsync(db, victim, e => e.Payload = "new 0"u8.ToArray(), None);
                    return "payload-changed";
                case "leaf-hash":
                    await LedgerStoreTampering.OverwriteAsync(db, victim, e => e.LeafHash[0] ^= 1, None);
                    return "leaf-changed";
                case "tile-0":
                    var tileIndex = victim / 256;
                    var tile = await db.LedgerTiles.AsNoTracking().SingleAsync(t => t.Level == 0 && t.Index == tileIndex);
                    tile.Hashes[(int)(victim % 256) * 32 + 5] ^= 0x10;
                    await db.LedgerTiles.Where(t => t.Level == 0 && t.Index == tileIndex).ExecuteUpdateAsync(s => s.SetProperty(t => t.Hashes, tile.Hashes));
                    return "tile-changed";
                case "checkpoint-note":
                    var c = await db.LedgerCheckpoints.AsNoTracking().OrderBy(x => x.TreeSize).LastAsync();
                    var note = c.Note.Replace($"\n{c.TreeSize}\n", $"\n{c.TreeSize + 1}\n", StringComparison.Ordinal);
                    await db.LedgerCheckpoints.Where(x => x.Id == c.Id).ExecuteUpdateAsync(s => s.SetProperty(x => x.Note, note));
                    return "checkpoint-signature";
                default:
                    await LedgerStoreTampering.DeleteAsync(db, victim, None);
                    return "entry-missing";
            }
        });

        var report = await host.Run(sp => sp.GetRequiredService<LedgerMonitor>().RunIncrementalAsync(None));
        Assert.False(report.Full);
        Assert.Equal(first.TreeSize, report.CheckedFrom);
        Assert.False(report.Ok);
        Assert.Contains(report.Findings, f => f.Kind == expected);
        if (what is "payload" or "leaf-hash" or "entry-deleted")
        {
            Assert.Contains(report.Findings, f => f.EntryIndex == victim);
        }

        Assert.Contains(await host.Run(sp => sp.GetRequiredService<LedgerMonitor>().AlertsAsync(host.Admin, 100, None)), a => a.Kind == expected);
        Assert.False((await host.Run(sp => sp.GetRequiredService<LedgerMonitor>().StatusAsync(host.Admin, None))).Ok);
    }

    public static TheoryData<DatabaseProvider, string> Tampering()
    {
        var data = new TheoryData<DatabaseProvider, string>();
        foreach (var provider in new[] { DatabaseProvider.Sqlite, DatabaseProvider.Postgres })
        {
            foreach (var kind in new[] { "payload", "leaf-hash", "tile-0", "tile-1", "checkpoint-note", "checkpoint-root", "entry-deleted" })
            {
                data.Add(provider, kind);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Tampering))]
    public async Task Changing_any_stored_byte_is_found_by_the_monitor_and_raises_an_alert(DatabaseProvider provider, string what)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        await host.Run(sp => sp.GetRequiredService<ILedger>().AppendAsync(
            [.. Enumerable.Range(0, 70_000).Select(i => new LedgerRecord(LedgerCategories.RawEvent, null, Encoding.UTF8.GetBytes($"e{i}")))], None));
        await host.Run(sp => sp.GetRequiredService<LedgerCheckpoints>().CreateAsync(None));
        await host.Run(sp => sp.GetRequiredService<ILedger>().AppendAsync([new LedgerRecord(LedgerCategories.RawEvent, null, "late"u8.ToArray())], None));
        await host.Run(sp => sp.GetRequiredService<LedgerCheckpoints>().CreateAsync(None));
        var clean = await host.Run(sp => sp.GetRequiredService<LedgerMonitor>().RunAsync(None));
        Assert.True(clean.Ok, string.Join("; ", clean.Findings.Select(f => f.Message)));

        const long victim = 1234;
        var expected = await host.Run(async sp =>
        {
            var db = sp.GetRequiredService<MusubiDbContext>();
            switch (what)
            {
                case "payload":
                    await LedgerStoreTampering.OverwriteAsync(db, victim, e => e.Payload = "e1235"u8.ToArray(), None);
                    return "payload-changed";
                case "leaf-hash":
                    await LedgerStoreTampering.OverwriteAsync(db, victim, e => e.LeafHash[31] ^= 1, None);
                    return "leaf-changed";
                case "tile-0":
                case "tile-1":
                    var level = what == "tile-0" ? 0 : 1;
                    var tile = await db.LedgerTiles.AsNoTracking().Where(t => t.Level == level).OrderBy(t => t.Index).FirstAsync();
                    tile.Hashes[40] ^= 0x80;
                    await db.LedgerTiles.Where(t => t.Level == level && t.Index == tile.Index).ExecuteUpdateAsync(s => s.SetProperty(t => t.Hashes, tile.Hashes));
                    return "tile-changed";
                case "checkpoint-note":
                    var c = await db.LedgerCheckpoints.AsNoTracking().OrderBy(x => x.TreeSize).LastAsync();
                    var note = c.Note.Replace($"\n{c.TreeSize}\n", $"\n{c.TreeSize - 1}\n", StringComparison.Ordinal);
                    await db.LedgerCheckpoints.Where(x => x.Id == c.Id).ExecuteUpdateAsync(s => s.SetProperty(x => x.Note, note));
                    return "checkpoint-signature";
                case "checkpoint-root":
                    var d = await db.LedgerCheckpoints.AsNoTracking().OrderBy(x => x.TreeSize).LastAsync();
                    d.RootHash[0] ^= 1;
                    await db.LedgerCheckpoints.Where(x => x.Id == d.Id).ExecuteUpdateAsync(s => s.SetProperty(x => x.RootHash, d.RootHash));
                    return "checkpoint-row";
                default:
                    await LedgerStoreTampering.DeleteAsync(db, victim, None);
                    return "entry-missing";
            }
        });

        var report = await host.Run(sp => sp.GetRequiredService<LedgerMonitor>().RunAsync(None));
        Assert.False(report.Ok);
        Assert.Contains(report.Findings, f => f.Kind == expected);
        if (what is "payload" or "leaf-hash" or "entry-deleted")
        {
            Assert.Contains(report.Findings, f => f.EntryIndex == victim);
        }

        var (alerts, status, audited) = await host.Run(async sp => (
            await sp.GetRequiredService<LedgerMonitor>().AlertsAsync(host.Admin, 100, None),
            await sp.GetRequiredService<LedgerMonitor>().StatusAsync(host.Admin, None),
            await sp.GetRequiredService<MusubiDbContext>().AuditEntries.CountAsync(a => a.Action == "ledger.alert")));
        Assert.Contains(alerts, a => a.Kind == expected);
        Assert.False(status.Ok);
        Assert.Equal(1, audited);
        // A second run finds the same problem but does not raise it again.
        await host.Run(sp => sp.GetRequiredService<LedgerMonitor>().RunAsync(None));
        Assert.Equal(alerts.Count, (await host.Run(sp => sp.GetRequiredService<LedgerMonitor>().AlertsAsync(host.Admin, 100, None))).Count);
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Retention_deletes_expired_payloads_except_under_a_legal_hold_and_every_proof_and_export_still_verifies(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var held = await host.CreateOrgAsync(Builders.Org("Held Org"));
        var free = await host.CreateOrgAsync(Builders.Org("Free Org"));
        var heldFirst = await host.Run(sp => sp.GetRequiredService<ILedger>().AppendAsync([new LedgerRecord(LedgerCategories.RawEvent, held.Id, "held event"u8.ToArray())], None));
        var freeFirst = await host.Run(sp => sp.GetRequiredService<ILedger>().AppendAsync([new LedgerRecord(LedgerCategories.RawEvent, free.Id, "free event"u8.ToArray())], None));
        var notification = await host.Run(sp => sp.GetRequiredService<ILedger>().AppendAsync([new LedgerRecord(LedgerCategories.Notification, free.Id, "mail"u8.ToArray())], None));
        await host.Run(sp => sp.GetRequiredService<LedgerRetention>().SetPolicyAsync(host.Admin, new RetentionPolicyInput(null, LedgerCategories.RawEvent, 30), None));
        await host.Run(sp => sp.GetRequiredService<LedgerRetention>().PlaceHoldAsync(host.Admin, new LegalHoldInput(held.Id, null, "Case 2026/17"), None));
        var analyst = await host.CreateUserAsync(free.Id, Role.Analyst);
        await Assert.ThrowsAsync<ForbiddenException>(() => host.Run(sp => sp.GetRequiredService<LedgerRetention>().PlaceHoldAsync(analyst, new LegalHoldInput(null, null, "x"), None)));
        await Assert.ThrowsAsync<ValidationFailedException>(() => host.Run(sp => sp.GetRequiredService<LedgerRetention>().SetPolicyAsync(host.Admin, new RetentionPolicyInput(null, "nonsense", 0), None)));

        host.Time.Advance(TimeSpan.FromDays(29));
        Assert.Equal(0, (await host.Run(sp => sp.GetRequiredService<LedgerRetention>().RunAsync(Actor.System, None))).PayloadsRemoved);
        host.Time.Advance(TimeSpan.FromDays(2));
        var run = await host.Run(sp => sp.GetRequiredService<LedgerRetention>().RunAsync(Actor.System, None));
        Assert.Equal(new RetentionRun(1, 1), run);

        var entries = await host.Run(async sp => new[] { heldFirst, freeFirst, notification }
            .Select(i => sp.GetRequiredService<LedgerQueries>().EntryAsync(host.Admin, i, None).Result).ToList());
        Assert.NotNull(entries[0].Payload);
        Assert.Null(entries[1].Payload);
        Assert.Equal("retention: 30 days", entries[1].PayloadRemovedReason);
        Assert.NotNull(entries[2].Payload);

        var proof = await host.Run(sp => sp.GetRequiredService<LedgerQueries>().InclusionAsync(host.Admin, freeFirst, null, None));
        Assert.True(proof.Verified, proof.Verdict);
        Assert.True((await host.Run(sp => sp.GetRequiredService<LedgerMonitor>().RunAsync(None))).Ok);

        using var bundle = new MemoryStream();
        var result = await host.Run(sp => sp.GetRequiredService<LedgerExporter>().ExportAsync(host.Admin, new LedgerExportRequest(), bundle, null, None));
        Assert.Equal(1, result.PayloadsRemoved);
        bundle.Position = 0;
        var report = BundleVerifier.Verify(bundle);
        Assert.True(report.IsValid, report.ToString());
        Assert.Equal(1, report.PayloadsRemoved);

        // The release of the hold lets the next run delete the held payload.
        var hold = (await host.Run(sp => sp.GetRequiredService<LedgerRetention>().HoldsAsync(host.Admin, None))).Single();
        await host.Run(sp => sp.GetRequiredService<LedgerRetention>().ReleaseHoldAsync(host.Admin, hold.Id, None));
        Assert.Equal(1, (await host.Run(sp => sp.GetRequiredService<LedgerRetention>().RunAsync(Actor.System, None))).PayloadsRemoved);
        Assert.Contains("ledger.hold.release", await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().AuditEntries.Select(a => a.Action).ToListAsync()));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task Organisation_admins_read_and_export_only_their_organisations_entries(DatabaseProvider provider)
    {
        await using var host = await TestHost.StartAsync(provider, postgres);
        var own = await host.CreateOrgAsync(Builders.Org("Own Org"));
        var other = await host.CreateOrgAsync(Builders.Org("Other Org"));
        var mine = await host.Run(sp => sp.GetRequiredService<ILedger>().AppendAsync([new LedgerRecord(LedgerCategories.IncidentTimeline, own.Id, "own"u8.ToArray())], None));
        var theirs = await host.Run(sp => sp.GetRequiredService<ILedger>().AppendAsync([new LedgerRecord(LedgerCategories.IncidentTimeline, other.Id, "other"u8.ToArray())], None));
        var orgAdmin = await host.CreateUserAsync(own.Id, Role.OrgAdmin);
        var analyst = await host.CreateUserAsync(own.Id, Role.Analyst);
        var queries = (Func<LedgerQueries, Task> f) => host.Run(sp => f(sp.GetRequiredService<LedgerQueries>()));

        await queries(async q => Assert.Equal("own"u8.ToArray(), Convert.FromBase64String((await q.EntryAsync(orgAdmin, mine, None)).Payload!)));
        await queries(async q => Assert.True((await q.InclusionAsync(orgAdmin, mine, null, None)).Verified));
        await Assert.ThrowsAsync<NotFoundException>(() => queries(q => q.EntryAsync(orgAdmin, theirs, None)));
        await Assert.ThrowsAsync<NotFoundException>(() => queries(q => q.InclusionAsync(orgAdmin, theirs, null, None)));
        await Assert.ThrowsAsync<ForbiddenException>(() => queries(q => q.EntryAsync(analyst, mine, None)));
        await Assert.ThrowsAsync<ForbiddenException>(() => queries(q => q.EntryAsync(orgAdmin with { Scopes = new HashSet<string> { Scopes.AuditRead } }, mine, None)));

        using var bundle = new MemoryStream();
        var result = await host.Run(sp => sp.GetRequiredService<LedgerExporter>().ExportAsync(orgAdmin, new LedgerExportRequest(), bundle, null, None));
        Assert.Equal("sparse", result.Mode);
        bundle.Position = 0;
        var report = BundleVerifier.Verify(bundle);
        Assert.True(report.IsValid, report.ToString());
        var lines = Encoding.UTF8.GetString(bundle.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines.Skip(1), l => Assert.DoesNotContain(Convert.ToBase64String("other"u8.ToArray()), l, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains($"\"index\":{mine},", StringComparison.Ordinal));
        await Assert.ThrowsAsync<ForbiddenException>(() => host.Run(sp => sp.GetRequiredService<LedgerExporter>().ExportAsync(
            orgAdmin, new LedgerExportRequest(OrganisationId: other.Id), Stream.Null, null, None)));
    }
}
