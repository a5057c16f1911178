using System.Globalization;
using System.Text;

namespace Musubi.Ledger.Checkpoints;

/// <summary>
/// A transparency log checkpoint (c2sp.org/tlog-checkpoint): the note text <c>&lt;origin&gt;\n&lt;tree size&gt;\n
/// &lt;base64 root hash&gt;\n</c>, optionally followed by non-empty extension lines, signed as a C2SP signed note.
/// </summary>
public sealed record Checkpoint
{
    public Checkpoint(string origin, ulong treeSize, ReadOnlySpan<byte> rootHash, IReadOnlyList<string>? extensions = null)
    {
        if (string.IsNullOrEmpty(origin) || origin.Contains('\n', StringComparison.Ordinal))
        {
            throw new ArgumentException("The origin is one non-empty line.", nameof(origin));
        }

        MerkleHash.CheckHash(rootHash, nameof(rootHash));
        extensions ??= [];
        if (extensions.Any(line => line.Length == 0 || line.Contains('\n', StringComparison.Ordinal)))
        {
            throw new ArgumentException("Extension lines are single non-empty lines.", nameof(extensions));
        }

        Origin = origin;
        TreeSize = treeSize;
        RootHash = rootHash.ToArray();
        Extensions = extensions;
    }

    /// <summary>The log's identity, e.g. <c>musubi.example/ledger</c>.</summary>
    public string Origin { get; }

    public ulong TreeSize { get; }

    /// <summary>The RFC 9162 root of the first <see cref="TreeSize"/> leaves (32 bytes).</summary>
    public byte[] RootHash { get; }

    /// <summary>Optional, opaque extension lines (not recommended by the spec: monitors cannot audit them).</summary>
    public IReadOnlyList<string> Extensions { get; }

    /// <summary>The note text to sign.</summary>
    public string ToNoteText()
    {
        var builder = new StringBuilder()
            .Append(Origin).Append('\n')
            .Append(TreeSize.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(Convert.ToBase64String(RootHash)).Append('\n');
        foreach (var line in Extensions)
        {
            builder.Append(line).Append('\n');
        }

        return builder.ToString();
    }

    /// <summary>Signs the checkpoint: the whole signed note, ready to publish.</summary>
    public string Sign(NoteSigner signer, params NoteSigner[] cosigners)
    {
        var text = ToNoteText();
        List<NoteSignature> signatures = [signer.Sign(text), .. cosigners.Select(c => c.Sign(text))];
        return new SignedNote(text, signatures).ToString();
    }

    /// <summary>Parses a checkpoint's note text (the signed part only).</summary>
    public static bool TryParse(string? text, out Checkpoint? checkpoint, out string error)
    {
        checkpoint = null;
        if (string.IsNullOrEmpty(text) || !text.EndsWith('\n'))
        {
            error = "the checkpoint text does not end with a newline";
            return false;
        }

        var lines = text[..^1].Split('\n');
        if (lines.Length < 3)
        {
            error = "a checkpoint has at least three lines: origin, tree size, root hash";
            return false;
        }

        if (lines.Any(line => line.Length == 0))
        {
            error = "a checkpoint has no empty lines";
            return false;
        }

        var size = lines[1];
        if (!size.All(char.IsAsciiDigit) || (size.Length > 1 && size[0] == '0')
            || !ulong.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var treeSize))
        {
            error = $"the tree size '{size}' is not a decimal number without leading zeros";
            return false;
        }

        byte[] root;
        try
        {
            root = Convert.FromBase64String(lines[2]);
        }
        catch (FormatException)
        {
            error = "the root hash is not base64";
            return false;
        }

        if (root.Length != MerkleHash.Size || Convert.ToBase64String(root) != lines[2])
        {
            error = "the root hash is not the base64 of 32 bytes";
            return false;
        }

        checkpoint = new Checkpoint(lines[0], treeSize, root, lines[3..]);
        error = string.Empty;
        return true;
    }

    /// <summary>
    /// Parses a signed checkpoint and checks its signatures against <paramref name="trustedKeys"/> (the signed-note
    /// rules). The checkpoint is returned only when a trusted signature verifies.
    /// </summary>
    public static CheckpointVerification Open(string? signedNote, params IEnumerable<NoteVerifier> trustedKeys)
    {
        if (!SignedNote.TryParse(signedNote, out var note, out var error))
        {
            return new CheckpointVerification(null, null, $"not a signed note: {error}");
        }

        if (!TryParse(note!.Text, out var checkpoint, out error))
        {
            return new CheckpointVerification(null, note, $"not a checkpoint: {error}");
        }

        var verification = note.Verify(trustedKeys);
        return verification.IsValid
            ? new CheckpointVerification(checkpoint, note, verification.Reason)
            : new CheckpointVerification(null, note, verification.Reason);
    }

    public bool Equals(Checkpoint? other) =>
        other is not null && Origin == other.Origin && TreeSize == other.TreeSize
        && RootHash.AsSpan().SequenceEqual(other.RootHash) && Extensions.SequenceEqual(other.Extensions);

    public override int GetHashCode() => HashCode.Combine(Origin, TreeSize, Convert.ToBase64String(RootHash));
}

/// <summary>The outcome of <see cref="Checkpoint.Open"/>: the checkpoint when trusted, and why (not).</summary>
public sealed record CheckpointVerification(Checkpoint? Checkpoint, SignedNote? Note, string Reason)
{
    public bool IsValid => Checkpoint is not null;
}
