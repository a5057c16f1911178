using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Musubi.Ledger.Checkpoints;

namespace Musubi.Ledger.Bundles;

/// <summary>Options for <see cref="BundleVerifier"/>.</summary>
public sealed record BundleVerifierOptions
{
    /// <summary>
    /// The log keys the reader trusts (published by the log). When empty, the checkpoint is checked against the key
    /// the bundle carries, and the report says so: the reader must then compare that key with the published one.
    /// </summary>
    public IReadOnlyList<NoteVerifier> TrustedKeys { get; init; } = [];

    /// <summary>How many problems the report lists (all are counted).</summary>
    public int MaxListedProblems { get; init; } = 1000;

    /// <summary>
    /// Threads that parse entries and hash payloads (a range bundle's costly part) while one thread builds the tree.
    /// 1 does everything on the calling thread.
    /// </summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;
}

/// <summary>
/// Checks an export bundle offline, with nothing but the bundle (and, ideally, the log's published key): the
/// checkpoint's signature; every payload against its leaf hash; the leaves against the signed root (a range bundle
/// recomputes the root in one streaming pass, a sparse bundle checks each entry's inclusion proof); older
/// checkpoints against the current one. It reports each missing, duplicated, reordered or altered entry by index.
/// </summary>
public static class BundleVerifier
{
    /// <summary>Verifies the bundle file at <paramref name="path"/>.</summary>
    public static BundleReport Verify(string path, BundleVerifierOptions? options = null)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        return Verify(stream, options);
    }

    /// <summary>Verifies a bundle read from <paramref name="stream"/>.</summary>
    public static BundleReport Verify(Stream stream, BundleVerifierOptions? options = null)
    {
        var stopwatch = Stopwatch.StartNew();
        var check = new Check(options ?? new BundleVerifierOptions());
        var lines = new LineReader(stream);
        check.Run(lines);
        check.Report.BytesRead = lines.BytesRead;
        check.Report.Elapsed = stopwatch.Elapsed;
        return check.Report;
    }

    private sealed class Check(BundleVerifierOptions options)
    {
        public BundleReport Report { get; } = new();

        private BundleHeader? header;
        private Checkpoint? checkpoint;

        public void Run(LineReader lines)
        {
            if (!lines.TryReadLine(out var first))
            {
                Problem(BundleProblemKind.Malformed, null, null, "the bundle is empty");
                return;
            }

            if (!ReadHeader(first))
            {
                return;
            }

            CheckCheckpoint();
            if (header!.Mode == BundleHeader.RangeMode)
            {
                new RangeCheck(this, header, checkpoint?.RootHash).Run(lines, Math.Max(1, options.MaxDegreeOfParallelism));
            }
            else
            {
                new SparseCheck(this, header, checkpoint?.RootHash).Run(lines);
            }
        }

        public void Problem(BundleProblemKind kind, ulong? index, long? line, string message)
        {
            Report.ProblemCount++;
            if (Report.ListedProblems.Count < options.MaxListedProblems)
            {
                Report.ListedProblems.Add(new BundleProblem(kind, index, line, message));
            }
        }

        private bool ReadHeader(ReadOnlySpan<byte> line)
        {
            try
            {
                header = JsonSerializer.Deserialize<BundleHeader>(line, BundleHeader.Json);
            }
            catch (JsonException e)
            {
                Problem(BundleProblemKind.Malformed, null, 1, $"the header is not valid JSON ({e.Message})");
                return false;
            }

            if (header is null || header.Format != BundleHeader.FormatName)
            {
                Problem(BundleProblemKind.Malformed, null, 1, $"the first line is not a {BundleHeader.FormatName} header");
                return false;
            }

            if (header.Version != BundleHeader.CurrentVersion)
            {
                Problem(BundleProblemKind.Malformed, null, 1, $"bundle version {header.Version} is not supported (this verifier reads version {BundleHeader.CurrentVersion})");
                return false;
            }

            if (header.Mode is not (BundleHeader.RangeMode or BundleHeader.SparseMode))
            {
                Problem(BundleProblemKind.Malformed, null, 1, $"unknown mode '{header.Mode}'");
                return false;
            }

            Report.Mode = header.Mode;
            Report.Origin = header.Origin;
            Report.TreeSize = header.TreeSize;
            Report.First = header.First;
            Report.Count = header.Count;
            if (header.Mode == BundleHeader.RangeMode && (header.First > header.TreeSize || header.Count > header.TreeSize - header.First))
            {
                Problem(BundleProblemKind.Malformed, null, 1, string.Create(CultureInfo.InvariantCulture, $"entries {header.First} + {header.Count} reach past the tree size {header.TreeSize}"));
                return false;
            }

            return true;
        }

        private void CheckCheckpoint()
        {
            NoteVerifier? bundleKey = null;
            if (!NoteVerifier.TryParse(header!.VerifierKey, out bundleKey, out var keyError))
            {
                Problem(BundleProblemKind.Malformed, null, 1, $"the header's verifierKey: {keyError}");
            }

            var trusted = options.TrustedKeys.Count > 0 ? options.TrustedKeys : bundleKey is null ? [] : [bundleKey];
            var opened = Checkpoint.Open(header.Checkpoint, trusted);
            if (opened.Checkpoint is { } verified)
            {
                checkpoint = verified;
                Report.CheckpointTrusted = true;
                var signer = trusted.First(k => opened.Note!.Signatures.Any(s => s.KeyName == k.KeyName && s.KeyId == k.KeyId));
                Report.SignerKey = signer.ToString();
                Report.NoteList.Add(options.TrustedKeys.Count > 0
                    ? $"the checkpoint is signed by the trusted key {signer.KeyName} ({signer.KeyId:x8})"
                    : $"the checkpoint is signed by the key the bundle carries ({signer.KeyName}, key ID {signer.KeyId:x8}); " +
                      "compare it with the key the log publishes before relying on this result");
                if (options.TrustedKeys.Count > 0 && bundleKey is not null && !options.TrustedKeys.Any(k => k.ToString() == bundleKey.ToString()))
                {
                    Report.NoteList.Add($"the bundle names the key {bundleKey}, which is not among the trusted keys");
                }
            }
            else
            {
                Problem(BundleProblemKind.CheckpointNotTrusted, null, 1, $"the checkpoint does not verify: {opened.Reason}");

                // Still check the entries against the (untrusted) root, to say what else is wrong.
                if (opened.Note is { } note && Checkpoint.TryParse(note.Text, out var unverified, out _))
                {
                    checkpoint = unverified;
                }
            }

            if (checkpoint is null)
            {
                return;
            }

            Report.Root = checkpoint.RootHash;
            if (checkpoint.Origin != header.Origin || checkpoint.TreeSize != header.TreeSize)
            {
                Problem(
                    BundleProblemKind.CheckpointMismatch,
                    null,
                    1,
                    string.Create(CultureInfo.InvariantCulture, $"the header says {header.Origin} at size {header.TreeSize}, the signed checkpoint {checkpoint.Origin} at size {checkpoint.TreeSize}"));
                Report.TreeSize = checkpoint.TreeSize;
            }

            CheckHistory(trusted);
        }

        private void CheckHistory(IReadOnlyList<NoteVerifier> trusted)
        {
            foreach (var (entry, i) in header!.History.Select((h, i) => (h, i + 1)))
            {
                var opened = Checkpoint.Open(entry.Checkpoint, trusted);
                if (opened.Checkpoint is not { } old)
                {
                    Problem(BundleProblemKind.HistoryInconsistent, null, 1, $"history checkpoint {i} does not verify: {opened.Reason}");
                    continue;
                }

                if (!ProofFormat.TryParseHexList(string.Join(',', entry.ConsistencyProof), out var proof, out var error))
                {
                    Problem(BundleProblemKind.Malformed, null, 1, $"history checkpoint {i}: {error}");
                    continue;
                }

                var result = MerkleVerifier.VerifyConsistency(old.TreeSize, checkpoint!.TreeSize, old.RootHash, checkpoint.RootHash, proof);
                if (result.IsValid)
                {
                    Report.NoteList.Add(string.Create(CultureInfo.InvariantCulture, $"the signed checkpoint at size {old.TreeSize} is consistent with this one (the log only grew)"));
                    History.Add(old);
                }
                else
                {
                    Problem(
                        BundleProblemKind.HistoryInconsistent,
                        null,
                        1,
                        string.Create(CultureInfo.InvariantCulture, $"the signed checkpoint at size {old.TreeSize} is not consistent with the one at size {checkpoint.TreeSize}: {result.Reason}"));
                }
            }
        }

        public List<Checkpoint> History { get; } = [];
    }

    /// <summary>A range bundle: consecutive entries, checked in one streaming pass.</summary>
    private sealed class RangeCheck(Check check, BundleHeader header, byte[]? signedRoot)
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

    /// <summary>A sparse bundle: chosen entries, each with its own inclusion proof.</summary>
    private sealed class SparseCheck(Check check, BundleHeader header, byte[]? signedRoot)
    {
        public void Run(LineReader lines)
        {
            var listed = header.Indices ?? [];
            if ((ulong)listed.Count != header.Count || listed.Where((x, i) => i > 0 && x <= listed[i - 1]).Any() || listed.Any(x => x >= header.TreeSize))
            {
                check.Problem(BundleProblemKind.Malformed, null, 1, "the header's indices are not increasing indices below the tree size, one per entry");
            }

            var wanted = listed.ToHashSet();
            var seen = new Dictionary<ulong, long>();
            ulong? previous = null;
            Span<byte> statedLeaf = stackalloc byte[MerkleHash.Size];
            Span<byte> contentLeaf = stackalloc byte[MerkleHash.Size];
            var payload = new byte[4096];
            while (lines.TryReadLine(out var line))
            {
                if (line.IsEmpty || line.IndexOfAnyExcept((byte)' ', (byte)'\r', (byte)'\t') < 0)
                {
                    continue;
                }

                check.Report.EntryLines++;
                var entry = EntryLines.Parse(line, statedLeaf, ref payload);
                if (entry.Error is not null)
                {
                    check.Problem(BundleProblemKind.Malformed, entry.HasIndex ? entry.Index : null, lines.LineNumber, entry.Error);
                    continue;
                }

                var index = entry.Index;
                if (!wanted.Contains(index))
                {
                    check.Problem(BundleProblemKind.OutOfRange, index, lines.LineNumber, "the header does not list this entry");
                    continue;
                }

                if (seen.TryGetValue(index, out var firstLine))
                {
                    check.Problem(BundleProblemKind.Duplicate, index, lines.LineNumber, string.Create(CultureInfo.InvariantCulture, $"it appears a second time (first at line {firstLine})"));
                    continue;
                }

                seen[index] = lines.LineNumber;
                if (previous is { } p && index < p)
                {
                    check.Problem(BundleProblemKind.OutOfOrder, index, lines.LineNumber, string.Create(CultureInfo.InvariantCulture, $"it comes after entry {p}: entries are out of order"));
                }

                previous = index;
                if (entry.HasPayload)
                {
                    MerkleHash.Leaf(entry.Payload, contentLeaf);
                    check.Report.PayloadsChecked++;
                }
                else
                {
                    check.Report.PayloadsRemoved++;
                }

                CheckEntry(index, lines.LineNumber, statedLeaf, entry.HasPayload ? contentLeaf : default, entry.InclusionProof);
            }

            foreach (var index in listed.Where(i => !seen.ContainsKey(i)))
            {
                check.Problem(BundleProblemKind.Missing, index, null, "it is listed in the header but missing from the bundle");
            }
        }

        private void CheckEntry(ulong index, long line, ReadOnlySpan<byte> statedLeaf, ReadOnlySpan<byte> contentLeaf, List<string>? proofText)
        {
            if (proofText is null)
            {
                check.Problem(BundleProblemKind.Malformed, index, line, "a sparse entry needs an \"inclusionProof\"");
                return;
            }

            if (!ProofFormat.TryParseHexList(string.Join(',', proofText), out var proof, out var error))
            {
                check.Problem(BundleProblemKind.Malformed, index, line, $"inclusionProof: {error}");
                return;
            }

            if (signedRoot is null)
            {
                return;
            }

            var asStated = MerkleVerifier.VerifyInclusion(index, header.TreeSize, statedLeaf, proof, signedRoot);
            var payloadAgrees = contentLeaf.IsEmpty || contentLeaf.SequenceEqual(statedLeaf);
            if (asStated.IsValid && payloadAgrees)
            {
                return;
            }

            if (asStated.IsValid)
            {
                check.Problem(
                    BundleProblemKind.PayloadAltered,
                    index,
                    line,
                    $"the payload was altered: it hashes to {Convert.ToHexStringLower(contentLeaf)}, but the signed leaf hash is {Convert.ToHexStringLower(statedLeaf)}");
                return;
            }

            if (!contentLeaf.IsEmpty && MerkleVerifier.VerifyInclusion(index, header.TreeSize, contentLeaf, proof, signedRoot).IsValid)
            {
                check.Problem(BundleProblemKind.LeafHashAltered, index, line, $"the leaf hash was altered to {Convert.ToHexStringLower(statedLeaf)}; the payload is the signed one");
                return;
            }

            check.Problem(
                payloadAgrees ? BundleProblemKind.ProofInvalid : BundleProblemKind.EntryAltered,
                index,
                line,
                $"its inclusion proof does not lead to the signed root ({asStated.Reason})" + (payloadAgrees ? string.Empty : "; its payload and leaf hash also disagree"));
        }
    }
}
