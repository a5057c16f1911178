using System.Globalization;
using System.Numerics;

namespace Musubi.Ledger.Bundles;

/// <summary>A range bundle: consecutive entries, checked in one streaming pass.</summary>
internal sealed class RangeBundleCheck(BundleCheck check, BundleHeader header, byte[]? signedRoot)
{
    // How far ahead of a missing entry later ones are held before the missing one is given up on.
    private const int ReorderWindow = 4096;

    private readonly Dictionary<ulong, Held> held = [];
    private readonly List<(ulong Start, ulong End)> givenUp = [];
    private readonly List<Mismatch> mismatches = [];
    private readonly Dictionary<ulong, byte[]> prefixRoots = [];
    private MerkleRootBuilder? stated;
    private MerkleRootBuilder? content;
    private byte[] rightNodes = [];
    private ulong expected;
    private bool rootComputable = true;
    private (ulong Start, long Line)? missingRun;

    private ulong End => header.First + header.Count;

    public void Run(LineReader lines, int parallelism)
    {
        expected = header.First;
        PrepareRangeProof();
        var historySizes = check.History.Select(c => c.TreeSize).Where(s => s > header.First && s <= End).ToHashSet();

        // Blocks of lines are parsed and their payloads hashed on worker threads; this thread takes the results
        // in file order, so the tree and every report come out as if read line by line.
        var inFlight = new Queue<Task<ParsedBlock>>();
        var linesBefore = lines.LineNumber;
        while (true)
        {
            while (inFlight.Count <= parallelism && lines.TryReadBlock(out var rented, out var filled))
            {
                var (block, length) = (rented, filled);
                inFlight.Enqueue(parallelism > 1 ? Task.Run(() => ParsedBlock.Parse(block, length)) : Task.FromResult(ParsedBlock.Parse(block, length)));
            }

            if (inFlight.Count == 0)
            {
                break;
            }

            var parsed = inFlight.Dequeue().GetAwaiter().GetResult();
            Consume(parsed, linesBefore, historySizes);
            linesBefore += parsed.Lines;
            parsed.Recycle();
        }

        while (expected < End)
        {
            if (!TryDrainHeld(historySizes))
            {
                Missing(expected, null);
                expected++;
            }
        }

        FlushMissing();
        Conclude();
    }

    private void Consume(ParsedBlock parsed, long linesBefore, HashSet<ulong> historySizes)
    {
        for (var i = 0; i < parsed.Count; i++)
        {
            check.Report.EntryLines++;
            var line = linesBefore + parsed.Line[i];
            var stated = parsed.Stated.AsSpan(i * MerkleHash.Size, MerkleHash.Size);
            switch (parsed.State[i])
            {
                case ParsedBlock.EntryState.Malformed:
                    check.Problem(BundleProblemKind.Malformed, parsed.HasIndex![i] ? parsed.Index[i] : null, line, parsed.Errors[i]!);
                    continue;
                case ParsedBlock.EntryState.Payload:
                    check.Report.PayloadsChecked++;
                    Place(parsed.Index[i], stated, parsed.Content.AsSpan(i * MerkleHash.Size, MerkleHash.Size), line, historySizes);
                    break;
                default:
                    check.Report.PayloadsRemoved++;
                    Place(parsed.Index[i], stated, default, line, historySizes);
                    break;
            }
        }
    }

