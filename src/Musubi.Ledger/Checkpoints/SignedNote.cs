using System.Text;

namespace Musubi.Ledger.Checkpoints;

/// <summary>One signature line of a note: <c>— &lt;key name&gt; base64(key ID ‖ signature)</c>.</summary>
public sealed record NoteSignature(string KeyName, uint KeyId, byte[] Signature)
{
    /// <summary>The line as it appears in the note, newline included.</summary>
    public string ToLine()
    {
        var blob = new byte[4 + Signature.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(blob, KeyId);
        Signature.CopyTo(blob, 4);
        return $"{SignedNote.SignatureDash} {KeyName} {Convert.ToBase64String(blob)}\n";
    }
}

/// <summary>
/// A C2SP signed note (c2sp.org/signed-note): a text ending in a newline, a blank line, then one or more signature
/// lines, each an em dash (U+2014), a space, the key name, a space and <c>base64(4-byte big-endian key ID ‖
/// signature)</c>. The text is what is signed, final newline included.
/// </summary>
public sealed class SignedNote
{
    /// <summary>The em dash (U+2014) that starts a signature line.</summary>
    public const char SignatureDash = '\u2014';

    /// <summary>Notes larger than this are refused (the spec asks verifiers to set a limit).</summary>
    public const int MaxNoteBytes = 1 << 20;

    /// <summary>Notes with more signatures are refused (the spec requires accepting at least 16).</summary>
    public const int MaxSignatures = 100;

    internal static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public SignedNote(string text, IReadOnlyList<NoteSignature> signatures)
    {
        if (!text.EndsWith('\n'))
        {
            throw new ArgumentException("A note's text ends with a newline.", nameof(text));
        }

        Text = text;
        Signatures = signatures;
    }

    /// <summary>The signed text, including its final newline.</summary>
    public string Text { get; }

    /// <summary>The signatures, in the order of the note.</summary>
    public IReadOnlyList<NoteSignature> Signatures { get; }

    /// <summary>The note as text: the signed text, a blank line, the signature lines.</summary>
    public override string ToString()
    {
        var builder = new StringBuilder(Text).Append('\n');
        foreach (var signature in Signatures)
        {
            builder.Append(signature.ToLine());
        }

        return builder.ToString();
    }

    /// <summary>Parses a signed note; on failure <paramref name="error"/> says what is wrong. Signatures are not checked here.</summary>
    public static bool TryParse(string? note, out SignedNote? signedNote, out string error)
    {
        signedNote = null;
        if (string.IsNullOrEmpty(note))
        {
            error = "the note is empty";
            return false;
        }

        int byteCount;
        try
        {
            byteCount = StrictUtf8.GetByteCount(note);
        }
        catch (EncoderFallbackException)
        {
            error = "the note is not valid UTF-8 text";
            return false;
        }

        if (byteCount > MaxNoteBytes)
        {
            error = $"the note is larger than {MaxNoteBytes} bytes";
            return false;
        }

        foreach (var c in note)
        {
            if (c < ' ' && c != '\n')
            {
                error = $"the note contains the control character U+{(int)c:X4}";
                return false;
            }
        }

        if (!note.EndsWith('\n'))
        {
            error = "the note does not end with a newline";
            return false;
        }

        // The text ends at the last blank line; everything after it is signature lines.
        var separator = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (separator < 0)
        {
            error = "the note has no blank line before its signatures";
            return false;
        }

        var text = note[..(separator + 1)];
        var lines = note[(separator + 2)..].Split('\n');
        var signatures = new List<NoteSignature>();
        for (var i = 0; i < lines.Length - 1; i++)
        {
            if (!TryParseSignatureLine(lines[i], out var signature, out error))
            {
                error = $"signature line {i + 1}: {error}";
                return false;
            }

            signatures.Add(signature!);
        }

        if (signatures.Count == 0)
        {
            error = "the note has no signature lines";
            return false;
        }

        if (signatures.Count > MaxSignatures)
        {
            error = $"the note has {signatures.Count} signatures, more than {MaxSignatures}";
            return false;
        }

        signedNote = new SignedNote(text, signatures);
        error = string.Empty;
        return true;
    }

    /// <summary>
    /// Checks the note against the keys the caller trusts, as c2sp.org/signed-note requires: signatures from unknown
    /// keys (name and ID not both matching a trusted key) are ignored; a known key's signature that fails rejects the
    /// whole note; and at least one known signature must verify.
    /// </summary>
    public NoteVerification Verify(IEnumerable<NoteVerifier> trustedKeys)
    {
        var keys = trustedKeys.ToList();
        var verifiedBy = new List<NoteVerifier>();
        foreach (var signature in Signatures)
        {
            var key = keys.FirstOrDefault(k => k.KeyName == signature.KeyName && k.KeyId == signature.KeyId);
            if (key is null)
            {
                continue;
            }

            if (!key.Verify(Text, signature.Signature))
            {
                return new NoteVerification(false, [], $"the signature of {key.KeyName} (key ID {key.KeyId:x8}) does not match the note");
            }

            verifiedBy.Add(key);
        }

        return verifiedBy.Count > 0
            ? new NoteVerification(true, verifiedBy, $"signed by {string.Join(", ", verifiedBy.Select(k => $"{k.KeyName} ({k.KeyId:x8})"))}")
            : new NoteVerification(false, [], $"no signature from a trusted key (the note is signed by {string.Join(", ", Signatures.Select(s => $"{s.KeyName} ({s.KeyId:x8})"))})");
    }

    /// <summary>True when a key name is acceptable: non-empty, without Unicode spaces or '+'.</summary>
    public static bool IsValidKeyName(string? name) =>
        !string.IsNullOrEmpty(name) && !name.Any(c => char.IsWhiteSpace(c) || c == '+' || c < ' ');

    private static bool TryParseSignatureLine(string line, out NoteSignature? signature, out string error)
    {
        signature = null;
        if (line.Length < 3 || line[0] != SignatureDash || line[1] != ' ')
        {
            error = "does not start with an em dash (U+2014) and a space";
            return false;
        }

        var space = line.LastIndexOf(' ');
        var name = space > 2 ? line[2..space] : string.Empty;
        if (!IsValidKeyName(name))
        {
            error = "the key name is empty or contains a space or '+'";
            return false;
        }

        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(line[(space + 1)..]);
        }
        catch (FormatException)
        {
            error = "the signature is not base64";
            return false;
        }

        if (blob.Length < 5)
        {
            error = "the signature is shorter than a key ID and one byte";
            return false;
        }

        signature = new NoteSignature(name, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(blob), blob[4..]);
        error = string.Empty;
        return true;
    }
}

/// <summary>The outcome of <see cref="SignedNote.Verify"/>.</summary>
public sealed record NoteVerification(bool IsValid, IReadOnlyList<NoteVerifier> VerifiedBy, string Reason);
