using System.Globalization;

namespace Musubi.Ledger.Bundles;

/// <summary>A sparse bundle: chosen entries, each with its own inclusion proof.</summary>
internal sealed class SparseBundleCheck(BundleCheck check, BundleHeader header, byte[]? signedRoot)
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
