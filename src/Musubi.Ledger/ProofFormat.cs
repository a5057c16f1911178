using System.Globalization;

namespace Musubi.Ledger;

/// <summary>Conversions between flat proofs (concatenated 32-byte hashes) and the forms people and files use.</summary>
public static class ProofFormat
{
    /// <summary>
    /// Concatenates separate proof hashes; null when one of them is not 32 bytes (such a proof cannot verify, and
    /// flattening it would shift every later hash).
    /// </summary>
    public static byte[]? Flatten(IReadOnlyList<byte[]> hashes)
    {
        var flat = new byte[hashes.Count * MerkleHash.Size];
        for (var i = 0; i < hashes.Count; i++)
        {
            if (hashes[i].Length != MerkleHash.Size)
            {
                return null;
            }

            hashes[i].CopyTo(flat, i * MerkleHash.Size);
        }

        return flat;
    }

    /// <summary>The proof's hashes as lowercase hex, comma-separated (the CLI's <c>--proof</c> form); empty for no hashes.</summary>
    public static string ToHexList(ReadOnlySpan<byte> proof)
    {
        var parts = new string[proof.Length / MerkleHash.Size];
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = Convert.ToHexStringLower(proof.Slice(i * MerkleHash.Size, MerkleHash.Size));
        }

        return string.Join(',', parts);
    }

    /// <summary>
    /// Parses comma-separated hex hashes (whitespace around each is ignored). An empty or blank string is a proof of
    /// no hashes. Every hash must be exactly 64 hex digits.
    /// </summary>
    public static bool TryParseHexList(string? text, out byte[] proof, out string error)
    {
        proof = [];
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        var parts = text.Split(',');
        var flat = new byte[parts.Length * MerkleHash.Size];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!TryParseHash(parts[i], flat.AsSpan(i * MerkleHash.Size, MerkleHash.Size), out var why))
            {
                error = $"proof hash {i + 1} of {parts.Length}: {why}";
                return false;
            }
        }

        proof = flat;
        return true;
    }

    /// <summary>Parses one hash written as 64 hex digits (either case; surrounding whitespace ignored).</summary>
    public static bool TryParseHash(string? text, Span<byte> destination, out string error)
    {
        var digits = (text ?? string.Empty).AsSpan().Trim();
        if (digits.Length != 2 * MerkleHash.Size)
        {
            error = digits.IsEmpty
                ? "empty, expected 64 hex digits"
                : string.Create(CultureInfo.InvariantCulture, $"{digits.Length} characters, expected 64 hex digits");
            return false;
        }

        if (Convert.FromHexString(digits, destination, out _, out var written) != System.Buffers.OperationStatus.Done || written != MerkleHash.Size)
        {
            error = $"'{digits}' is not hexadecimal";
            return false;
        }

        error = string.Empty;
        return true;
    }
}