    private void PrepareRangeProof()
    {
        var leftCount = BitOperations.PopCount(header.First);
        var rightCount = RangeProof.RightNodes(End, header.TreeSize).Count;
        var given = header.RangeProof ?? [];
        var hashes = new byte[given.Count * MerkleHash.Size];
        for (var i = 0; i < given.Count; i++)
        {
            if (!ProofFormat.TryParseHash(given[i], hashes.AsSpan(i * MerkleHash.Size, MerkleHash.Size), out var error))
            {
                check.Problem(BundleProblemKind.Malformed, null, 1, $"range proof hash {i + 1}: {error}");
                rootComputable = false;
            }
        }

        if (given.Count != leftCount + rightCount)
        {
            check.Problem(
                BundleProblemKind.Malformed,
                null,
                1,
                string.Create(CultureInfo.InvariantCulture, $"the range proof has {given.Count} hashes; entries {header.First} to {End} of a tree of {header.TreeSize} need {leftCount + rightCount}"));
            rootComputable = false;
            stated = MerkleRootBuilder.FromFrontier(header.First, new byte[leftCount * MerkleHash.Size]);
            return;
        }

        stated = MerkleRootBuilder.FromFrontier(header.First, hashes.AsSpan(0, leftCount * MerkleHash.Size));
        rightNodes = hashes[(leftCount * MerkleHash.Size)..];
    }

    private void Place(ulong index, ReadOnlySpan<byte> statedLeaf, ReadOnlySpan<byte> contentLeaf, long line, HashSet<ulong> historySizes)
    {
        if (index < header.First || index >= End)
        {
            check.Problem(BundleProblemKind.OutOfRange, index, line, string.Create(CultureInfo.InvariantCulture, $"the bundle holds entries {header.First} to {End - 1} only"));
            return;
        }

        if (index == expected)
        {
            FlushMissing();
            if (held.Count > 0)
            {
                var earliest = held.MinBy(h => h.Value.Line);
                check.Problem(
                    BundleProblemKind.OutOfOrder,
                    index,
                    line,
                    string.Create(CultureInfo.InvariantCulture, $"it comes after entry {earliest.Key} (line {earliest.Value.Line}): entries are out of order"));
            }

            Accept(index, statedLeaf, contentLeaf, line, historySizes);
            while (TryDrainHeld(historySizes))
            {
            }

            return;
        }

        if (index < expected)
        {
            var wasGivenUp = givenUp.Any(r => index >= r.Start && index < r.End);
            check.Problem(
                wasGivenUp ? BundleProblemKind.OutOfOrder : BundleProblemKind.Duplicate,
                index,
                line,
                wasGivenUp
                    ? $"it appears more than {ReorderWindow} lines late (it was reported missing above)"
                    : "it appears a second time (the copy was ignored)");
            return;
        }

        if (held.ContainsKey(index))
        {
            check.Problem(BundleProblemKind.Duplicate, index, line, "it appears a second time (the copy was ignored)");
            return;
        }

        held[index] = new Held(statedLeaf.ToArray(), contentLeaf.IsEmpty ? null : contentLeaf.ToArray(), line);
        while (held.Count > ReorderWindow)
        {
            Missing(expected, line);
            expected++;
            while (TryDrainHeld(historySizes))
            {
            }
        }
    }

    private bool TryDrainHeld(HashSet<ulong> historySizes)
    {
        if (!held.Remove(expected, out var next))
        {
            return false;
        }

        FlushMissing();
        Accept(expected, next.Stated, next.Content, next.Line, historySizes);
        return true;
    }

    private void Accept(ulong index, ReadOnlySpan<byte> statedLeaf, ReadOnlySpan<byte> contentLeaf, long line, HashSet<ulong> historySizes)
    {
        if (!contentLeaf.IsEmpty && !contentLeaf.SequenceEqual(statedLeaf))
        {
            mismatches.Add(new Mismatch(index, line, statedLeaf.ToArray(), contentLeaf.ToArray()));

            // Until now the payloads agreed with their leaves: the content tree starts as a copy of the stated one.
            content ??= MerkleRootBuilder.FromFrontier(stated!.Count, stated.Frontier);
        }

        stated!.Push(statedLeaf);
        content?.Push(contentLeaf.IsEmpty ? statedLeaf : contentLeaf);
        expected = index + 1;
        if (historySizes.Contains(stated.Count))
        {
            prefixRoots[stated.Count] = stated.GetRoot();
        }
    }

