namespace Musubi.Ledger;

/// <summary>
/// Checks inclusion and consistency proofs with the algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2, and their subtree
/// variants from the Merkle Tree Certificates draft. Proofs are flat (the 32-byte hashes concatenated); a bad proof
/// gives an invalid <see cref="VerificationResult"/>, never an exception.
/// </summary>
/// <remarks>
/// <para><b>Old size 0.</b> RFC 9162 defines consistency proofs only for <c>0 &lt; first &lt; second</c>. The empty tree is
/// a prefix of every tree, so there is nothing to prove, but the claim still names two roots. This verifier accepts
/// <c>size1 = 0</c> exactly when the proof is empty, <c>root1</c> is the empty tree's root <c>SHA-256()</c>
/// (<see cref="MerkleHash.EmptyTreeRoot"/>, RFC 9162 §2.1.1), and <c>root2</c> is a well-formed 32-byte hash (itself
/// <c>SHA-256()</c> when <c>size2</c> is also 0). Anything else with <c>size1 = 0</c> is invalid: a non-empty proof,
/// any other old root, a malformed new root. This matches the subtree rule of the MTC draft for the empty subtree
/// <c>[x, x)</c> and every vector of transparency-dev/merkle.</para>
/// <para><b>Equal sizes.</b> The proof must be empty and the roots identical, byte for byte.</para>
/// </remarks>
public static class MerkleVerifier
{
    private const int HashSize = MerkleHash.Size;

    /// <summary>
    /// Verifies that <paramref name="leafHash"/> is leaf <paramref name="leafIndex"/> of the tree of
    /// <paramref name="treeSize"/> leaves whose root is <paramref name="root"/> (RFC 9162 §2.1.3.2).
    /// </summary>
    public static VerificationResult VerifyInclusion(
        ulong leafIndex, ulong treeSize, ReadOnlySpan<byte> leafHash, ReadOnlySpan<byte> proof, ReadOnlySpan<byte> root)
    {
        if (CheckHashes(leafHash, "leaf hash", root, "root", proof) is { } malformed)
        {
            return malformed;
        }

        Span<byte> computed = stackalloc byte[HashSize];
        var result = EvaluateInclusion(leafIndex, treeSize, leafHash, proof, computed);
        if (!result.IsValid)
        {
            return result;
        }

        return computed.SequenceEqual(root)
            ? VerificationResult.Valid
            : VerificationResult.Invalid(
                VerificationFailure.RootMismatch,
                $"the proof leads to root {Convert.ToHexStringLower(computed)}, not {Convert.ToHexStringLower(root)}");
    }

