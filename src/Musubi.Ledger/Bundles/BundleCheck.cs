using System.Globalization;
using System.Text.Json;
using Musubi.Ledger.Checkpoints;

namespace Musubi.Ledger.Bundles;

/// <summary>One verification: the header, the checkpoint and the history; the entries are checked by the mode's class.</summary>
internal sealed class BundleCheck(BundleVerifierOptions options)
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
            new RangeBundleCheck(this, header, checkpoint?.RootHash).Run(lines, Math.Max(1, options.MaxDegreeOfParallelism));
        }
        else
        {
            new SparseBundleCheck(this, header, checkpoint?.RootHash).Run(lines);
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