    private void Missing(ulong index, long? line)
    {
        rootComputable = false;
        if (missingRun is not null && RunEnd == index)
        {
            RunEnd = index + 1;
            return;
        }

        FlushMissing();
        missingRun = (index, line ?? 0);
        RunEnd = index + 1;
    }

    private ulong RunEnd { get; set; }

    private void FlushMissing()
    {
        if (missingRun is not { } run)
        {
            return;
        }

        missingRun = null;
        givenUp.Add((run.Start, RunEnd));
        var count = RunEnd - run.Start;
        check.Problem(
            BundleProblemKind.Missing,
            run.Start,
            null,
            count == 1
                ? "it is missing from the bundle"
                : string.Create(CultureInfo.InvariantCulture, $"entries {run.Start} to {RunEnd - 1} ({count} entries) are missing from the bundle"));
    }

    private void Conclude()
    {
        if (signedRoot is null)
        {
            return;
        }

        if (!rootComputable)
        {
            check.Problem(BundleProblemKind.RootMismatch, null, null, "the root could not be recomputed, because entries or range-proof hashes are missing or unreadable (see above)");
            ReportMismatches(BundleProblemKind.EntryAltered);
            return;
        }

        var statedRoot = Root(stated!);
        if (statedRoot.AsSpan().SequenceEqual(signedRoot))
        {
            // The leaf hashes are the signed ones, so every payload that disagrees with its leaf was altered.
            ReportMismatches(BundleProblemKind.PayloadAltered);
            return;
        }

        if (content is not null && Root(content).AsSpan().SequenceEqual(signedRoot))
        {
            ReportMismatches(BundleProblemKind.LeafHashAltered);
            return;
        }

        ReportMismatches(BundleProblemKind.EntryAltered);
        check.Problem(
            BundleProblemKind.RootMismatch,
            null,
            null,
            $"the entries lead to root {Convert.ToHexStringLower(statedRoot)}, not the signed {Convert.ToHexStringLower(signedRoot)}: " +
            "some entry was altered together with its leaf hash, or the range proof was altered" + Localize());
    }

    private string Localize()
    {
        ulong authenticUpTo = header.First;
        ulong? alteredBefore = null;
        foreach (var old in check.History.Where(c => prefixRoots.ContainsKey(c.TreeSize)).OrderBy(c => c.TreeSize))
        {
            if (prefixRoots[old.TreeSize].AsSpan().SequenceEqual(old.RootHash))
            {
                authenticUpTo = Math.Max(authenticUpTo, old.TreeSize);
            }
            else
            {
                alteredBefore ??= old.TreeSize;
            }
        }

        if (authenticUpTo == header.First && alteredBefore is null)
        {
            return string.Empty;
        }

        return string.Create(
            CultureInfo.InvariantCulture,
            $"; by the older signed checkpoints, the change is among entries {authenticUpTo} to {(alteredBefore ?? End) - 1}");
    }

    private byte[] Root(MerkleRootBuilder builder)
    {
        var root = new byte[MerkleHash.Size];
        return RangeProof.TryComputeRoot(End, header.TreeSize, builder.Frontier, rightNodes, root) ? root : [];
    }

    private void ReportMismatches(BundleProblemKind kind)
    {
        foreach (var m in mismatches)
        {
            var stated = Convert.ToHexStringLower(m.Stated);
            var computed = Convert.ToHexStringLower(m.Content);
            check.Problem(kind, m.Index, m.Line, kind switch
            {
                BundleProblemKind.PayloadAltered => $"the payload was altered: it hashes to {computed}, but the signed leaf hash is {stated}",
                BundleProblemKind.LeafHashAltered => $"the leaf hash was altered to {stated}; the payload is the signed one (it hashes to {computed})",
                _ => $"the payload hashes to {computed}, but the bundle's leaf hash is {stated}",
            });
        }
    }

    private sealed record Held(byte[] Stated, byte[]? Content, long Line);

    private sealed record Mismatch(ulong Index, long Line, byte[] Stated, byte[] Content);
}