    /// <summary>
    /// Verifies that the tree of <paramref name="size2"/> leaves with root <paramref name="root2"/> extends the tree
    /// of <paramref name="size1"/> leaves with root <paramref name="root1"/> (RFC 9162 §2.1.4.2; for size 0 see the
    /// class remarks).
    /// </summary>
    public static VerificationResult VerifyConsistency(
        ulong size1, ulong size2, ReadOnlySpan<byte> root1, ReadOnlySpan<byte> root2, ReadOnlySpan<byte> proof)
    {
        if (proof.Length % HashSize != 0)
        {
            return MalformedProof(proof);
        }

        if (size1 > size2)
        {
            return VerificationResult.Invalid(VerificationFailure.InvalidSizes, $"the old size {size1} is greater than the new size {size2}");
        }

        if (size1 == 0)
        {
            return VerifyFromEmpty(size2, root1, root2, proof);
        }

        if (size1 == size2)
        {
            if (!proof.IsEmpty)
            {
                return VerificationResult.Invalid(VerificationFailure.ProofNotEmpty, $"the sizes are equal, so the proof must be empty, but it has {proof.Length / HashSize} hashes");
            }

            return root1.SequenceEqual(root2)
                ? VerificationResult.Valid
                : VerificationResult.Invalid(VerificationFailure.RootMismatch, "the sizes are equal but the roots differ");
        }

        if (CheckHashes(root1, "old root", root2, "new root", proof) is { } malformed)
        {
            return malformed;
        }

        // Step 1.
        if (proof.IsEmpty)
        {
            return VerificationResult.Invalid(VerificationFailure.ProofTooShort, $"a proof from size {size1} to {size2} cannot be empty");
        }

        // Step 2: when first is a power of two its root is a node of the new tree, which the proof leaves out.
        var prependFirst = (size1 & (size1 - 1)) == 0;
        var count = (proof.Length / HashSize) + (prependFirst ? 1 : 0);

        // Steps 3 and 4.
        var fn = size1 - 1;
        var sn = size2 - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        // Step 5.
        Span<byte> fr = stackalloc byte[HashSize];
        Span<byte> sr = stackalloc byte[HashSize];
        PathAt(0, prependFirst, proof, root1).CopyTo(fr);
        PathAt(0, prependFirst, proof, root1).CopyTo(sr);

        // Step 6.
        for (var i = 1; i < count; i++)
        {
            if (sn == 0)
            {
                return TooLong(count - (prependFirst ? 1 : 0));
            }

            var c = PathAt(i, prependFirst, proof, root1);
            if ((fn & 1) == 1 || fn == sn)
            {
                MerkleHash.Node(c, fr, fr);
                MerkleHash.Node(c, sr, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                MerkleHash.Node(sr, c, sr);
            }

            fn >>= 1;
            sn >>= 1;
        }

        // Step 7.
        if (sn != 0)
        {
            return VerificationResult.Invalid(VerificationFailure.ProofTooShort, $"the proof has too few hashes for sizes {size1} and {size2}");
        }

        if (!fr.SequenceEqual(root1))
        {
            return VerificationResult.Invalid(
                VerificationFailure.OldRootMismatch,
                $"the proof leads to old root {Convert.ToHexStringLower(fr)}, not {Convert.ToHexStringLower(root1)}");
        }

        return sr.SequenceEqual(root2)
            ? VerificationResult.Valid
            : VerificationResult.Invalid(
                VerificationFailure.RootMismatch,
                $"the proof leads to new root {Convert.ToHexStringLower(sr)}, not {Convert.ToHexStringLower(root2)}");
    }

    /// <summary>
    /// Verifies that <paramref name="leafHash"/> is leaf <paramref name="leafIndex"/> of the subtree
    /// <c>[start, end)</c> whose hash is <paramref name="subtreeHash"/> (MTC draft §"Verifying a Subtree Inclusion Proof").
    /// </summary>
    public static VerificationResult VerifySubtreeInclusion(
        ulong leafIndex, ulong start, ulong end, ReadOnlySpan<byte> leafHash, ReadOnlySpan<byte> proof, ReadOnlySpan<byte> subtreeHash)
    {
        if (!MerkleTree.IsValidSubtree(start, end))
        {
            return InvalidSubtree(start, end);
        }

        if (leafIndex < start || leafIndex >= end)
        {
            return VerificationResult.Invalid(VerificationFailure.IndexOutOfRange, $"leaf {leafIndex} is outside the subtree [{start}, {end})");
        }

        return VerifyInclusion(leafIndex - start, end - start, leafHash, proof, subtreeHash);
    }

    /// <summary>
    /// Verifies that the subtree <c>[start, end)</c> with hash <paramref name="subtreeHash"/> is part of the tree of
    /// <paramref name="treeSize"/> leaves with root <paramref name="root"/> (MTC draft §"Verifying a Subtree
    /// Consistency Proof"). With <c>start = 0</c> this is an RFC 9162 consistency check.
    /// </summary>
    public static VerificationResult VerifySubtreeConsistency(
        ulong start, ulong end, ulong treeSize, ReadOnlySpan<byte> subtreeHash, ReadOnlySpan<byte> root, ReadOnlySpan<byte> proof)
    {
        if (proof.Length % HashSize != 0)
        {
            return MalformedProof(proof);
        }

        // Step 1.
        if (!MerkleTree.IsValidSubtree(start, end) || end > treeSize)
        {
            return InvalidSubtree(start, end, treeSize);
        }

        // Step 2: the empty subtree is in every tree.
        if (start == end)
        {
            if (!proof.IsEmpty)
            {
                return VerificationResult.Invalid(VerificationFailure.ProofNotEmpty, "the subtree is empty, so the proof must be empty");
            }

            return subtreeHash.SequenceEqual(MerkleHash.EmptyTreeRoot)
                ? VerificationResult.Valid
                : VerificationResult.Invalid(VerificationFailure.OldRootMismatch, "an empty subtree's hash must be SHA-256() (e3b0c442…)");
        }

        // Steps 3 and 4: climb to the lowest level where the subtree is a single node, or where its right edge turns.
        var fn = start;
        var sn = end - 1;
        var tn = treeSize - 1;
        if (sn == tn)
        {
            while (fn != sn)
            {
                fn >>= 1;
                sn >>= 1;
                tn >>= 1;
            }
        }
        else
        {
            while (fn != sn && (sn & 1) == 1)
            {
                fn >>= 1;
                sn >>= 1;
                tn >>= 1;
            }
        }

        // Step 5. The subtree hash is only ever compared, never hashed, when the proof is empty.
        var remaining = proof;
        Span<byte> fr = stackalloc byte[HashSize];
        Span<byte> sr = stackalloc byte[HashSize];
        if (fn == sn)
        {
            if (remaining.IsEmpty)
            {
                return Final(tn, subtreeHash, subtreeHash, subtreeHash, root);
            }

            if (CheckHashes(subtreeHash, "subtree hash", root, "root", proof) is { } malformed)
            {
                return malformed;
            }

            subtreeHash.CopyTo(fr);
            subtreeHash.CopyTo(sr);
        }
        else
        {
            if (remaining.IsEmpty)
            {
                return VerificationResult.Invalid(VerificationFailure.ProofTooShort, $"the subtree [{start}, {end}) needs a non-empty proof");
            }

            if (CheckHashes(subtreeHash, "subtree hash", root, "root", proof) is { } malformed)
            {
                return malformed;
            }

            remaining[..HashSize].CopyTo(fr);
            remaining[..HashSize].CopyTo(sr);
            remaining = remaining[HashSize..];
        }

        // Step 6.
        for (; !remaining.IsEmpty; remaining = remaining[HashSize..])
        {
            if (tn == 0)
            {
                return TooLong(proof.Length / HashSize);
            }

            var c = remaining[..HashSize];
            if ((sn & 1) == 1 || sn == tn)
            {
                if (fn < sn)
                {
                    MerkleHash.Node(c, fr, fr);
                }

                MerkleHash.Node(c, sr, sr);
                while ((sn & 1) == 0 && sn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                    tn >>= 1;
                }
            }
            else
            {
                MerkleHash.Node(sr, c, sr);
            }

            fn >>= 1;
            sn >>= 1;
            tn >>= 1;
        }

        // Step 7.
        return Final(tn, fr, subtreeHash, sr, root);

        static VerificationResult Final(ulong tn, ReadOnlySpan<byte> fr, ReadOnlySpan<byte> subtreeHash, ReadOnlySpan<byte> sr, ReadOnlySpan<byte> root)
        {
            if (tn != 0)
            {
                return VerificationResult.Invalid(VerificationFailure.ProofTooShort, "the proof has too few hashes for the tree size");
            }

            if (!fr.SequenceEqual(subtreeHash))
            {
                return VerificationResult.Invalid(
                    VerificationFailure.OldRootMismatch,
                    $"the proof leads to subtree hash {Convert.ToHexStringLower(fr)}, not {Convert.ToHexStringLower(subtreeHash)}");
            }

            return sr.SequenceEqual(root)
                ? VerificationResult.Valid
                : VerificationResult.Invalid(
                    VerificationFailure.RootMismatch,
                    $"the proof leads to root {Convert.ToHexStringLower(sr)}, not {Convert.ToHexStringLower(root)}");
        }
    }

    /// <summary>
    /// Computes the root that an inclusion proof leads to (steps 1 to 5 of RFC 9162 §2.1.3.2 without the final
    /// comparison), into <paramref name="root"/>. Invalid when the index, sizes or proof length do not fit.
    /// </summary>
    public static VerificationResult EvaluateInclusion(
        ulong leafIndex, ulong treeSize, ReadOnlySpan<byte> leafHash, ReadOnlySpan<byte> proof, Span<byte> root)
    {
        if (leafHash.Length != HashSize)
        {
            return Malformed("leaf hash", leafHash.Length);
        }

        if (proof.Length % HashSize != 0)
        {
            return MalformedProof(proof);
        }

        // Step 1.
        if (leafIndex >= treeSize)
        {
            return VerificationResult.Invalid(VerificationFailure.IndexOutOfRange, $"leaf index {leafIndex} is not below the tree size {treeSize}");
        }

        // Steps 2 and 3.
        var fn = leafIndex;
        var sn = treeSize - 1;
        Span<byte> r = stackalloc byte[HashSize];
        leafHash.CopyTo(r);

        // Step 4.
        for (var offset = 0; offset < proof.Length; offset += HashSize)
        {
            if (sn == 0)
            {
                return TooLong(proof.Length / HashSize);
            }

            var p = proof.Slice(offset, HashSize);
            if ((fn & 1) == 1 || fn == sn)
            {
                MerkleHash.Node(p, r, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                MerkleHash.Node(r, p, r);
            }

            fn >>= 1;
            sn >>= 1;
        }

        // Step 5 (the size half; the caller compares the root).
        if (sn != 0)
        {
            return VerificationResult.Invalid(
                VerificationFailure.ProofTooShort,
                $"the proof has {proof.Length / HashSize} hashes, too few for leaf {leafIndex} of a tree of size {treeSize}");
        }

        r.CopyTo(root);
        return VerificationResult.Valid;
    }

    // The consistency path of step 2: the proof, after first_hash when first is a power of two.
    private static ReadOnlySpan<byte> PathAt(int i, bool prependFirst, ReadOnlySpan<byte> proof, ReadOnlySpan<byte> first)
    {
        if (prependFirst)
        {
            return i == 0 ? first : proof.Slice((i - 1) * HashSize, HashSize);
        }

        return proof.Slice(i * HashSize, HashSize);
    }

    private static VerificationResult VerifyFromEmpty(ulong size2, ReadOnlySpan<byte> root1, ReadOnlySpan<byte> root2, ReadOnlySpan<byte> proof)
    {
        if (!proof.IsEmpty)
        {
            return VerificationResult.Invalid(VerificationFailure.ProofNotEmpty, "the old tree is empty, so the proof must be empty");
        }

        if (!root1.SequenceEqual(MerkleHash.EmptyTreeRoot))
        {
            return VerificationResult.Invalid(VerificationFailure.OldRootMismatch, "the old tree is empty, so its root must be SHA-256() (e3b0c442…)");
        }

        if (root2.Length != HashSize)
        {
            return Malformed("new root", root2.Length);
        }

        return size2 > 0 || root2.SequenceEqual(MerkleHash.EmptyTreeRoot)
            ? VerificationResult.Valid
            : VerificationResult.Invalid(VerificationFailure.RootMismatch, "both trees are empty, so the new root must be SHA-256() too");
    }

    private static VerificationResult? CheckHashes(ReadOnlySpan<byte> a, string aName, ReadOnlySpan<byte> b, string bName, ReadOnlySpan<byte> proof)
    {
        if (a.Length != HashSize)
        {
            return Malformed(aName, a.Length);
        }

        if (b.Length != HashSize)
        {
            return Malformed(bName, b.Length);
        }

        return proof.Length % HashSize != 0 ? MalformedProof(proof) : null;
    }

    private static VerificationResult Malformed(string what, int length) =>
        VerificationResult.Invalid(VerificationFailure.MalformedHash, $"the {what} is {length} bytes, not {HashSize}");

    private static VerificationResult MalformedProof(ReadOnlySpan<byte> proof) =>
        VerificationResult.Invalid(VerificationFailure.MalformedHash, $"the proof is {proof.Length} bytes, not a whole number of {HashSize}-byte hashes");

    private static VerificationResult TooLong(int hashes) =>
        VerificationResult.Invalid(VerificationFailure.ProofTooLong, $"the proof has {hashes} hashes, more than the sizes call for");

    private static VerificationResult InvalidSubtree(ulong start, ulong end, ulong? treeSize = null) =>
        VerificationResult.Invalid(
            VerificationFailure.InvalidSizes,
            treeSize is { } n && end > n && MerkleTree.IsValidSubtree(start, end)
                ? $"the subtree [{start}, {end}) reaches past the tree size {n}"
                : $"[{start}, {end}) is not a subtree (start must be a multiple of BIT_CEIL(end − start))");
}
